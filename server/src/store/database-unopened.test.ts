import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiGateway, type AiGateway } from '../create-ai-gateway.js';

// A Postgres nobody listens on (a database not up yet when the app started): every call says the service is
// unavailable, never that the gateway broke.
const KEY = 'ik_unopened_database_0123456789';
let gateway: AiGateway;
let server: Server;
let url: string;
const logs: string[] = [];
beforeAll(async () => {
  gateway = createAiGateway({
    database: 'postgres://postgres@127.0.0.1:1/none?connect_timeout=1',
    clientKeys: [{ key: KEY }],
    features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }],
    upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused' },
    logger: { info: () => undefined, warn: (message) => logs.push(message), error: (message) => logs.push(message) },
  });
  await gateway.ready.catch(() => undefined);
  server = createServer(express().use('/ai', gateway));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ai`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await gateway.close().catch(() => undefined);
});

describe('a gateway whose database could not be opened', () => {
  it.each([
    ['POST', '/v1/chat/completions'],
    ['POST', '/api/ai/chat/completion'],
    ['GET', '/v1/models'],
    ['GET', '/api/ai/conversations'],
  ])('answers %s %s with 503 service_unavailable, not a 500', async (method, path) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }) } : {}),
    });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('service_unavailable');
    expect(error.message).toContain('database');
  });

  it('logs the cause once, not once per request', () => {
    expect(logs.filter((line) => line === 'the gateway database could not be opened')).toHaveLength(1);
    expect(logs.filter((line) => line === 'unhandled error in a gateway route')).toEqual([]);
  });
});
