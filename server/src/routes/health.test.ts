import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../../test/harness.js';
import { createAiGateway, type AiGatewayOptions } from '../create-ai-gateway.js';
import { healthRouter } from './health.js';
import { KeyEncryption } from '../crypto/key-encryption.js';
import { openGatewayStores } from '../store/gateway-stores.js';

interface HealthBody {
  status: string;
  live: boolean;
  checks: Record<'store' | 'upstream' | 'limits' | 'providerKey', { status: string; error?: string; note?: string }>;
}

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-health-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A gateway mounted in a bare Express app; `get` fetches a path of it. */
async function mounted(options: AiGatewayOptions) {
  const gateway = createAiGateway({ logger: { info: () => undefined, warn: () => undefined, error: () => undefined }, ...options });
  const server = express().use(gateway).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async get(route: string) {
      const response = await fetch(`${base}${route}`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await gateway.close();
    },
  };
}

describe('GET /health', () => {
  it('is 200 when the database, OpenRouter, limits and the key all answer', async () => {
    const harness = await startHarness();
    try {
      const response = await fetch(`${harness.url}/health`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', live: true, checks: { store: { status: 'ok' }, upstream: { status: 'ok' }, limits: { status: 'ok' }, providerKey: { status: 'ok' } } });
    } finally {
      await harness.close();
    }
  });

  it('is 503 with the reason when OpenRouter cannot be reached, and needs no identity', async () => {
    const gateway = await mounted({ database: ':memory:', upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused', timeouts: { connectMs: 500 } } });
    try {
      const { status, body } = await gateway.get('/health');
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'degraded', live: true, checks: { store: { status: 'ok' }, upstream: { status: 'unavailable' } } });
    } finally {
      await gateway.close();
    }
  });

  it('is 503 when Redis for limits is down and limits fail closed, saying so', async () => {
    const harness = await startHarness({ limits: { redisUrl: 'redis://127.0.0.1:1', onRedisFailure: 'fail-closed' } });
    try {
      const response = await fetch(`${harness.url}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as HealthBody;
      expect(body.checks.store.status).toBe('ok');
      expect(body.checks.limits).toEqual({ status: 'unavailable', error: expect.stringMatching(/^the limits store cannot be reached \(Redis is unreachable: .*\) and limits fail closed, so every AI request is refused until it is back$/) });
    } finally {
      await harness.close();
    }
  });

  it('stays 200 when Redis is down but limits fail open, with a note', async () => {
    const harness = await startHarness({ limits: { redisUrl: 'redis://127.0.0.1:1', onRedisFailure: 'fail-open' } });
    try {
      const response = await fetch(`${harness.url}/health`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as HealthBody).checks.limits).toEqual({ status: 'ok', note: expect.stringContaining('fail-open') });
    } finally {
      await harness.close();
    }
  });

  it('is 503 when the stored OpenRouter key cannot be decrypted with the configured master key, and shows no secret', async () => {
    const database = path.join(directory, 'undecryptable.db');
    const storedKey = 'sk-or-v1-a-key-stored-before-the-master-key-changed';
    const stores = await openGatewayStores({ database, defaultProjectId: 'default', encryption: new KeyEncryption([{ id: 'before', key: randomBytes(32) }]) });
    await stores.providerKeys.set('default', storedKey, { label: null, limit: null, limitRemaining: null, usage: null, isFreeTier: false }, 'test');
    await stores.close();
    const harness = await startHarness({ database, encryption: new KeyEncryption([{ id: 'after', key: randomBytes(32) }]) });
    try {
      const response = await fetch(`${harness.url}/health`);
      expect(response.status).toBe(503);
      const text = await response.text();
      expect((JSON.parse(text) as HealthBody).checks.providerKey).toEqual({ status: 'unavailable', error: expect.stringContaining('master key "before", which is not configured: add that key to INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS') });
      expect(text).not.toContain(storedKey);
      expect(text).not.toContain(harness.upstreamKey);
    } finally {
      await harness.close();
    }
  });

  it('stays 200 with a note while no OpenRouter key is configured, so an admin can still set one', async () => {
    const harness = await startHarness({ upstream: { apiKey: '' } });
    try {
      const response = await fetch(`${harness.url}/health`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as HealthBody).checks.providerKey).toEqual({ status: 'ok', note: expect.stringContaining('no OpenRouter key is configured') });
    } finally {
      await harness.close();
    }
  });

  it('is 503 when the database cannot be opened, without the password of its URL', async () => {
    const gateway = await mounted({ database: 'postgres://nobody:hunter2secret@127.0.0.1:1/test', upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused', timeouts: { connectMs: 500 } } });
    try {
      const { status, body } = await gateway.get('/health');
      expect(status).toBe(503);
      expect(body.checks.store.status).toBe('unavailable');
      expect(JSON.stringify(body)).not.toContain('hunter2secret');
    } finally {
      await gateway.close();
    }
  });
});

describe('GET /health/live', () => {
  it('is 200 whenever the process answers, even with the database and OpenRouter down', async () => {
    const gateway = await mounted({ database: 'postgres://nobody:bad@127.0.0.1:1/test', upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused' } });
    try {
      expect(await gateway.get('/health/live')).toEqual({ status: 200, body: { status: 'ok', live: true } });
    } finally {
      await gateway.close();
    }
  });
});

describe('the OpenRouter check of GET /health', () => {
  it('runs once for requests that come together, since anyone may ask and each would call OpenRouter', async () => {
    let upstreamCalls = 0;
    const ok = async () => undefined;
    const router = healthRouter({
      store: ok,
      limits: ok,
      providerKey: ok,
      upstream: async () => {
        upstreamCalls += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return undefined;
      },
    });
    const server = express().use(router).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
      const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(url)).status));
      expect(statuses).toEqual(Array.from({ length: 20 }, () => 200));
      expect((await fetch(url)).status).toBe(200);
      expect(upstreamCalls).toBe(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('judges OpenRouter by its status and does not read the model list, which it does not need', async () => {
    // An upstream that answers GET /models with 200 and a body that never ends: the status says it is reachable.
    const upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":[');
      req.socket.on('close', () => res.destroy());
    });
    upstream.listen(0, '127.0.0.1');
    await new Promise((resolve) => upstream.once('listening', resolve));
    const gateway = await mounted({ database: ':memory:', upstream: { baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api/v1`, apiKey: 'sk-or-v1-unused' } });
    try {
      const { body } = await gateway.get('/health');
      expect(body.checks.upstream).toEqual({ status: 'ok' });
    } finally {
      await gateway.close();
      upstream.closeAllConnections();
      upstream.close();
    }
  });
});
