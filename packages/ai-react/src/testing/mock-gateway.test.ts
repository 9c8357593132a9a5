import { describe, expect, it } from 'vitest';
import { isAiError, type AiError } from '../core/errors.js';
import type { ChatStreamEvent } from '../core/chat-stream.js';
import { createAiClient } from '../core/client.js';
import { createMockGatewayFetch, EXAMPLE_PROVIDER_KEY, HOSTILE_REPLY, mockClient, type MockGatewayOptions } from './mock-gateway.js';

const INSTANT = { ttftMs: 0, tokensPerSecond: Infinity };

function clientOf(options: MockGatewayOptions = {}) {
  const fetch = createMockGatewayFetch({ pacing: INSTANT, imageDelayMs: 0, ...options });
  return { fetch, client: createAiClient({ baseUrl: '/mock', fetch }) };
}

async function streamAnswer(options: MockGatewayOptions, content: string, signal?: AbortSignal) {
  const { client } = clientOf(options);
  const events: ChatStreamEvent[] = [];
  let failure: AiError | undefined;
  await client.chat.stream({ model: 'chat', messages: [{ role: 'user', content }] }, { onEvent: (event) => events.push(event), ...(signal ? { signal } : {}) }).catch((error: unknown) => {
    if (!isAiError(error)) throw error;
    failure = error;
  });
  const chunks = events.flatMap((event) => (event.type === 'chunk' ? [event.chunk] : []));
  const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
  return { events, chunks, text, failure };
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as AiError);

describe('mock gateway: chat', () => {
  it('streams a deterministic answer quoting the user, with the real model, provider, usage and cost', async () => {
    const first = await streamAnswer({}, 'How should I plan a database migration?');
    expect(first.failure).toBeUndefined();
    expect(first.text).toContain('You asked: "How should I plan a database migration?"');
    expect(first.chunks[0]).toMatchObject({ model: 'openai/gpt-4o-mini', provider: 'OpenAI', object: 'chat.completion.chunk' });
    const usage = first.chunks.at(-1)?.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(100);
    expect(usage?.cost).toBeGreaterThan(0);
    expect(first.chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(first.events.at(-1)?.type).toBe('done');
    expect((await streamAnswer({}, 'How should I plan a database migration?')).text).toBe(first.text);
  });

  it('answers in markdown when asked, and with hostile output in the hostile scenario', async () => {
    expect((await streamAnswer({}, 'Show me a table of plans')).text).toContain('| Option | Cost per month |');
    expect((await streamAnswer({ scenario: 'hostile' }, 'Hello')).text).toBe(HOSTILE_REPLY);
    expect((await streamAnswer({}, 'Hello [mock:hostile]')).text).toContain('<img src=x onerror=alert(1)>');
  });

  it('paces the stream: the first token after ttftMs, then tokensPerSecond', async () => {
    const startedAt = Date.now();
    const { events } = await streamAnswer({ pacing: { ttftMs: 150, tokensPerSecond: 400 }, replyTokens: 40 }, 'Pace me');
    const firstChunk = events.find((event) => event.type === 'chunk');
    expect(firstChunk!.at - startedAt).toBeGreaterThanOrEqual(140);
    expect(events.at(-1)!.at - firstChunk!.at).toBeGreaterThanOrEqual(60);
  });

  it('stops the stream when the signal aborts', async () => {
    const controller = new AbortController();
    const { client } = clientOf({ pacing: { ttftMs: 0, tokensPerSecond: 50 } });
    let chunks = 0;
    const done = client.chat.stream({ model: 'chat', messages: [{ role: 'user', content: 'Talk for a while' }] }, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'chunk' && ++chunks === 3) controller.abort();
      },
    });
    expect((await failureOf(done))?.code).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chunks).toBe(3);
  });

  it('fails the way the gateway fails: 401, 402, 429 with Retry-After, 502, offline, mid-stream', async () => {
    expect((await streamAnswer({ scenario: 'unauthorized' }, 'Hi')).failure).toMatchObject({ code: 'unauthorized', status: 401 });
    expect((await streamAnswer({ scenario: 'quota-exceeded' }, 'Hi')).failure).toMatchObject({ code: 'quota_exceeded', status: 402 });
    expect((await streamAnswer({ retryAfterSeconds: 12 }, 'Hi [mock:rate-limited]')).failure).toMatchObject({ code: 'rate_limited', status: 429, retryAfter: 12 });
    expect((await streamAnswer({ scenario: 'upstream-auth' }, 'Hi')).failure).toMatchObject({ code: 'provider_key_invalid', status: 502, serverCode: 'upstream_auth' });
    expect((await streamAnswer({ scenario: 'offline' }, 'Hi')).failure).toMatchObject({ code: 'offline' });
    const broken = await streamAnswer({ scenario: 'mid-stream-error' }, 'Tell me about caching strategies');
    expect(broken.text.length).toBeGreaterThan(10);
    expect(broken.failure).toMatchObject({ code: 'upstream_unavailable', serverCode: 'upstream_stream_truncated' });
  });

  it('holds a stalled answer open until it is stopped', async () => {
    const controller = new AbortController();
    const pending = streamAnswer({ scenario: 'stall' }, 'Hello there', controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    const { text, failure } = await pending;
    expect(text).toContain('You asked');
    expect(failure?.code).toBe('aborted');
  });

  it('answers a non-streamed completion', async () => {
    const answer = await clientOf().client.chat.complete({ model: 'code', messages: [{ role: 'user', content: 'Write a function' }] });
    expect(answer).toMatchObject({ model: 'anthropic/claude-sonnet-4', provider: 'Anthropic' });
    expect(answer.choices[0]?.message.content).toContain('You asked: "Write a function"');
  });
});

describe('mock gateway: models and images', () => {
  it('lists the real catalog for an admin and the features for a user', async () => {
    const catalog = await clientOf().client.models.list();
    expect(catalog.length).toBeGreaterThanOrEqual(345 + 6 + 3);
    expect(catalog.find((entry) => entry.id === 'openai/gpt-4o-mini')).toMatchObject({ provider: 'openai', modalities: ['text'] });
    expect((await clientOf().client.models.list({ modality: 'image' })).some((entry) => entry.id === 'black-forest-labs/flux.2-pro')).toBe(true);
    const features = await clientOf({ role: 'user' }).client.models.list();
    expect(features.slice(0, 5).map((entry) => entry.id)).toEqual(['chat', 'code', 'summarize', 'embed', 'image']);
    expect(features[0]).toMatchObject({ kind: 'feature', model: 'openai/gpt-4o-mini' });
  });

  it('generates PNG images with usage and cost', async () => {
    const result = await clientOf().client.images.generate({ prompt: 'a lighthouse at dusk', n: 2, size: '1024x1024' });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]?.url).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(result.model).toBe('black-forest-labs/flux.2-pro');
    expect(result.usage?.costUsd).toBeGreaterThan(0);
  });

  it('cancels an image generation', async () => {
    const controller = new AbortController();
    const { client } = clientOf({ imageDelayMs: 5_000 });
    const pending = failureOf(client.images.generate({ prompt: 'slow' }, { signal: controller.signal }));
    controller.abort();
    expect((await pending)?.code).toBe('aborted');
  });
});

describe('mock gateway: admin routes', () => {
  it('saves configurations with version checks, and keeps history, restore and reset', async () => {
    const { client } = clientOf();
    const chat = await client.features.get('chat');
    expect(chat.version).toBe(3);
    expect((await client.features.history('chat')).map((version) => version.version)).toEqual([3, 2, 1]);
    const saved = await client.features.update('chat', { version: chat.version, params: { temperature: 1.2 } });
    expect(saved).toMatchObject({ version: 4, params: { temperature: 1.2 } });
    const conflict = await failureOf(client.features.update('chat', { version: chat.version, systemPrompt: 'stale' }));
    expect(conflict).toMatchObject({ code: 'conflict', status: 409, currentVersion: 4 });
    const restored = await client.features.restore('chat', { version: 1, expectedVersion: 4 });
    expect(restored).toMatchObject({ version: 5, systemPrompt: 'You are a helpful assistant.' });
    expect((await client.features.reset('chat', { expectedVersion: 5 })).version).toBe(6);
    expect((await failureOf(client.features.update('chat', { version: 6, params: { temperature: 5 } })))?.param).toBe('params.temperature');
  });

  it('runs a live test of a draft', async () => {
    const result = await clientOf().client.features.test({ feature: 'chat', prompt: 'Say hello', draft: { model: 'anthropic/claude-sonnet-4' } });
    expect(result).toMatchObject({ feature: 'chat', model: 'anthropic/claude-sonnet-4', provider: 'Anthropic', finishReason: 'stop' });
    expect(result.answer).toContain('Say hello');
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('validates the provider key by its shape', async () => {
    const { client } = clientOf({ providerKey: 'none' });
    expect(await client.providerKey.get()).toEqual({ configured: false, source: 'none' });
    expect(await failureOf(client.providerKey.set('sk-or-v1-nope'))).toMatchObject({ code: 'provider_key_invalid', status: 400, serverCode: 'invalid_provider_key' });
    expect(await client.providerKey.set(EXAMPLE_PROVIDER_KEY)).toMatchObject({ configured: true, source: 'stored', masked: 'sk-or-…cdef' });
    expect(await client.providerKey.test()).toMatchObject({ valid: true });
    expect((await client.providerKey.remove()).configured).toBe(false);
  });

  it('summarizes usage by day, model or feature, including the calls it answered', async () => {
    const { client, fetch } = clientOf();
    await client.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'Count me' }] });
    expect(fetch.usage.at(-1)).toMatchObject({ feature: 'chat', servedModel: 'openai/gpt-4o-mini' });
    const byDay = await client.usage.summary({ groupBy: 'day' });
    expect(byDay.groups!.length).toBeGreaterThanOrEqual(28);
    expect(byDay.totals!.requests).toBeGreaterThan(100);
    const byFeature = await client.usage.summary({ groupBy: 'feature', period: 'week' });
    expect(byFeature.groups!.map((group) => group['feature'])).toContain('chat');
    expect(await failureOf(client.usage.summary({ groupBy: 'colour' }))).toMatchObject({ code: 'invalid_request', param: 'groupBy' });
  });

  it('reports limits, and refuses admin routes to a user', async () => {
    const limits = await clientOf().client.limits.get();
    expect(limits['data']).toEqual(expect.arrayContaining([expect.objectContaining({ scope: 'project', kind: 'spendPerMonthUsd', limit: 100 })]));
    expect(await failureOf(clientOf({ role: 'user' }).client.features.list())).toMatchObject({ code: 'forbidden' });
  });

  it('gives every client its own state', async () => {
    const first = mockClient({ pacing: INSTANT });
    const second = mockClient({ pacing: INSTANT });
    await first.features.update('code', { version: 1, systemPrompt: 'Changed' });
    expect((await second.features.get('code')).systemPrompt).toBe('You write TypeScript.');
  });
});
