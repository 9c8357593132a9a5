import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createAiGateway } from '../create-ai-gateway.js';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { listenMounted } from '../../test/mounted-gateway.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { MAX_JSON_DEPTH, scanJson } from './request-hygiene.js';

describe('scanJson', () => {
  it('measures nesting outside strings only, and finds escaped NULs inside strings', () => {
    expect(scanJson(Buffer.from('{"a":[1,{"b":"[[[{{{"}]}'))).toEqual({ depth: 3, nul: false });
    expect(scanJson(Buffer.from('{"a":"x\\u0000y"}'))).toEqual({ depth: 1, nul: true });
    // An escaped backslash followed by the letters u0000 is text, not a NUL.
    expect(scanJson(Buffer.from('{"a":"x\\\\u0000y"}'))).toEqual({ depth: 1, nul: false });
    expect(scanJson(Buffer.from(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).depth).toBe(MAX_JSON_DEPTH + 1);
  });
});

/** The host's own sign-in, as many read it: a user id from a header, percent-decoded. */
const USER_HEADER = 'x-test-user';

describe.each(DIALECTS)('NUL characters are refused with 400 on %s, the same as on every database', (dialect) => {
  let database: TestDatabase;
  let harness: Harness;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    harness = await startHarness({
      database: database.url,
      authenticate: (req) => {
        const user = req.headers[USER_HEADER];
        return typeof user === 'string' ? { projectId: 'default', userId: decodeURIComponent(user), role: 'user' } : undefined;
      },
    });
  }, 30_000);
  afterAll(async () => {
    await harness.close();
    await database.drop();
  });

  const send = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${harness.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    // A 204 has no body, and Node itself answers a URL past its header limit (431) without one.
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as { error?: { code: string; message: string } } };
  };
  const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const asUser = { authorization: `Bearer ${CLIENT_KEY}` };
  const conversation = (text: string) => ({ title: 'T', feature: 'chat', messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text }] }] });

  it("in a feature's system prompt", async () => {
    const current = await send('GET', '/api/ai/configurations/chat', undefined, asAdmin);
    const version = (current.body as { version: number }).version;
    const refused = await send('PATCH', '/api/ai/configurations/chat', { systemPrompt: 'Be brief.\u0000', version }, asAdmin);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain('NUL');
    // The same change without the NUL is stored: the refusal is about the character, not the route.
    expect((await send('PATCH', '/api/ai/configurations/chat', { systemPrompt: 'Be brief.', version }, asAdmin)).status).toBe(200);
  });

  it('in a conversation message', async () => {
    const refused = await send('POST', '/api/ai/conversations', conversation('hello\u0000world'), asUser);
    expect(refused.status).toBe(400);
    expect(refused.body.error?.code).toBe('invalid_request');
    expect((await send('POST', '/api/ai/conversations', conversation('hello world'), asUser)).status).toBe(201);
  });

  it("in the user id the host's sign-in reads from a header", async () => {
    for (const [method, path, body] of [['GET', '/api/ai/conversations', undefined], ['POST', '/api/ai/conversations', conversation('hi')], ['POST', '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] }]] as const) {
      const refused = await send(method, path, body, { [USER_HEADER]: 'user%00admin' });
      expect(refused.status, `${method} ${path}`).toBe(400);
      expect(refused.body.error?.message).toContain('NUL');
      expect((await send(method, path, body, { [USER_HEADER]: 'user-two' })).status, `${method} ${path}`).toBeLessThan(300);
    }
  });

  it('odd ids and query values in every route that looks a record up are 4xx, never a database error', async () => {
    const ids = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', '-1', '1e309', '%F0%9F%98%80', '%E2%80%A8', 'x'.repeat(5_000)];
    const failures: string[] = [];
    for (const id of ids) {
      const calls: Array<[string, string, unknown, Record<string, string>]> = [
        ['GET', `/api/ai/conversations/${id}`, undefined, asUser], ['PATCH', `/api/ai/conversations/${id}`, { title: 'x' }, asUser],
        ['PUT', `/api/ai/conversations/${id}`, conversation('x'), asUser], ['POST', `/api/ai/conversations/${id}/messages`, { messages: [] }, asUser],
        ['DELETE', `/api/ai/conversations/${id}`, undefined, asUser], ['GET', `/api/ai/conversations?before=${id}&limit=${id}`, undefined, asUser],
        ['GET', `/api/ai/configurations/${id}`, undefined, asAdmin], ['GET', `/api/ai/configurations/${id}/history`, undefined, asAdmin],
        ['PATCH', `/api/ai/configurations/${id}`, { systemPrompt: 'x', version: 1 }, asAdmin], ['DELETE', `/api/ai/configurations/${id}`, undefined, asAdmin],
        ['POST', `/api/ai/configurations/${id}/restore`, { version: 1 }, asAdmin], ['GET', `/api/ai/usage/config/${id}`, undefined, asAdmin],
        ['GET', `/api/ai/usage?from=${id}&to=${id}&limit=${id}&cursor=${id}`, undefined, asAdmin], ['GET', `/api/ai/errors/${id}`, undefined, asAdmin],
        ['GET', `/api/ai/audit?limit=${id}&before=${id}`, undefined, asAdmin], ['DELETE', `/api/ai/keys/${id}`, undefined, asAdmin],
      ];
      for (const [method, path, body, headers] of calls) {
        const answer = await send(method, path, body, headers).catch((error: unknown) => ({ status: 0, body: { error: { code: String(error), message: '' } } }));
        if (answer.status >= 500 || answer.status === 0) failures.push(`${method} ${path.slice(0, 80)} → ${answer.status} ${answer.body.error?.code ?? ''}`);
      }
    }
    expect(failures.join('\n')).toBe('');
  });

  it('in a path or a query', async () => {
    expect((await send('GET', '/api/ai/conversations/abc%00def', undefined, asUser)).status).toBe(400);
    expect((await send('GET', '/api/ai/usage?feature=chat%00', undefined, asAdmin)).status).toBe(400);
    expect(harness.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });
});

describe('a body the host app parsed before the gateway (express.json() in front of it)', () => {
  const upstreamKey = generateKey();
  let emulator: Emulator;
  let host: Awaited<ReturnType<typeof listenMounted>> | undefined;
  let url: string;
  beforeAll(async () => {
    emulator = await startEmulator({ keys: [upstreamKey] });
    const gateway = createAiGateway({ features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }], clientKeys: [{ key: CLIENT_KEY }], database: ':memory:', upstream: { baseUrl: emulator.url, apiKey: upstreamKey } });
    host = await listenMounted(express().use(express.json({ limit: '1mb' })), gateway);
    url = host.url;
  });
  afterAll(async () => {
    await host?.close();
    await emulator?.close();
  });

  const post = async (path: string, body: string) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
  };

  it('is taken as parsed on every route, hot or not, and still refused nested too deep or with a NUL', async () => {
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    expect((await post('/api/ai/conversations', JSON.stringify({ title: 'T' }))).status).toBe(201);
    const deep = await post('/v1/chat/completions', `{"model":"chat","messages":[{"role":"user","content":${'['.repeat(500)}${']'.repeat(500)}}]}`);
    expect([deep.status, deep.body.error?.message]).toEqual([400, `The request body's JSON nests more than ${MAX_JSON_DEPTH} levels deep; the gateway accepts at most ${MAX_JSON_DEPTH}.`]);
    const nul = await post('/api/ai/conversations', JSON.stringify({ title: 'a\u0000b' }));
    expect([nul.status, nul.body.error?.message]).toEqual([400, expect.stringContaining('NUL')]);
    const nulKey = await post('/v1/chat/completions', JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], metadata: { 'a\u0000': 'b' } }));
    expect(nulKey.status).toBe(400);
  });
});
