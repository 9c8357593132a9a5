import { gzipSync } from 'node:zlib';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { withHotRoutes } from './hot-routes.js';

type Call = (req: object, res: object, next: (error?: unknown) => void) => void;

/** Runs a request through `withHotRoutes` with fake objects; resolves with what reached the caller's `next`. */
function dispatch(handler: ReturnType<typeof withHotRoutes>, method: string, url: string): Promise<{ outcome: unknown; trail: string[] }> {
  const trail: string[] = [];
  return new Promise((resolve) => {
    (handler as unknown as Call)({ method, url, trail }, { trail }, (outcome) => resolve({ outcome, trail }));
  });
}

const step = (name: string, act?: () => Promise<void>): RequestHandler => async (req, _res, next) => {
  (req as unknown as { trail: string[] }).trail.push(name);
  await act?.();
  next();
};

describe('withHotRoutes', () => {
  const router: Call = (req, _res, next) => {
    (req as { trail: string[] }).trail.push('router');
    next('from router');
  };
  const onError: ErrorRequestHandler[] = [
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
    const handler = withHotRoutes(router as never, { routes: { 'POST /v1/x': step('route') }, before: [step('a'), step('b', async () => undefined)], onError });
    expect((await dispatch(handler, 'POST', '/v1/x')).trail).toEqual(['a', 'b', 'route']);
    for (const [method, url] of [['GET', '/v1/x'], ['POST', '/v1/x/'], ['POST', '/v1/x?stream=1'], ['POST', '/V1/X']] as const) {
      expect(await dispatch(handler, method, url)).toEqual({ outcome: 'from router', trail: ['router'] });
    }
  });

  it('gives a thrown error, a rejected promise and next(error) to the error handlers in order, then to the caller', async () => {
    const failures: Record<string, RequestHandler> = {
      thrown: () => {
        throw new Error('thrown');
      },
      rejected: async () => {
        throw new Error('rejected');
      },
      passed: (_req, _res, next) => next(new Error('passed')),
    };
    for (const [name, failing] of Object.entries(failures)) {
      const handler = withHotRoutes(router as never, { routes: { 'POST /v1/x': step('route') }, before: [step('a'), failing], onError });
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
    expect(outcomes).toEqual({ plain: 200, 'byte order mark': 200, 'leading whitespace': 200, charset: 200, 'not an object': 400, 'a string': 400, malformed: 400, 'too deep': 400, NUL: 400, empty: 400, 'latin-1': 415, gzip: 200, 'vendor JSON type': 400 });
  });
});
