import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import express4 from 'express4';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { listenMounted } from '../test/mounted-gateway.js';
import { parseSseBody } from '../test/sse.js';
import { createAiGateway } from './create-ai-gateway.js';
import { createAiFetchHandler, type AiFetchHandler } from './fetch-handler.js';
import { MemoryUsageSink } from './usage/usage-record.js';

const UPSTREAM_KEY = generateKey();
const CLIENT_KEY = 'ik_fetch_client_key_0123456789';
const FEATURES = [{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'You are the Acme assistant.' }];

let emulator: Emulator;
let handler: AiFetchHandler;
const usage = new MemoryUsageSink();

beforeAll(async () => {
  emulator = await startEmulator({ keys: [UPSTREAM_KEY] });
  handler = createAiFetchHandler({
    basePath: '/api/ai',
    features: FEATURES,
    clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }],
    database: ':memory:',
    usage,
    upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY },
  });
});
afterAll(async () => {
  await handler?.close(0);
  await emulator?.close();
});

const chatRequest = (body: Record<string, unknown>, init: RequestInit = {}) =>
  new Request('http://app.example/api/ai/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hello there' }], ...body }),
    ...init,
  });

/** A Web-standard server, as Hono's or Next.js's Node adapters are: Node request in, `Request` out, `Response` back. */
function fetchServer(fetchHandler: (request: Request) => Promise<Response>): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      signal: abort.signal,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    const response = await fetchHandler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('createAiFetchHandler', () => {
  it('answers a JSON chat as a Response, with the feature applied and one usage record', async () => {
    const response = await handler(chatRequest({}));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]!.message.content).toContain('Hello there');
    expect(emulator.generations().at(-1)!.request).toMatchObject({ messages: [{ role: 'system', content: 'You are the Acme assistant.' }, { role: 'user', content: 'Hello there' }] });
    expect(usage.records.at(-1)).toMatchObject({ status: 'ok', feature: 'chat', userId: 'user-1' });
  });

  it('streams: the first events arrive while the answer is still being written', async () => {
    emulator.addRule({ match: { contains: 'slowly' }, scenario: 'tps=40;tokens=40' });
    const response = await handler(chatRequest({ stream: true, messages: [{ role: 'user', content: 'answer slowly' }] }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    expect(emulator.generations({ status: 'running' })).toHaveLength(1);
    let text = new TextDecoder().decode(first.value);
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += new TextDecoder().decode(next.value);
    expect(parseSseBody(text).done).toBe(true);
  });

  it('a request whose client goes away aborts the upstream call and is recorded as cancelled', async () => {
    emulator.clearRules();
    emulator.addRule({ match: { contains: 'leave early' }, scenario: 'tps=20;tokens=200' });
    const abort = new AbortController();
    const response = await handler(chatRequest({ stream: true, messages: [{ role: 'user', content: 'leave early' }] }, { signal: abort.signal }));
    const reader = response.body!.getReader();
    await reader.read();
    const [probe] = emulator.generations({ status: 'running' });
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const ended = await emulator.waitForGeneration(probe!.id);
    expect(ended.clientClosed).toBe(true);
    await expect.poll(() => usage.records.at(-1)?.status).toBe('cancelled');
  });

  it('a request whose client goes away while the hook identifies it sends nothing upstream and is recorded as cancelled', async () => {
    const records = new MemoryUsageSink();
    const slow = createAiFetchHandler({
      basePath: '/api/ai',
      features: FEATURES,
      // A session store that takes its time: the caller is gone by the time it answers.
      authenticate: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { projectId: 'default', userId: 'gone', role: 'user' };
      },
      database: ':memory:',
      usage: records,
      upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY },
    });
    try {
      const before = emulator.generations().length;
      const abort = new AbortController();
      const answered = slow(chatRequest({ stream: true, messages: [{ role: 'user', content: 'gone before identified' }] }, { signal: abort.signal }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      abort.abort();
      await answered.catch(() => undefined);
      await expect.poll(() => records.records.length, { timeout: 5_000 }).toBe(1);
      expect(records.records[0]).toMatchObject({ status: 'cancelled', attempts: 0, userId: 'gone' });
      expect(emulator.generations()).toHaveLength(before);
    } finally {
      await slow.close(0);
    }
  });

  it('answers errors in the OpenAI shape with their real status, and unknown routes with 404', async () => {
    const unauthorized = await handler(new Request('http://app.example/api/ai/v1/models'));
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const missing = await handler(new Request('http://app.example/api/ai/nowhere', { headers: { authorization: `Bearer ${CLIENT_KEY}` } }));
    expect(missing.status).toBe(404);
  });

  it('stops reading a body past the size limit instead of taking all of it into memory first', async () => {
    const limited = createAiFetchHandler({ basePath: '/api/ai', features: FEATURES, clientKeys: [{ key: CLIENT_KEY }], database: ':memory:', usage: new MemoryUsageSink(), upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY }, maxBodyBytes: 64 * 1024 });
    /** A body of 64 MB of JSON whitespace, made as it is read; `pulled` says how much of it was. */
    const endless = () => {
      const chunk = new Uint8Array(16 * 1024).fill(0x20);
      const counter = { pulled: 0 };
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (counter.pulled >= 64 * 1024 * 1024) return controller.close();
          counter.pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      return { counter, body };
    };
    const upload = (headers: Record<string, string>, body: ReadableStream<Uint8Array>) =>
      limited(new Request('http://app.example/api/ai/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit));
    try {
      const unannounced = endless();
      const refused = await upload({}, unannounced.body);
      expect(refused.status).toBe(413);
      expect(unannounced.counter.pulled).toBeLessThan(1024 * 1024);
      const announced = endless();
      const refusedAtOnce = await upload({ 'content-length': String(64 * 1024 * 1024) }, announced.body);
      expect(refusedAtOnce.status).toBe(413);
      expect(announced.counter.pulled).toBeLessThan(1024 * 1024);
      // A body within the limit still arrives whole.
      expect((await limited(chatRequest({}))).status).toBe(200);
    } finally {
      await limited.close(0);
    }
  });

  it('signs file URLs for the address the request came to: its scheme, and its host when no Host header came', async () => {
    const upload = (url: string, headers: Record<string, string> = {}) =>
      handler(new Request(url, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'text/plain', ...headers }, body: 'hello' }));
    const answered = async (response: Response) => ((await response.json()) as { url: string }).url;
    expect(await answered(await upload('https://app.example/api/ai/api/ai/files'))).toMatch(/^https:\/\/app\.example\/api\/ai\/api\/ai\/files\/[0-9a-f]{64}\?expires=/);
    expect(await answered(await upload('http://app.example:8080/api/ai/api/ai/files', { host: 'public.example' }))).toMatch(/^http:\/\/public\.example\/api\/ai\/api\/ai\/files\//);
  });

  it('serves the official openai SDK through a Web-standard server, JSON and streamed', async () => {
    const { server, url } = await fetchServer(handler);
    try {
      const client = new OpenAI({ baseURL: `${url}/api/ai/v1`, apiKey: CLIENT_KEY });
      const completion = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Hi from the SDK' }] });
      expect(completion.choices[0]!.message.content).toContain('Hi from the SDK');
      let streamed = '';
      for await (const chunk of await client.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Stream from the SDK' }] })) streamed += chunk.choices[0]?.delta.content ?? '';
      expect(streamed).toContain('Stream from the SDK');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('the router in an Express 4 app', () => {
  let host: Awaited<ReturnType<typeof listenMounted>> | undefined;
  let url: string;
  beforeAll(async () => {
    const gateway = createAiGateway({ features: FEATURES, clientKeys: [{ key: CLIENT_KEY, userId: 'user-4' }], database: ':memory:', usage, upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY } });
    host = await listenMounted(express4(), gateway);
    url = host.url;
  });
  afterAll(async () => {
    await host?.close();
  });

  it('serves JSON, streams, errors and a raw model route as under Express 5', async () => {
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY });
    const completion = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'Hello Express 4' }] });
    expect(completion.choices[0]!.message.content).toContain('Hello Express 4');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Streaming on 4' }] })) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toContain('Streaming on 4');
    await expect(client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }], temperature: 9 })).rejects.toMatchObject({ status: 400 });
    const model = await fetch(`${url}/v1/models/chat`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(model.status).toBe(200);
    const broken = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });
});
