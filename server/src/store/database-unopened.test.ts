import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/databases.js';
import { startRedisProxy } from '../../test/redis-proxy.js';
import { createAiGateway, type AiGateway } from '../create-ai-gateway.js';

// A Postgres nobody listens on (a database not up yet when the app started): every call says the service is
// unavailable, never that the gateway broke, while the gateway tries again.
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
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('logs the cause once, not once per request (each later try, as a warning)', () => {
    expect(logs.filter((line) => line === 'the gateway database could not be opened')).toHaveLength(1);
    expect(logs.filter((line) => line === 'unhandled error in a gateway route')).toEqual([]);
  });
});

describe('a gateway told not to try its database again', () => {
  it('answers 503 until it is restarted, without Retry-After, and stops at its first try', async () => {
    const lines: string[] = [];
    const once = createAiGateway({
      database: 'postgres://postgres@127.0.0.1:1/none?connect_timeout=1',
      databaseRetry: false,
      clientKeys: [{ key: KEY }],
      upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused' },
      logger: { info: () => undefined, warn: (message) => lines.push(message), error: (message) => lines.push(message) },
    });
    await expect(once.ready).rejects.toThrow();
    const onceServer = createServer(express().use('/ai', once));
    await new Promise<void>((resolve) => onceServer.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(onceServer.address() as AddressInfo).port}/ai/api/ai/conversations`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBeNull();
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('until it is restarted with the database reachable');
      expect(lines).toEqual(['the gateway database could not be opened']);
    } finally {
      onceServer.closeAllConnections();
      onceServer.close();
      await once.close();
    }
  });
});

// docker-compose starts the app and Postgres together; the app's first try finds nobody listening.
describe('a gateway whose Postgres comes up after it started', () => {
  it('answers 503 with Retry-After and says why on /health meanwhile, then serves once the database opens, without a restart', async () => {
    const database = await createTestDatabase('postgres');
    // A TCP proxy (the one the Redis tests use) on a port nothing answers on until it is restored.
    const proxy = await startRedisProxy(database.url);
    await proxy.cut();
    const target = new URL(database.url);
    target.port = new URL(proxy.url).port;
    const lines: string[] = [];
    const late = createAiGateway({
      database: target.toString(),
      clientKeys: [{ key: KEY }],
      upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-unused' },
      logger: { info: (message) => lines.push(message), warn: (message) => lines.push(message), error: (message) => lines.push(message) },
    });
    const lateServer = createServer(express().use('/ai', late));
    await new Promise<void>((resolve) => lateServer.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(lateServer.address() as AddressInfo).port}/ai`;
    const conversations = () => fetch(`${base}/api/ai/conversations`, { headers: { authorization: `Bearer ${KEY}` } });
    try {
      const refused = await conversations();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error).toMatchObject({ code: 'service_unavailable' });
      expect(error.message).toMatch(/cannot open its database yet; it tries again in \d+ s/);
      const unready = await fetch(`${base}/health`);
      expect(unready.status).toBe(503);
      const { checks } = (await unready.json()) as { checks: { store: { status: string; error?: string } } };
      expect(checks.store.status).toBe('unavailable');
      expect(checks.store.error).toMatch(/the database could not be opened \(.+\); tried (once|\d+ times), it is tried again in \d+ s/);

      await proxy.restore();
      await expect.poll(async () => (await conversations()).status, { timeout: 20_000, interval: 200 }).toBe(200);
      await late.ready;
      const store = ((await (await fetch(`${base}/health`)).json()) as { checks: { store: { status: string } } }).checks.store;
      expect(store.status).toBe('ok');
      expect(lines).toContain('the gateway database could not be opened');
      expect(lines).toContain('the gateway database is open: requests are served');
    } finally {
      lateServer.closeAllConnections();
      lateServer.close();
      await late.close();
      await proxy.close();
      await database.drop();
    }
  }, 40_000);
});
