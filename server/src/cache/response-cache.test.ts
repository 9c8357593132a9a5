import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';
import { MemoryCacheStore, type CacheStore } from './cache-store.js';

const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'faq', model: 'openai/gpt-4o-mini', systemPrompt: 'Answer questions about Acme.', params: { temperature: 0 }, cache: { enabled: true } },
  { name: 'creative', model: 'openai/gpt-4o-mini', params: { temperature: 0.9 }, cache: { enabled: true, cacheNonDeterministic: true } },
  { name: 'sampled', model: 'openai/gpt-4o-mini', params: { temperature: 0.9 }, cache: { enabled: true } },
  { name: 'guarded-faq', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true }, guardrailMessage: 'Not a topic for us.', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] },
  { name: 'cited', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true }, extensions: { serverTools: { web_search: 'allow' } } },
  { name: 'drawn', model: 'google/gemini-2.5-flash-image', params: { temperature: 0 }, cache: { enabled: true }, clientOverrides: { modalities: true } },
  { name: 'signed-thought', model: 'anthropic/claude-sonnet-4', params: { temperature: 0 }, cache: { enabled: true } },
  { name: 'sealed-thought', model: 'google/gemini-3.5-flash', params: { temperature: 0 }, cache: { enabled: true } },
];

/** Asks for an answer fresh from OpenRouter: the cache neither read nor written. */
const FRESH = { 'cache-control': 'no-cache, no-store' };

const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...extra });

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ features: FEATURES });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.reset());

function post(path: string, body: string | object, extra: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${harness.url}${path}`, { method: 'POST', headers: headers(extra), body: typeof body === 'string' ? body : JSON.stringify(body), ...(signal ? { signal } : {}) });
}

const chatGenerations = (text: string) => harness.emulator.generations({ kind: 'chat' }).filter((probe) => JSON.stringify(probe.request).includes(text));

function contentOfEvents(events: Array<Record<string, unknown>>): string {
  return events.map((event) => ((event['choices'] as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? '')).join('');
}

const contentOf = (sse: string) => contentOfEvents(parseSseBody(sse).events);

type Entry = Record<string, unknown>;

/**
 * The message a client adds a stream's chunks up to: text joined, lists appended, reasoning details and tool calls
 * gathered by index (their text and arguments joined), with the finish reasons.
 */
function streamedMessage(events: Entry[]): Entry {
  const message: Entry = {};
  const merge = (entry: Entry, piece: Entry, joined: string[]) => {
    for (const [field, value] of Object.entries(piece)) {
      if (joined.includes(field)) entry[field] = String(entry[field] ?? '') + String(value ?? '');
      else if (value !== null && typeof value === 'object' && !Array.isArray(value)) merge((entry[field] ??= {}) as Entry, value as Entry, joined);
      else if (value !== '' && value !== null) entry[field] = value;
    }
  };
  const byIndex = (key: string, pieces: Entry[], joined: string[]) => {
    const entries = (message[key] ??= []) as Entry[];
    for (const piece of pieces) {
      const entry = entries.find((candidate) => candidate['index'] === piece['index']);
      if (entry) merge(entry, piece, joined);
      else entries.push(structuredClone(piece));
    }
  };
  for (const event of events) {
    const choice = (event['choices'] as Entry[] | undefined)?.[0];
    if (!choice) continue;
    if (choice['finish_reason']) message['finish_reason'] = choice['finish_reason'];
    if (choice['native_finish_reason']) message['native_finish_reason'] = choice['native_finish_reason'];
    for (const [key, value] of Object.entries((choice['delta'] ?? {}) as Entry)) {
      if (value === null || key === 'role') continue;
      if (typeof value === 'string') message[key] = String(message[key] ?? '') + value;
      else if (key === 'reasoning_details') byIndex(key, value as Entry[], ['text', 'summary', 'data']);
      else if (key === 'tool_calls') byIndex(key, value as Entry[], ['arguments']);
      else message[key] = [...((message[key] as unknown[] | undefined) ?? []), ...(value as unknown[])];
    }
  }
  return message;
}

/** Every number in a value (a usage object's counts and costs). */
const numbersIn = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : value !== null && typeof value === 'object' ? Object.values(value).flatMap(numbersIn) : [];

describe('the response cache', () => {
  it('answers the same request twice with one generation: the second is the same answer billed nothing, recorded with cost 0 and the cost saved', async () => {
    const body = { model: 'faq', messages: [{ role: 'user', content: 'What are the opening hours? (twice)' }] };
    const first = await post('/v1/chat/completions', body);
    const miss = await first.json() as { usage: Record<string, unknown> };
    expect(first.headers.get('x-cache')).toBe('miss');
    const second = await post('/v1/chat/completions', body);
    expect(second.headers.get('x-cache')).toBe('hit');
    const hit = await second.json() as { usage: Record<string, unknown> };
    expect(hit).toEqual({ ...miss, usage: hit.usage });
    expect(Object.keys(hit.usage)).toEqual(Object.keys(miss.usage));
    expect(numbersIn(hit.usage).every((value) => value === 0)).toBe(true);
    expect(chatGenerations('(twice)')).toHaveLength(1);
    const [missRecord, hitRecord] = harness.usage.records.filter((record) => record.feature === 'faq').slice(-2);
    expect(missRecord?.cacheHit).toBeUndefined();
    expect(missRecord?.attempts).toBe(1);
    expect(missRecord?.costUsd).toBeGreaterThan(0);
    expect(hitRecord).toMatchObject({ status: 'ok', cacheHit: true, costUsd: 0, attempts: 0, costSavedUsd: missRecord?.costUsd });
  });

  it('hits with the JSON keys reordered and whitespace added', async () => {
    await post('/v1/chat/completions', { model: 'faq', temperature: 0, messages: [{ role: 'user', content: 'Where is the shop? (reordered)' }] });
    const reordered = `{\n  "messages": [ { "content": "Where is the shop? (reordered)", "role": "user" } ],\n  "temperature": 0,\n  "model": "faq"\n}`;
    const again = await post('/v1/chat/completions', reordered);
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(chatGenerations('(reordered)')).toHaveLength(1);
  });

  it('serves a streamed request from an answer cached as JSON, in the same chunk shape with its usage chunk, and the other way round', async () => {
    const json = await (await post('/v1/chat/completions', { model: 'faq', messages: [{ role: 'user', content: 'Returns policy? (json first)' }] })).json() as { choices: Array<{ message: { content: string } }>; usage: unknown };
    const streamed = await post('/v1/chat/completions', { model: 'faq', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Returns policy? (json first)' }] });
    expect(streamed.headers.get('x-cache')).toBe('hit');
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    const sse = parseSseBody(await streamed.text());
    expect(sse.done).toBe(true);
    expect(contentOfEvents(sse.events)).toBe(json.choices[0]?.message.content);
    const usageChunk = sse.events.at(-1) as { choices: unknown[]; usage: unknown; object: string };
    expect(usageChunk).toMatchObject({ object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost: 0 } });
    expect(Object.keys(usageChunk.usage as object)).toEqual(Object.keys(json.usage as object));

    const stream = await post('/v1/chat/completions', { model: 'faq', stream: true, messages: [{ role: 'user', content: 'Delivery times? (stream first)' }] });
    const streamedContent = contentOf(await stream.text());
    const fromStream = await post('/v1/chat/completions', { model: 'faq', messages: [{ role: 'user', content: 'Delivery times? (stream first)' }] });
    expect(fromStream.headers.get('x-cache')).toBe('hit');
    const completion = await fromStream.json() as { object: string; choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { completion_tokens: number } };
    expect(completion).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: streamedContent }, finish_reason: 'stop' }], usage: { completion_tokens: 0, cost: 0 } });
    expect(chatGenerations('(json first)')).toHaveLength(1);
    expect(chatGenerations('(stream first)')).toHaveLength(1);
  });

  it('replays in InsForge\'s protocol for its route: {response} as JSON, {chunk}…{done} as a stream', async () => {
    const messages = [{ role: 'user', content: 'Gift cards? (insforge)' }];
    const first = await (await post('/api/ai/chat/completion', { model: 'faq', messages })).json() as { response: string };
    const hit = await post('/api/ai/chat/completion', { model: 'faq', messages });
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await hit.json()).toMatchObject({ response: first.response, model: 'openai/gpt-4o-mini' });
    const streamed = await post('/api/ai/chat/completion', { model: 'faq', stream: true, messages });
    const events = parseSseBody(await streamed.text()).events;
    expect(events.filter((event) => 'chunk' in event).map((event) => event['chunk']).join('')).toBe(first.response);
    expect(events.at(-1)).toMatchObject({ done: true });
    expect(chatGenerations('(insforge)')).toHaveLength(1);
  });

  it('makes 20 identical concurrent requests one generation and 20 complete answers', async () => {
    // The leader's first token a second away: on a loaded machine the last of the 20 may take a few hundred
    // milliseconds to arrive, and must still find it in flight (one came after it, a hit, in a loaded run).
    harness.emulator.addRule({ match: { contains: '(twenty)' }, scenario: 'ttft=1000;tps=400' });
    const body = { model: 'faq', stream: true, messages: [{ role: 'user', content: 'Explain the loyalty program. (twenty)' }] };
    const responses = await Promise.all(Array.from({ length: 20 }, () => post('/v1/chat/completions', body)));
    const texts = await Promise.all(responses.map((response) => response.text()));
    expect(chatGenerations('(twenty)')).toHaveLength(1);
    const contents = texts.map(contentOf);
    expect(new Set(contents).size).toBe(1);
    expect(contents[0]?.length).toBeGreaterThan(50);
    for (const text of texts) expect(parseSseBody(text).done).toBe(true);
    expect(responses.map((response) => response.headers.get('x-cache')).sort()).toEqual([...Array<string>(19).fill('coalesced'), 'miss']);
  });

  it('does not cancel the followers when the leader\'s client leaves; they get every chunk', async () => {
    harness.emulator.addRule({ match: { contains: '(leader leaves)' }, scenario: 'ttft=100;tps=60;tokens=40' });
    const body = { model: 'faq', stream: true, messages: [{ role: 'user', content: 'History of Acme? (leader leaves)' }] };
    const leaving = new AbortController();
    const leader = await post('/v1/chat/completions', body, {}, leaving.signal);
    expect(leader.headers.get('x-cache')).toBe('miss');
    const follower = post('/v1/chat/completions', body);
    await new Promise((resolve) => setTimeout(resolve, 150));
    leaving.abort();
    const followed = await follower;
    expect(followed.headers.get('x-cache')).toBe('coalesced');
    const sse = parseSseBody(await followed.text());
    expect(sse.done).toBe(true);
    const [generation] = chatGenerations('(leader leaves)');
    const probe = await harness.emulator.waitForGeneration(generation?.id ?? '');
    expect(probe.status).toBe('completed');
    expect(contentOfEvents(sse.events)).toContain('History of Acme?');
  });

  it('ends a follower\'s stream with the guardrail\'s refusal when the shared answer is blocked, and stores nothing', async () => {
    harness.emulator.addRule({ match: { contains: 'island of Zanzibar' }, scenario: 'ttft=150;tps=100' });
    const body = { model: 'guarded-faq', stream: true, messages: [{ role: 'user', content: 'Describe the island of Zanzibar.' }] };
    const [leader, follower] = await Promise.all([post('/v1/chat/completions', body), new Promise((resolve) => setTimeout(resolve, 50)).then(() => post('/v1/chat/completions', body))]);
    expect(follower.headers.get('x-cache')).toBe('coalesced');
    for (const response of [leader, follower]) {
      const sse = parseSseBody(await response.text());
      expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
      expect(contentOfEvents(sse.events).toLowerCase()).not.toContain('zanzibar');
    }
    expect((await post('/v1/chat/completions', body)).headers.get('x-cache')).toBe('miss');
  });

  it('bypasses the cache for Cache-Control: no-cache and stores nothing for no-store', async () => {
    const body = { model: 'faq', messages: [{ role: 'user', content: 'Parking? (directives)' }] };
    const noStore = await post('/v1/chat/completions', body, { 'cache-control': 'no-store' });
    expect(noStore.headers.get('x-cache')).toBe('miss');
    const stored = await post('/v1/chat/completions', body);
    expect(stored.headers.get('x-cache')).toBe('miss');
    const noCache = await post('/v1/chat/completions', body, { 'cache-control': 'no-cache' });
    expect(noCache.headers.get('x-cache')).toBe('bypass');
    expect((await post('/v1/chat/completions', body)).headers.get('x-cache')).toBe('hit');
    expect(chatGenerations('(directives)')).toHaveLength(3);
  });

  it('caches sampled answers only where the feature allows non-deterministic caching, and never for features without a cache', async () => {
    const ask = (model: string) => post('/v1/chat/completions', { model, messages: [{ role: 'user', content: `Write a slogan. (${model} sampled)` }] });
    expect((await ask('sampled')).headers.get('x-cache')).toBe('bypass');
    expect((await ask('sampled')).headers.get('x-cache')).toBe('bypass');
    await ask('creative');
    expect((await ask('creative')).headers.get('x-cache')).toBe('hit');
    await ask('chat');
    const plain = await ask('chat');
    expect(plain.headers.get('x-cache')).toBeNull();
    expect(chatGenerations('(sampled sampled)')).toHaveLength(2);
    expect(chatGenerations('(creative sampled)')).toHaveLength(1);
    expect(chatGenerations('(chat sampled)')).toHaveLength(2);
  });

  it('never caches errors, answers cut at max_tokens, or answers that call tools', async () => {
    harness.emulator.addRule({ match: { contains: '(failing)' }, scenario: 'status=400', times: 1 });
    const failing = { model: 'faq', messages: [{ role: 'user', content: 'Fail once (failing)' }] };
    expect((await post('/v1/chat/completions', failing)).status).toBe(400);
    expect((await post('/v1/chat/completions', failing)).headers.get('x-cache')).toBe('miss');

    const cut = { model: 'faq', max_tokens: 3, messages: [{ role: 'user', content: 'A long story (cut)' }] };
    await post('/v1/chat/completions', cut);
    expect((await post('/v1/chat/completions', cut)).headers.get('x-cache')).toBe('miss');

    const tools = [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } } } } }];
    const calling = { model: 'faq', tools, messages: [{ role: 'user', content: 'Where is my order? (tools)' }] };
    await post('/v1/chat/completions', calling);
    expect((await post('/v1/chat/completions', calling)).headers.get('x-cache')).toBe('miss');
    expect(chatGenerations('(tools)')).toHaveLength(2);
  });

  it('says a hit was billed nothing wherever usage is reported: JSON, the stream usage chunk, a coalesced stream and InsForge\'s protocol', async () => {
    const messages = [{ role: 'user', content: 'Which payment methods? (unbilled)' }];
    const miss = await (await post('/v1/chat/completions', { model: 'faq', messages })).json() as { usage: Record<string, unknown> };
    expect(miss.usage['cost']).toBeGreaterThan(0);
    const zeroed = (usage: unknown) => {
      expect(Object.keys(usage as object)).toEqual(Object.keys(miss.usage));
      expect(numbersIn(usage)).toEqual(numbersIn(miss.usage).map(() => 0));
    };
    zeroed(((await (await post('/v1/chat/completions', { model: 'faq', messages })).json()) as { usage: unknown }).usage);
    const streamed = parseSseBody(await (await post('/v1/chat/completions', { model: 'faq', stream: true, stream_options: { include_usage: true }, messages })).text());
    zeroed(streamed.events.at(-1)?.['usage']);

    harness.emulator.addRule({ match: { contains: '(unbilled follower)' }, scenario: 'ttft=200' });
    const followed = { model: 'faq', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Which currencies? (unbilled follower)' }] };
    const [leader, follower] = await Promise.all([post('/v1/chat/completions', followed), new Promise((resolve) => setTimeout(resolve, 50)).then(() => post('/v1/chat/completions', followed))]);
    expect(follower.headers.get('x-cache')).toBe('coalesced');
    const leaderUsage = parseSseBody(await leader.text()).events.at(-1)?.['usage'] as Record<string, unknown>;
    expect(leaderUsage['cost']).toBeGreaterThan(0);
    expect(numbersIn(parseSseBody(await follower.text()).events.at(-1)?.['usage']).every((value) => value === 0)).toBe(true);

    const insforge = [{ role: 'user', content: 'Which cards? (unbilled insforge)' }];
    const first = await (await post('/api/ai/chat/completion', { model: 'faq', messages: insforge })).json() as { usage: { promptTokens: number } };
    expect(first.usage.promptTokens).toBeGreaterThan(0);
    expect(await (await post('/api/ai/chat/completion', { model: 'faq', messages: insforge })).json()).toMatchObject({ usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } });
    const events = parseSseBody(await (await post('/api/ai/chat/completion', { model: 'faq', stream: true, messages: insforge })).text()).events;
    expect(events.at(-1)).toMatchObject({ done: true, tokenUsage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } });
  });

  it('hands a JSON follower the tool calls a streamed leader made, and a streamed follower those of a JSON leader', async () => {
    harness.emulator.addRule({ match: { contains: '(coalesced tools' }, scenario: 'ttft=200' });
    const tools = [
      { type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } },
      { type: 'function', function: { name: 'track_parcel', parameters: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] } } },
    ];
    const body = (turn: string) => ({ model: 'faq', tools, messages: [{ role: 'user', content: `Use lookup_order and track_parcel for order 7 (coalesced tools ${turn})` }] });
    const later = <T>(send: () => Promise<T>) => new Promise((resolve) => setTimeout(resolve, 50)).then(send);

    const [streamLeader, jsonFollower] = await Promise.all([post('/v1/chat/completions', { ...body('a'), stream: true }), later(() => post('/v1/chat/completions', body('a')))]);
    expect(jsonFollower.headers.get('x-cache')).toBe('coalesced');
    const led = streamedMessage(parseSseBody(await streamLeader.text()).events);
    expect(led['tool_calls']).toHaveLength(2);
    const followed = await jsonFollower.json() as { choices: Array<{ finish_reason: string; message: Entry }> };
    expect(followed.choices[0]).toMatchObject({ finish_reason: 'tool_calls', message: { content: null, tool_calls: led['tool_calls'] } });

    const [jsonLeader, streamFollower] = await Promise.all([post('/v1/chat/completions', body('b')), later(() => post('/v1/chat/completions', { ...body('b'), stream: true }))]);
    expect(streamFollower.headers.get('x-cache')).toBe('coalesced');
    const answered = await jsonLeader.json() as { choices: Array<{ message: Entry }> };
    expect(answered.choices[0]?.message['tool_calls']).toHaveLength(2);
    expect(streamedMessage(parseSseBody(await streamFollower.text()).events)).toMatchObject({ finish_reason: 'tool_calls', tool_calls: answered.choices[0]?.message['tool_calls'] });
    expect(chatGenerations('(coalesced tools')).toHaveLength(2);
  });

  it('caches embeddings by default', async () => {
    const body = { model: 'embed', input: ['cache me (embeddings)'] };
    const first = await post('/v1/embeddings', body);
    const firstText = await first.text();
    const second = await post('/v1/embeddings', body);
    expect(second.headers.get('x-cache')).toBe('hit');
    const miss = JSON.parse(firstText) as { usage: Record<string, number> };
    expect(miss.usage['prompt_tokens']).toBeGreaterThan(0);
    expect(await second.json()).toEqual({ ...miss, usage: Object.fromEntries(Object.keys(miss.usage).map((key) => [key, 0])) });
    expect(harness.emulator.generations({ kind: 'embeddings' }).filter((probe) => JSON.stringify(probe.request).includes('(embeddings)'))).toHaveLength(1);
  });
});

const PARTS: Array<{ part: string; model: string; ask: Entry; field: string }> = [
  { part: 'web search citations (annotations)', model: 'cited', ask: { tools: [{ type: 'openrouter:web_search' }] }, field: 'annotations' },
  { part: 'generated images', model: 'drawn', ask: { modalities: ['image', 'text'] }, field: 'images' },
  { part: 'signed reasoning_details (Claude)', model: 'signed-thought', ask: { reasoning: { effort: 'low' } }, field: 'reasoning_details' },
  { part: 'encrypted reasoning_details (Gemini)', model: 'sealed-thought', ask: {}, field: 'reasoning_details' },
];

describe.each(PARTS)('an answer with $part served in the other protocol', ({ model, ask, field }) => {
  // A seed makes the emulator's answer the same each time, so a hit can be compared with a fresh answer.
  const body = (turn: string) => ({ model, seed: 7, ...ask, messages: [{ role: 'user', content: `Tell me about the tides (${model} ${turn})` }] });

  it('JSON first: the stream hit carries every part of the message, as a fresh stream does', async () => {
    const miss = await (await post('/v1/chat/completions', body('json first'))).json() as { choices: Array<{ message: Entry }> };
    const part = miss.choices[0]?.message[field] as unknown[];
    expect(part.length).toBeGreaterThan(0);
    const hit = await post('/v1/chat/completions', { ...body('json first'), stream: true });
    expect(hit.headers.get('x-cache')).toBe('hit');
    const streamed = streamedMessage(parseSseBody(await hit.text()).events);
    expect(streamed[field]).toEqual(part);
    const fresh = await post('/v1/chat/completions', { ...body('json first'), stream: true }, FRESH);
    expect(streamed).toEqual(streamedMessage(parseSseBody(await fresh.text()).events));
    expect(chatGenerations(`(${model} json first)`)).toHaveLength(2);
  });

  it('stream first: the JSON hit is the message a fresh JSON answer has', async () => {
    const miss = streamedMessage(parseSseBody(await (await post('/v1/chat/completions', { ...body('stream first'), stream: true })).text()).events);
    expect((miss[field] as unknown[]).length).toBeGreaterThan(0);
    const hit = await post('/v1/chat/completions', body('stream first'));
    expect(hit.headers.get('x-cache')).toBe('hit');
    const completion = await hit.json() as { choices: Array<{ message: Entry }> };
    expect(completion.choices[0]?.message[field]).toEqual(miss[field]);
    const fresh = await (await post('/v1/chat/completions', body('stream first'), FRESH)).json() as { choices: unknown[] };
    expect(completion.choices).toEqual(fresh.choices);
    expect(chatGenerations(`(${model} stream first)`)).toHaveLength(2);
  });
});

describe('an answer with a part the other protocol has no place for', () => {
  it('serves its own protocol from the cache and the other as a miss, rather than drop the part', async () => {
    // A store that keeps each answer with an `audio` output in it, which the gateway has no stream form for.
    const memory = new MemoryCacheStore();
    const withAudio: CacheStore = {
      get: (key) => memory.get(key),
      set: (key, value, ttlMs) => {
        const answer = JSON.parse(value) as { body?: { choices: Array<{ message: Entry }> } };
        for (const choice of answer.body?.choices ?? []) choice.message['audio'] = { id: 'audio_1', data: 'UklGRg==', transcript: 'Hello' };
        return memory.set(key, JSON.stringify(answer), ttlMs);
      },
      delete: (key) => memory.delete(key),
      deletePrefix: (prefix) => memory.deletePrefix(prefix),
      close: () => memory.close(),
    };
    const own = await startHarness({ features: FEATURES, cache: { store: withAudio } });
    try {
      const send = (body: object) => fetch(`${own.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });
      const body = { model: 'faq', messages: [{ role: 'user', content: 'Say hello out loud. (audio)' }] };
      expect((await send(body)).headers.get('x-cache')).toBe('miss');
      const hit = await send(body);
      expect(hit.headers.get('x-cache')).toBe('hit');
      expect(((await hit.json()) as { choices: Array<{ message: Entry }> }).choices[0]?.message['audio']).toMatchObject({ id: 'audio_1' });
      const streamed = await send({ ...body, stream: true });
      expect(streamed.headers.get('x-cache')).toBe('miss');
      expect(parseSseBody(await streamed.text()).done).toBe(true);
      expect(own.emulator.generations({ kind: 'chat' })).toHaveLength(2);
    } finally {
      await own.close();
    }
  });
});

describe('a response cache that cannot be reached', () => {
  it('makes every lookup a miss and every request still succeed', async () => {
    const down = new Error('the cache is down');
    const failing = { get: () => Promise.reject(down), set: () => Promise.reject(down), delete: () => Promise.reject(down), deletePrefix: () => Promise.reject(down), close: async () => undefined };
    const broken = await startHarness({ features: FEATURES, cache: { store: failing } });
    try {
      const body = JSON.stringify({ model: 'faq', messages: [{ role: 'user', content: 'Still answered?' }] });
      for (let index = 0; index < 2; index += 1) {
        const response = await fetch(`${broken.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-cache')).toBe('miss');
        await response.text();
      }
      expect(broken.emulator.generations({ kind: 'chat' })).toHaveLength(2);
      expect(broken.logs.some((line) => line.startsWith('warn the response cache could not be read'))).toBe(true);
    } finally {
      await broken.close();
    }
  });
});

const purge = (url: string, path: string) => fetch(`${url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

describe('purging the response cache', () => {
  let own: Harness;
  beforeAll(async () => {
    own = await startHarness({ features: FEATURES });
  });
  afterAll(() => own.close());
  const post = (path: string, body: object) => fetch(`${own.url}${path}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });

  it('forgets one feature\'s answers and keeps the others\', and the purge is audited', async () => {
    const harness = own;
    const faq = { model: 'faq', messages: [{ role: 'user', content: 'Purged? (one feature)' }] };
    const creative = { model: 'creative', messages: [{ role: 'user', content: 'Kept? (one feature)' }] };
    await (await post('/v1/chat/completions', faq)).text();
    await (await post('/v1/chat/completions', creative)).text();

    const purged = await purge(harness.url, '/api/ai/cache/faq');
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ purged: 1, feature: 'faq' });
    expect((await post('/v1/chat/completions', faq)).headers.get('x-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', creative)).headers.get('x-cache')).toBe('hit');

    const everything = await purge(harness.url, '/api/ai/cache');
    expect(await everything.json()).toEqual({ purged: 2, feature: null });
    expect((await post('/v1/chat/completions', creative)).headers.get('x-cache')).toBe('miss');

    const audit = (await (await fetch(`${harness.url}/api/ai/audit`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: Array<{ action: string; target: string; after: unknown }> };
    const purges = audit.data.filter((entry) => entry.action === 'cache.purge');
    expect(purges.map((entry) => [entry.target, entry.after])).toEqual(expect.arrayContaining([['feature:faq', { purged: 1 }], ['cache', { purged: 2 }]]));
  });

  it('is for admins only, and names a feature that does not exist with a 404', async () => {
    const harness = own;
    const asUser = await fetch(`${harness.url}/api/ai/cache`, { method: 'DELETE', headers: headers() });
    expect(asUser.status).toBe(403);
    const missing = await purge(harness.url, '/api/ai/cache/no-such-feature');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('the response cache in Redis', () => {
  const prefix = `insforge-ai-test:response-cache:${randomUUID()}:`;
  afterAll(() => deleteRedisKeys(prefix));

  it('shares hits between two gateway instances', async () => {
    const one = await startHarness({ features: FEATURES, cache: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix } });
    const two = await startHarness({ features: FEATURES, cache: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix } });
    try {
      const body = JSON.stringify({ model: 'faq', messages: [{ role: 'user', content: 'Shared between instances?' }] });
      const first = await fetch(`${one.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body });
      const firstText = await first.text();
      expect(first.headers.get('x-cache')).toBe('miss');
      const second = await fetch(`${two.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body });
      expect(second.headers.get('x-cache')).toBe('hit');
      const [firstContent, secondContent] = [JSON.parse(firstText), await second.json()].map((completion: { choices: Array<{ message: { content: string } }> }) => completion.choices[0]?.message.content);
      expect(secondContent).toBe(firstContent);
      expect(two.emulator.generations({ kind: 'chat' })).toHaveLength(0);

      // A purge through one instance is seen by the other.
      expect(await (await purge(one.url, '/api/ai/cache/faq')).json()).toEqual({ purged: 1, feature: 'faq' });
      expect((await fetch(`${two.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body })).headers.get('x-cache')).toBe('miss');
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('a coalesced request when the gateway shuts down', () => {
  it('answers the follower as the leader: 503 with Retry-After, so its client knows when to send again', async () => {
    const local = await startHarness({ features: FEATURES });
    try {
      local.emulator.addRule({ match: { contains: '(drained)' }, scenario: 'ttft=5000' });
      const send = () => fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: headers(), body: JSON.stringify({ model: 'faq', messages: [{ role: 'user', content: 'Opening hours? (drained)' }] }) });
      const leader = send();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const follower = send();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await local.gateway.drain(50);
      const answers = await Promise.all([leader, follower]);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
      }
      expect(answers.map((answer) => answer.headers.get('x-cache'))).toEqual(['miss', 'coalesced']);
    } finally {
      await local.close();
    }
  });
});
