import express from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import type { Authenticate, Identity } from '../auth/identity.js';
import { createAiGateway } from '../create-ai-gateway.js';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { listenMounted } from '../../test/mounted-gateway.js';
import { answerToAnnouncedBody } from '../../test/raw-http.js';
import { setLimitPolicy } from '../../test/spend-caps.js';

/** The host's sign-in, as a session cookie or a JWT would give it: a user id and a role from headers. */
const USER_HEADER = 'x-test-user';
const ROLE_HEADER = 'x-test-role';
const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }], ...extra });

describe('a gateway with an authenticate hook', () => {
  let harness: Harness;
  /** Each time the hook was asked, whether the request's body had been read (the hook itself never reads it). */
  const asked: boolean[] = [];
  beforeAll(async () => {
    // A hook that answers later (a session store, a JWT's keys), as a Promise.
    const authenticate: Authenticate = async (req) => {
      asked.push(req.readableEnded);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const user = req.headers[USER_HEADER];
      if (typeof user !== 'string') return undefined;
      return { projectId: 'default', userId: user, role: req.headers[ROLE_HEADER] === 'admin' ? 'admin' : 'user' };
    };
    harness = await startHarness({ authenticate });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('refuses a caller neither it nor a client key knows before reading its body, on every route', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/v1/chat/completions'], ['POST', '/v1/embeddings'], ['POST', '/v1/images/generations'], ['POST', '/api/ai/chat/completion'],
      ['POST', '/api/ai/image/generation'], ['POST', '/api/ai/conversations'], ['POST', '/api/ai/files'], ['POST', '/api/ai/jobs'],
      ['PUT', '/api/ai/limits/policy'], ['PATCH', '/api/ai/configurations/chat'], ['POST', '/mcp'],
    ];
    for (const [method, path] of routes) {
      asked.length = 0;
      expect(await answerToAnnouncedBody(harness.url, method, path, ''), `${method} ${path}`).toBe('HTTP/1.1 401 Unauthorized');
      expect(await answerToAnnouncedBody(harness.url, method, path, 'Authorization: Bearer ik_not_a_key_of_this_gateway\r\n'), `${method} ${path}`).toBe('HTTP/1.1 401 Unauthorized');
      expect(asked, `${method} ${path}`).toEqual([false, false]);
    }
    // The answer is the gateway's error shape.
    const refused = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody() });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'unauthorized', type: expect.any(String) } });
  });

  it('reads the body of a caller it knows, once, on every route, streams included', async () => {
    const asUser = { [USER_HEADER]: 'hooked-user', 'content-type': 'application/json' };
    const asAdmin = { [USER_HEADER]: 'hooked-admin', [ROLE_HEADER]: 'admin', 'content-type': 'application/json' };
    const send = (method: string, path: string, headers: Record<string, string>, body?: string) => fetch(`${harness.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    asked.length = 0;
    const chat = await send('POST', '/v1/chat/completions', asUser, chatBody());
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    // Asked once, before the body was read.
    expect(asked).toEqual([false]);
    const stream = await send('POST', '/v1/chat/completions', asUser, chatBody({ stream: true }));
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('data: [DONE]');
    expect((await send('POST', '/v1/embeddings', asUser, JSON.stringify({ model: 'embed', input: 'vectors' }))).status).toBe(200);
    expect((await send('POST', '/v1/images/generations', asUser, JSON.stringify({ model: 'image', prompt: 'a red square' }))).status).toBe(200);
    expect((await send('POST', '/api/ai/chat/completion', asUser, JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    expect((await send('POST', '/api/ai/image/generation', asUser, JSON.stringify({ model: 'image', prompt: 'a blue circle' }))).status).toBe(200);
    expect((await send('POST', '/api/ai/conversations', asUser, JSON.stringify({ title: 'Hooked' }))).status).toBe(201);
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    expect((await send('POST', '/api/ai/files', asUser, JSON.stringify({ data: `data:image/png;base64,${png.toString('base64')}` }))).status).toBe(201);
    const configuration = await send('GET', '/api/ai/configurations/chat', asAdmin);
    const { version } = (await configuration.json()) as { version: number };
    expect((await send('PATCH', '/api/ai/configurations/chat', asAdmin, JSON.stringify({ systemPrompt: 'Be brief.', version }))).status).toBe(200);
    const mcp = await send('POST', '/mcp', { ...asAdmin, accept: 'application/json, text/event-stream' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'feature_set', arguments: { name: 'hooked-feature', changes: { model: 'openai/gpt-4o-mini' } } } }));
    expect(((await mcp.json()) as { result: { structuredContent: unknown } }).result.structuredContent).toMatchObject({ name: 'hooked-feature' });
    // A client key still works when the hook knows nobody.
    expect((await send('POST', '/v1/chat/completions', { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, chatBody())).status).toBe(200);
    expect(harness.usage.records.filter((record) => record.userId === 'hooked-user').length).toBeGreaterThanOrEqual(6);
    expect(harness.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });
});

describe('a hook that reads the body', () => {
  let harness: Harness;
  const bodiesSeen: unknown[] = [];
  let authenticate: Authenticate = () => undefined;
  beforeAll(async () => {
    harness = await startHarness({ authenticate: (req) => authenticate(req) });
  });
  afterAll(async () => {
    await harness.close();
  });
  const post = (body: string) => fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('is asked again with the body, and identifies the caller by it', async () => {
    authenticate = (req) => {
      bodiesSeen.push(req.body);
      const user = (req.body as { user?: unknown } | undefined)?.user;
      return typeof user === 'string' ? { projectId: 'default', userId: user, role: 'user' } : undefined;
    };
    bodiesSeen.length = 0;
    const chat = await post(chatBody({ user: 'from-the-body' }));
    expect(chat.status).toBe(200);
    expect(bodiesSeen).toEqual([undefined, expect.objectContaining({ user: 'from-the-body' })]);
    expect(harness.usage.records.at(-1)?.userId).toBe('from-the-body');
    const stream = await post(chatBody({ user: 'from-the-body', stream: true }));
    expect(await stream.text()).toContain('data: [DONE]');
    // Nobody in the body: refused, in the gateway's error shape.
    const nobody = await post(chatBody());
    expect(nobody.status).toBe(401);
    expect(await nobody.json()).toMatchObject({ error: { code: 'unauthorized' } });
    // A request without a body has none to read: the hook is asked once.
    bodiesSeen.length = 0;
    expect((await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(200);
    expect(bodiesSeen).toEqual([undefined]);
  });

  it('is asked again with the body when it failed without it', async () => {
    // Written as if the body were always there: it throws when asked without it.
    authenticate = (req): Identity => ({ projectId: 'default', userId: String((req.body as { user: unknown }).user), role: 'user' });
    const chat = await post(chatBody({ user: 'thrown-then-known' }));
    expect(chat.status).toBe(200);
    expect(harness.usage.records.at(-1)?.userId).toBe('thrown-then-known');
  });
});

describe.each([
  ['Express 5 behind the host app\'s own express.json()', () => express().use(express.json({ limit: '1mb' })), true],
  ['Express 4 without a parser of its own', () => express4(), false],
] as const)('a hook in %s', (_name, hostApp, hostParses) => {
  const upstreamKey = generateKey();
  let emulator: Emulator;
  let host: Awaited<ReturnType<typeof listenMounted>> | undefined;
  const bodiesSeen: unknown[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({ keys: [upstreamKey] });
    const gateway = createAiGateway({
      features: DEFAULT_FEATURES,
      database: ':memory:',
      upstream: { baseUrl: emulator.url, apiKey: upstreamKey },
      authenticate: (req) => {
        bodiesSeen.push(req.body);
        const user = (req.body as { user?: unknown } | undefined)?.user ?? req.headers[USER_HEADER];
        return typeof user === 'string' ? { projectId: 'default', userId: user, role: 'user' } : undefined;
      },
    });
    host = await listenMounted(hostApp(), gateway);
  });
  afterAll(async () => {
    await host?.close();
    await emulator?.close();
  });

  it(hostParses ? 'is asked once, with the body the host parsed' : 'is asked again with the body the gateway read', async () => {
    const chat = await fetch(`${host?.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody({ user: 'from-the-body' }) });
    expect(chat.status).toBe(200);
    expect(bodiesSeen).toEqual([...(hostParses ? [] : [undefined]), expect.objectContaining({ user: 'from-the-body' })]);
    bodiesSeen.length = 0;
    expect((await fetch(`${host?.url}/api/ai/conversations`, { method: 'POST', headers: { 'content-type': 'application/json', [USER_HEADER]: 'by-header' }, body: JSON.stringify({ title: 'T' }) })).status).toBe(201);
    expect(bodiesSeen).toEqual([...(hostParses ? [] : [undefined]), { title: 'T' }]);
    // Nobody in the body or the headers: 401.
    expect((await fetch(`${host?.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody() })).status).toBe(401);
  });
});

describe('a caller that hangs up while the hook identifies it', () => {
  let harness: Harness;
  beforeAll(async () => {
    // A session store that takes its time: the caller is gone by the time it answers.
    harness = await startHarness({
      authenticate: async (req) => {
        // Asked again once the gateway read the body (it reads it here), as a hook that looks there is.
        if (req.body !== undefined) await new Promise((resolve) => setTimeout(resolve, 300));
        const user = req.headers[USER_HEADER];
        return typeof user === 'string' ? { projectId: 'default', userId: user, role: 'user' } : undefined;
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });
  /** Sends the whole request, then hangs up before the hook has answered. */
  const hangUp = async (path: string, init: RequestInit) => {
    const abort = new AbortController();
    const sent = fetch(`${harness.url}${path}`, { ...init, headers: { [USER_HEADER]: 'gone', 'content-type': 'application/json' }, signal: abort.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await sent;
  };

  it('sends nothing to OpenRouter for it, and records it as cancelled', async () => {
    harness.emulator.addRule({ match: { contains: 'hello' }, scenario: 'tps=50;tokens=100' });
    await hangUp('/v1/chat/completions', { method: 'POST', body: chatBody({ stream: true }) });
    await expect.poll(() => harness.usage.records.length, { timeout: 5_000 }).toBe(1);
    expect(harness.usage.records[0]).toMatchObject({ status: 'cancelled', attempts: 0, userId: 'gone' });
    expect(harness.emulator.generations()).toEqual([]);
  });

  it('gives back the slot it took of the caller\'s concurrent requests', async () => {
    await setLimitPolicy(harness, { users: { default: { concurrentRequests: 1 }, overrides: {} } });
    await hangUp('/api/ai/conversations', { method: 'POST', body: JSON.stringify({ title: 'gone' }) });
    // The hook answers, then the call is admitted for nobody.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const next = await fetch(`${harness.url}/api/ai/conversations`, { headers: { [USER_HEADER]: 'gone' } });
    expect(next.status).toBe(200);
  });
});

describe('a caller that hangs up while a hook that reads no body identifies it', () => {
  let harness: Harness;
  beforeAll(async () => {
    // The hook looks at a header only, and takes its time: the body is read after it, from a request already closed.
    harness = await startHarness({
      authenticate: async (req) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const user = req.headers[USER_HEADER];
        return typeof user === 'string' ? { projectId: 'default', userId: user, role: 'user' } : undefined;
      },
    });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('is recorded as cancelled, once, and nothing is sent to OpenRouter', async () => {
    const abort = new AbortController();
    const sent = fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { [USER_HEADER]: 'gone', 'content-type': 'application/json' }, body: chatBody({ stream: true }), signal: abort.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await sent;
    await expect.poll(() => harness.usage.records.length, { timeout: 5_000 }).toBe(1);
    expect(harness.usage.records[0]).toMatchObject({ status: 'cancelled', attempts: 0, userId: 'gone', endpoint: 'chat' });
    expect(harness.emulator.generations()).toEqual([]);
  });
});
