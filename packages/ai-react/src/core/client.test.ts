import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createAiClient, type AiClient } from './client.js';
import type { ChatStreamEvent } from './chat-stream.js';
import { isAiError, type AiError } from './errors.js';

let harness: Harness;
let user: AiClient;
let admin: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  user = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
  admin = createAiClient({ baseUrl: `${harness.url}/`, getHeaders: async () => ({ authorization: `Bearer ${ADMIN_TOKEN}` }) });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

const ask = (content: string) => ({ model: 'chat', messages: [{ role: 'user' as const, content }] });

async function failure(promise: Promise<unknown>): Promise<AiError> {
  try {
    await promise;
  } catch (error) {
    if (isAiError(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('chat', () => {
  it('completes an answer with the real model, provider, usage and cost', async () => {
    const answer = await user.chat.complete(ask('Hello from the core'));
    expect(answer.choices[0]!.message.content).toContain('Hello from the core');
    expect(answer).toMatchObject({ model: 'openai/gpt-4o-mini', provider: 'OpenAI', usage: { prompt_tokens: expect.any(Number), cost: expect.any(Number) } });
  });

  it('streams an answer as chunk events, a usage chunk and one done, in Node', async () => {
    const events: ChatStreamEvent[] = [];
    await user.chat.stream(ask('Stream to Node'), { onEvent: (event) => events.push(event) });
    const chunks = events.flatMap((event) => (event.type === 'chunk' ? [event.chunk] : []));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain('Stream to Node');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number), cost: expect.any(Number) } });
    expect(events.at(-1)!.type).toBe('done');
    expect(events.filter((event) => event.type === 'done' || event.type === 'error')).toHaveLength(1);
  });

  it('surfaces a mid-stream failure as a final error event and a rejection, keeping what came before', async () => {
    harness.emulator.addRule({ match: { contains: 'midway' }, scenario: 'error-after=5;error-code=502' });
    const events: ChatStreamEvent[] = [];
    const error = await failure(user.chat.stream(ask('fail midway'), { onEvent: (event) => events.push(event) }));
    expect(error).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(events.filter((event) => event.type === 'chunk').length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({ type: 'error', error, at: expect.any(Number) });
  });

  it('surfaces a request aborted before or during the stream as aborted', async () => {
    const early = new AbortController();
    early.abort();
    expect((await failure(user.chat.stream(ask('never sent'), { signal: early.signal }))).code).toBe('aborted');
    harness.emulator.addRule({ match: { contains: 'slowly' }, scenario: 'tps=50;tokens=200' });
    const late = new AbortController();
    const events: ChatStreamEvent[] = [];
    const stream = user.chat.stream(ask('answer slowly'), {
      signal: late.signal,
      onEvent: (event) => {
        events.push(event);
        if (events.length === 3) late.abort();
      },
    });
    expect((await failure(stream)).code).toBe('aborted');
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'aborted' } });
  });
});

describe('errors from the gateway', () => {
  it('401 without a key or with an unknown one', async () => {
    const anonymous = createAiClient({ baseUrl: harness.url });
    expect(await failure(anonymous.chat.complete(ask('hi')))).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    const wrong = createAiClient({ baseUrl: harness.url, headers: { authorization: 'Bearer ik_not_a_key_at_all_000000' } });
    expect((await failure(wrong.chat.stream(ask('hi')))).code).toBe('unauthorized');
  });

  it('400 model_not_found for a feature that does not exist, streamed or not', async () => {
    const error = await failure(user.chat.stream({ ...ask('hi'), model: 'no-such-feature' }));
    expect(error).toMatchObject({ code: 'model_not_found', status: 400, serverCode: 'model_not_found', retryable: false });
    expect(error.userMessage).toContain('not available');
    expect((await failure(user.chat.complete({ ...ask('hi'), model: 'no-such-feature' }))).code).toBe('model_not_found');
  });

  it('429 with the wait from Retry-After', async () => {
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=30' });
    const error = await failure(user.chat.stream(ask('are you busy')));
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, retryAfter: 30 });
    expect(error.userMessage).toBe('Too many requests — try again in 30 seconds.');
  });

  it('502 provider_key_invalid when the gateway\'s OpenRouter key is wrong', async () => {
    const broken = await startHarness({ upstream: { apiKey: 'sk-or-v1-not-the-right-key' } });
    try {
      const client = createAiClient({ baseUrl: broken.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
      const error = await failure(client.chat.stream(ask('hello')));
      expect(error).toMatchObject({ code: 'provider_key_invalid', status: 502, serverCode: 'upstream_auth', retryable: false });
      expect(error.userMessage).toBe('The AI service key is invalid; an administrator must update it.');
    } finally {
      await broken.close();
    }
  });

  it('offline when nothing answers at that address', async () => {
    const nowhere = createAiClient({ baseUrl: 'http://127.0.0.1:9', headers: {} });
    expect(await failure(nowhere.chat.complete(ask('hi')))).toMatchObject({ code: 'offline', retryable: true });
    expect((await failure(nowhere.chat.stream(ask('hi')))).code).toBe('offline');
  });
});

describe('images and models', () => {
  it('generates images as data URLs with the model that drew them', async () => {
    const result = await user.images.generate({ prompt: 'A lighthouse at dusk', size: '256x256', n: 2, style: 'natural' });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]!.url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(result.images[0]!.revisedPrompt).toContain('Style: natural');
    expect(result.model).toBe('black-forest-labs/flux.2-pro');
    expect(result.usage?.costUsd).toEqual(expect.any(Number));
  });

  it('lists the admin catalog for an admin, with prices per million tokens and limits', async () => {
    const models = await admin.models.list({ modality: 'text' });
    const mini = models.find((model) => model.id === 'openai/gpt-4o-mini')!;
    expect(mini).toMatchObject({ kind: 'model', provider: 'openai', modalities: ['text'], contextLength: expect.any(Number) });
    expect(mini.pricing.promptPerMillion).toBeGreaterThan(0);
    expect(mini.supportedParameters).toContain('temperature');
    expect(models.every((model) => model.modalities.includes('text'))).toBe(true);
  });

  it('lists the caller\'s features for a user (the catalog is admin-only)', async () => {
    const models = await user.models.list();
    expect(models.map((model) => model.id)).toEqual(expect.arrayContaining(['chat', 'code', 'embed', 'image']));
    expect(models.find((model) => model.id === 'chat')).toMatchObject({ kind: 'feature', model: 'openai/gpt-4o-mini', fallbackModels: ['anthropic/claude-sonnet-4'] });
    expect((await user.models.list({ modality: 'image' })).map((model) => model.id)).toEqual(['image']);
    expect((await failure(user.models.list({ source: 'catalog' }))).code).toBe('forbidden');
  });
});

describe('answers of the wrong shape', () => {
  it('generates images from an answer of the wrong shape: items without a string URL or base64 left out, never thrown on', async () => {
    const answers = [
      { created: 'now', model: { id: 'x' }, data: [null, 5, { url: 5 }, { b64_json: 7 }, { url: 'https://a.example/i.png', revised_prompt: {} }], usage: { input_tokens: 'x', output_tokens: null } },
      { data: { url: 'https://a.example/i.png' } },
    ];
    const hostile = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers.shift())));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    try {
      const client = createAiClient({ baseUrl: `http://127.0.0.1:${(hostile.address() as AddressInfo).port}` });
      const result = await client.images.generate({ prompt: 'A lighthouse' });
      expect(result).toEqual({ created: expect.any(Number), images: [{ url: 'https://a.example/i.png' }], usage: { inputTokens: 0, outputTokens: 0 } });
      expect((await client.images.generate({ prompt: 'A lighthouse' })).images).toEqual([]);
    } finally {
      hostile.close();
    }
  });

  it('lists the models of a list with entries of the wrong shape, and fails an answer that is no list as an AiError', async () => {
    const lists = ['{"data":[null,{"id":5},{"id":"ok"}]}', '{"data":null}', 'null'];
    const hostile = createServer((req, res) => {
      // No admin catalog here: the client falls back on /v1/models.
      if (req.url?.startsWith('/api/ai/models')) return res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":{"code":"forbidden","message":"Admins only"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(lists.shift());
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    try {
      const client = createAiClient({ baseUrl: `http://127.0.0.1:${(hostile.address() as AddressInfo).port}` });
      expect((await client.models.list()).map((model) => model.id)).toEqual(['ok']);
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(await failure(client.models.list())).toMatchObject({ code: 'unknown', message: 'The server answered /v1/models with something that is not a list.' });
      }
    } finally {
      hostile.close();
    }
  });

  it('reads each field of a model entry by its type: a wrong one is left out or defaulted, never passed on to the UI', async () => {
    const wrong = {
      id: 'odd',
      owned_by: 7,
      details: { kind: 'tool', name: 12, model: ['x'], modality: 'sound', output_modalities: 'image', input_modalities: [1, 'image'], supported_parameters: { tools: true },
        pricing: 'free', context_length: 'big', max_output_tokens: -1, fallback_models: [3, 'b/m'], accepts: { attachments: { image: { maxCount: 'two', maxBytes: 1 } }, serverTools: {}, options: {} } },
    };
    const catalog = { data: [{ id: 'a/m', name: null, modalities: 'text', architecture: 'text', top_provider: [], pricing: [1], supported_parameters: 'tools', context_length: Number.NaN }] };
    const hostile = createServer((req, res) => {
      const admin = req.url?.startsWith('/api/ai/models');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(admin ? catalog : { data: [wrong] }));
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    try {
      const client = createAiClient({ baseUrl: `http://127.0.0.1:${(hostile.address() as AddressInfo).port}` });
      expect(await client.models.list({ source: 'features' })).toEqual([
        { id: 'odd', kind: 'model', name: 'odd', provider: 'openrouter', model: 'odd', modalities: ['text'], inputModalities: ['image'], outputModalities: [], pricing: {}, supportedParameters: [], fallbackModels: ['b/m'] },
      ]);
      expect(await client.models.list({ source: 'catalog' })).toEqual([
        { id: 'a/m', kind: 'model', name: 'a/m', provider: 'a', model: 'a/m', modalities: ['text'], inputModalities: [], outputModalities: [], pricing: {}, supportedParameters: [] },
      ]);
    } finally {
      hostile.close();
    }
  });
});

describe('admin routes', () => {
  it('create, read, update with a version, history, restore, reset and remove a feature', async () => {
    const created = await admin.features.create({ name: 'core-test', model: 'openai/gpt-4o-mini', systemPrompt: 'One.' });
    expect(created).toMatchObject({ name: 'core-test', version: 1, systemPrompt: 'One.' });
    const updated = await admin.features.update('core-test', { systemPrompt: 'Two.', version: created.version });
    expect(updated.version).toBe(2);
    const conflict = await failure(admin.features.update('core-test', { systemPrompt: 'Stale.', version: created.version }));
    expect(conflict).toMatchObject({ code: 'conflict', status: 409, retryable: false });
    expect((await admin.features.history('core-test')).map((entry) => entry.version)).toEqual([2, 1]);
    const restored = await admin.features.restore('core-test', { version: 1, expectedVersion: 2 });
    expect(restored).toMatchObject({ systemPrompt: 'One.', version: 3 });
    expect((await admin.features.reset('core-test', { expectedVersion: 3 })).version).toBe(4);
    expect((await admin.features.list()).map((feature) => feature.name)).toContain('core-test');
    const tested = await admin.features.test({ feature: 'core-test', prompt: 'Live test', draft: { systemPrompt: 'Draft.' } });
    expect(tested).toMatchObject({ feature: 'core-test', model: 'openai/gpt-4o-mini' });
    expect(tested.answer).toContain('Live test');
    await admin.features.remove('core-test');
    expect((await failure(admin.features.get('core-test'))).code).toBe('not_found');
  });

  it('reads the provider key masked, and manages client keys', async () => {
    expect(await admin.providerKey.get()).toMatchObject({ configured: true, source: 'environment', masked: expect.any(String) });
    const created = await admin.clientKeys.create({ label: 'core test' });
    expect(created.key).toMatch(/^ik_/);
    expect((await admin.clientKeys.list()).map((key) => key.id)).toContain(created.id);
    expect((await admin.clientKeys.revoke(created.id)).revokedAt).not.toBeNull();
    expect((await admin.audit.list({ limit: 2 })).data).toHaveLength(2);
  });

  it('is forbidden to a user', async () => {
    expect(await failure(user.features.list())).toMatchObject({ code: 'forbidden', status: 403 });
    expect((await failure(user.providerKey.get())).code).toBe('forbidden');
  });

  it('answers admin_unavailable where the server has no such route, never a bare not_found', async () => {
    // Usage summaries and limits are being added to the gateway: until they land, their calls say so clearly.
    for (const call of [() => admin.usage.summary({ period: 'day', groupBy: 'feature' }), () => admin.limits.get()]) {
      const outcome = await call().then(() => undefined, (error: unknown) => error as AiError);
      if (outcome) expect(outcome).toMatchObject({ code: 'admin_unavailable', status: 404 });
    }
    // Any OpenAI-compatible server without InsForge's admin API.
    const plain = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<pre>Cannot GET</pre>'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const client = createAiClient({ baseUrl: `http://127.0.0.1:${(plain.address() as AddressInfo).port}` });
      const error = await failure(client.features.list());
      expect(error).toMatchObject({ code: 'admin_unavailable', status: 404 });
      expect(error.userMessage).toContain('no admin routes');
      expect((await failure(client.providerKey.get())).code).toBe('admin_unavailable');
    } finally {
      plain.close();
    }
  });
});
