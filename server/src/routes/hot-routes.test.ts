import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import type { PlainErrorHandler, PlainHandler } from '../plain-http.js';
import { listenThrough } from '../../test/hot-routes-server.js';
import { answerToAnnouncedBody } from '../../test/raw-http.js';
import { withHotRoutes } from './hot-routes.js';

type Call = (req: object, res: object, next: (error?: unknown) => void) => void;

/** Runs a request through `withHotRoutes` with fake objects; resolves with what reached the caller's `next`. */
function dispatch(handler: ReturnType<typeof withHotRoutes>, method: string, url: string): Promise<{ outcome: unknown; trail: string[] }> {
  const trail: string[] = [];
  return new Promise((resolve) => {
    (handler as unknown as Call)({ method, url, trail }, { trail }, (outcome) => resolve({ outcome, trail }));
  });
}

const step = (name: string, act?: () => Promise<void>): PlainHandler => async (req, _res, next) => {
  (req as unknown as { trail: string[] }).trail.push(name);
  await act?.();
  next();
};

describe('withHotRoutes', () => {
  const router: Call = (req, _res, next) => {
    (req as { trail: string[] }).trail.push('router');
    next('from router');
  };
  const onError: PlainErrorHandler[] = [
    (error, req, _res, next) => {
      (req as unknown as { trail: string[] }).trail.push(`first handler: ${String((error as Error).message ?? error)}`);
      next(error);
    },
    (error, req, _res, next) => {
      (req as unknown as { trail: string[] }).trail.push('last handler');
      next(error);
    },
  ];

  it('runs the hot routes as a list with the same before-handlers, and everything else through the router', async () => {
    const handler = withHotRoutes(router as never, { routes: { 'POST /v1/x': step('route') }, before: [step('a'), step('b', async () => undefined)], onError, withoutExpress: false });
    expect((await dispatch(handler, 'POST', '/v1/x')).trail).toEqual(['a', 'b', 'route']);
    for (const [method, url] of [['GET', '/v1/x'], ['POST', '/v1/x/'], ['POST', '/v1/x?stream=1'], ['POST', '/V1/X']] as const) {
      expect(await dispatch(handler, method, url)).toEqual({ outcome: 'from router', trail: ['router'] });
    }
  });

  it('gives a thrown error, a rejected promise and next(error) to the error handlers in order, then to the caller', async () => {
    const failures: Record<string, PlainHandler> = {
      thrown: () => {
        throw new Error('thrown');
      },
      rejected: async () => {
        throw new Error('rejected');
      },
      passed: (_req, _res, next) => next(new Error('passed')),
    };
    for (const [name, failing] of Object.entries(failures)) {
      const handler = withHotRoutes(router as never, { routes: { 'POST /v1/x': step('route') }, before: [step('a'), failing], onError, withoutExpress: false });
      const { outcome, trail } = await dispatch(handler, 'POST', '/v1/x');
      expect((outcome as Error).message).toBe(name);
      expect(trail).toEqual(['a', `first handler: ${name}`, 'last handler']);
    }
  });
});

describe('the hot routes in the gateway', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  const post = (path: string, body: string, key = CLIENT_KEY) =>
    fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });

  it('answers the hot paths and their other spellings alike, errors included', async () => {
    const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    for (const path of ['/v1/chat/completions', '/v1/chat/completions/', '/v1/chat/completions?trace=1']) {
      const ok = await post(path, chat);
      expect(ok.status, path).toBe(200);
      expect(((await ok.json()) as { object: string }).object).toBe('chat.completion');
      const unauthorized = await post(path, chat, 'sk-nobody');
      expect(unauthorized.status, path).toBe(401);
      const malformed = await post(path, '{"model":');
      expect(malformed.status, path).toBe(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    const embedded = await post('/v1/embeddings', JSON.stringify({ model: 'embed', input: 'hello' }));
    expect(embedded.status).toBe(200);
    expect(((await embedded.json()) as { data: Array<{ embedding: number[] }> }).data[0]?.embedding.length).toBeGreaterThan(100);
  });

  it('reads every kind of body on the hot path as the general parser does on the other spelling', async () => {
    const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] });
    const nested = `{"model":"chat","messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(70)}${']'.repeat(70)}}`;
    const bodies: Array<{ name: string; body: Buffer | string; headers?: Record<string, string> }> = [
      { name: 'plain', body: chat },
      { name: 'byte order mark', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(chat)]) },
      { name: 'leading whitespace', body: `\n\t ${chat}` },
      { name: 'charset', body: chat, headers: { 'content-type': 'application/json; charset=UTF-8' } },
      { name: 'not an object', body: '42' },
      { name: 'a string', body: '"hello"' },
      { name: 'malformed', body: '{"model": "chat",' },
      { name: 'too deep', body: nested },
      { name: 'NUL', body: chat.replace('hello', 'hel\\u0000lo') },
      { name: 'empty', body: '' },
      { name: 'latin-1', body: chat, headers: { 'content-type': 'application/json; charset=latin1' } },
      { name: 'gzip', body: gzipSync(chat), headers: { 'content-encoding': 'gzip' } },
      { name: 'vendor JSON type', body: chat, headers: { 'content-type': 'application/vnd.api+json' } },
    ];
    const answer = async (path: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers }, body });
      const json = (await response.json()) as { object?: string; error?: { code: string; message: string } };
      return { status: response.status, kind: json.object ?? json.error?.code, message: json.error?.message };
    };
    const outcomes: Record<string, number> = {};
    for (const { name, body, headers } of bodies) {
      const hot = await answer('/v1/chat/completions', body, headers);
      expect(hot, name).toEqual(await answer('/v1/chat/completions/', body, headers));
      outcomes[name] = hot.status;
    }
    expect(outcomes).toEqual({ plain: 200, 'byte order mark': 200, 'leading whitespace': 200, charset: 200, 'not an object': 400, 'a string': 400, malformed: 400, 'too deep': 400, NUL: 400, empty: 400, 'latin-1': 415, gzip: 200, 'vendor JSON type': 415 });
  });
});

describe('the hot routes on node:http alone (hotRoutesListener, as insforge-ai serve runs them)', () => {
  let harness: Harness;
  let plain: Awaited<ReturnType<typeof listenThrough>>;
  let plainUrl: string;
  let toExpress: string[];
  beforeAll(async () => {
    harness = await startHarness();
    plain = await listenThrough(harness.gateway);
    ({ url: plainUrl, toExpress } = plain);
  });
  afterAll(async () => {
    await plain.close();
    await harness.close();
  });
  const admin = (path: string, init: RequestInit) => fetch(`${harness.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } });

  /** What a client can tell of an answer: status, the headers that carry meaning, and the body with its ids taken out. */
  async function answer(base: string, path: string, body: Buffer | string, headers: Record<string, string> = {}) {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers }, body });
    const text = await response.text();
    const kept = ['content-type', 'cache-control', 'retry-after', 'x-cache', 'ratelimit-limit', 'ratelimit-policy', 'x-accel-buffering'];
    return {
      status: response.status,
      headers: Object.fromEntries(kept.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)]] : []))),
      requestId: /^[0-9a-f-]{36}$/.test(response.headers.get('x-request-id') ?? '') || response.status === 404,
      body: shapeOf(text),
    };
  }
  /** A body without what differs between two answers to one request (ids, times, the emulator's words). */
  function shapeOf(text: string): unknown {
    if (text.startsWith('data: ')) return { events: text.includes('"chat.completion.chunk"'), usage: /"usage":\{"prompt_tokens"/.test(text), done: text.endsWith('data: [DONE]\n\n') };
    const json = JSON.parse(text) as { error?: unknown; object?: string; model?: string; usage?: object };
    return json.error ? json : { object: json.object, model: json.model, usage: Object.keys(json.usage ?? {}) };
  }
  const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }], ...extra });

  it('answers every kind of request as the gateway mounted in Express does, and never runs Express for them', async () => {
    // The two sides share one gateway and its cache: each side embeds its own text, to see its own miss and hit.
    const embed = (side: string) => JSON.stringify({ model: 'embed', input: `hot path, ${side}` });
    const cases: Array<{ name: string; path?: string; body: Buffer | string | ((side: string) => string); headers?: Record<string, string> }> = [
      { name: 'JSON chat', body: chat() },
      { name: 'stream', body: chat({ stream: true, stream_options: { include_usage: true } }) },
      { name: 'embeddings (cache miss)', path: '/v1/embeddings', body: embed },
      { name: 'embeddings again (cache hit)', path: '/v1/embeddings', body: embed },
      { name: 'bad key', body: chat(), headers: { authorization: 'Bearer sk-nobody' } },
      { name: 'malformed', body: '{"model":' },
      { name: 'NUL', body: chat().replace('hello', 'hel\\u0000lo') },
      { name: 'unknown model', body: chat({ model: 'nope' }) },
      { name: 'invalid parameter', body: chat({ temperature: 'hot' }) },
      { name: 'gzip (the general parser)', body: gzipSync(chat()), headers: { 'content-encoding': 'gzip' } },
      { name: 'latin-1 (the general parser)', body: chat(), headers: { 'content-type': 'application/json; charset=latin1' } },
      { name: 'too large', body: `{"model":"chat","messages":[],"pad":"${'x'.repeat(11 * 1024 * 1024)}"}` },
    ];
    const statuses: Record<string, number> = {};
    for (const { name, path = '/v1/chat/completions', body, headers } of cases) {
      const mounted = await answer(harness.url, path, typeof body === 'function' ? body('mounted') : body, headers);
      const plain = await answer(plainUrl, path, typeof body === 'function' ? body('plain') : body, headers);
      expect(plain, name).toEqual(mounted);
      statuses[name] = plain.status;
    }
    expect(statuses).toEqual({
      'JSON chat': 200, stream: 200, 'embeddings (cache miss)': 200, 'embeddings again (cache hit)': 200, 'bad key': 401, malformed: 400, NUL: 400,
      'unknown model': 400, 'invalid parameter': 400, 'gzip (the general parser)': 200, 'latin-1 (the general parser)': 415, 'too large': 413,
    });
    expect(toExpress).toEqual([]);
  });

  it('refuses over a rate limit with the same 429 and headers, and sends every other request to the app', async () => {
    const current = (await (await admin('/api/ai/limits/policy', { method: 'GET' })).json()) as { version: number };
    const saved = await admin('/api/ai/limits/policy', { method: 'PUT', body: JSON.stringify({ version: current.version, policy: { project: {}, features: {}, users: { default: { requestsPerMinute: 2 }, overrides: {} } } }) });
    expect(saved.status).toBe(200);
    const plain = [await answer(plainUrl, '/v1/chat/completions', chat()), await answer(plainUrl, '/v1/chat/completions', chat()), await answer(plainUrl, '/v1/chat/completions', chat())];
    expect(plain.map(({ status }) => status)).toEqual([200, 200, 429]);
    expect(plain[2]?.headers['retry-after']).toMatch(/^\d+$/);
    expect(plain[2]?.headers['ratelimit-limit']).toBeDefined();
    expect(await answer(harness.url, '/v1/chat/completions', chat())).toEqual(plain[2]);
    expect(toExpress).toEqual([]);
    for (const spelling of ['/v1/chat/completions/', '/v1/chat/completions?x=1']) expect((await answer(plainUrl, spelling, chat())).status).toBe(429);
    const models = await fetch(`${plainUrl}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(models.status).toBe(200);
    expect(toExpress).toEqual(['POST /v1/chat/completions/', 'POST /v1/chat/completions?x=1', 'GET /v1/models']);
    const reset = await admin('/api/ai/limits/policy', { method: 'PUT', body: JSON.stringify({ version: ((await saved.json()) as { version: number }).version, policy: { project: {}, features: {}, users: { default: {}, overrides: {} } } }) });
    expect(reset.status).toBe(200);
  });

  it('records a stream the client cancels, as cancelled', async () => {
    harness.emulator.addRule({ match: { contains: 'slow and cancelled' }, scenario: 'tps=20' });
    const aborted = new AbortController();
    const response = await fetch(`${plainUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'code', stream: true, messages: [{ role: 'user', content: 'slow and cancelled' }] }),
      signal: aborted.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    aborted.abort();
    await expect.poll(() => harness.usage.records.find((record) => record.feature === 'code' && record.streamed)?.status).toBe('cancelled');
    harness.emulator.clearRules();
  });

  it('serves the hot routes below a mount path (as the fetch handler mounts the gateway), and nothing outside it', async () => {
    // Written without its leading slash: the same mount as `/api/ai`.
    const { url, toExpress: seen, close } = await listenThrough(harness.gateway, '/api/ai', 'api/ai/');
    try {
      expect((await answer(url, '/api/ai/v1/chat/completions', chat())).status).toBe(200);
      expect((await answer(url, '/api/ai/v1/embeddings', JSON.stringify({ model: 'embed', input: 'mounted' }))).status).toBe(200);
      expect(seen).toEqual([]);
      // Outside the mount, the app answers (its own 404).
      for (const path of ['/v1/chat/completions', '/api/aiv1/chat/completions']) {
        expect((await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: chat() })).status).toBe(404);
      }
      expect(seen).toEqual(['POST /v1/chat/completions', 'POST /api/aiv1/chat/completions']);
    } finally {
      await close();
    }
  });

  it('refuses a caller without a valid key before it reads the body, on the hot routes and through Express', async () => {
    // 10 MB announced, 1 KB sent: the answer comes without the rest, so none of it was waited for, nor parsed.
    for (const [url, path] of [[plainUrl, '/v1/chat/completions'], [harness.url, '/v1/chat/completions'], [harness.url, '/api/ai/conversations']] as const) {
      expect(await answerToAnnouncedBody(url, 'POST', path, ''), `${url}${path}`).toBe('HTTP/1.1 401 Unauthorized');
      expect(await answerToAnnouncedBody(url, 'POST', path, 'Authorization: Bearer ik_not_a_key_of_this_gateway\r\n'), `${url}${path}`).toBe('HTTP/1.1 401 Unauthorized');
    }
  });

  it('leaves a gateway with an authenticate hook (given an Express request) to the app', async () => {
    const hooked = await startHarness({ authenticate: (req) => (req.get('authorization') === `Bearer ${CLIENT_KEY}` ? { projectId: 'default', role: 'user', userId: 'hooked' } : undefined) });
    const { url, toExpress: seen, close } = await listenThrough(hooked.gateway);
    try {
      expect((await answer(url, '/v1/chat/completions', chat())).status).toBe(200);
      expect(seen).toEqual(['POST /v1/chat/completions']);
    } finally {
      await close();
      await hooked.close();
    }
  });
});
