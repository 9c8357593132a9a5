import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createAiGateway } from '../create-ai-gateway.js';

describe('GET /health when OpenRouter cannot be reached', () => {
  it('answers 503 with the reason, and needs no identity', async () => {
    const gateway = createAiGateway({ database: ':memory:', upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused', timeouts: { connectMs: 500 } } });
    const server = express().use(gateway).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; live: boolean; checks: { upstream: { status: string } } };
      expect(body).toMatchObject({ status: 'degraded', live: true, checks: { store: { status: 'ok' }, upstream: { status: 'unavailable' } } });
    } finally {
      server.close();
      await gateway.close();
    }
  });
});
