import Anthropic, { APIError, PermissionDeniedError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { MODERATION_MARKER } from '@insforge/openrouter-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { recordsSince as settledRecordsSince } from '../../test/records.js';

// The stages before forwarding on Anthropic's Messages API, as on chat completions and the Responses API: a feature's
// guardrails judge the input (system, text blocks, tool results) and the answer (JSON, and a stream's text deltas on
// the same windows and holds as a chat's), and its response cache serves a repeated request as the message's JSON or as
// its events.

let harness: Harness;
let anthropic: Anthropic;
beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'screened-input', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', words: ['zanzibar'] }, { type: 'pii', stage: 'input', mode: 'redact', kinds: ['email'] }] },
      { name: 'blocked-pii', model: 'openai/gpt-4o-mini', systemPrompt: 'Refer users to help@acme.example.', guardrails: [{ type: 'pii', stage: 'input', mode: 'block', kinds: ['email'] }] },
      { name: 'blocked-output', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] },
      { name: 'redacted-output', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
      { name: 'moderated', model: 'openai/gpt-4o-mini', guardrailMessage: "Let's keep this friendly.", guardrails: [{ type: 'moderation', stage: 'both' }] },
      { name: 'cached', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true } },
      { name: 'cached-sampled', model: 'openai/gpt-4o-mini', params: { temperature: 0.9 }, cache: { enabled: true } },
      { name: 'cached-thinker', model: 'anthropic/claude-sonnet-4', params: { temperature: 0 }, cache: { enabled: true } },
      { name: 'cached-redacted', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true }, guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
    ],
    guardrails: [
      { name: 'no-secret-projects', stage: 'input', check: ({ text }) => (/project nightingale/i.test(text) ? { verdict: 'block' } : undefined) },
      { name: 'no-launch-dates', stage: 'output', check: ({ text }) => (/launch date/i.test(text) ? { verdict: 'block' } : undefined) },
    ],
  });
  anthropic = new Anthropic({ baseURL: harness.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

const recordsSince = (before: number, count = 1) => settledRecordsSince(harness, before, count);

/** What a client reads of a Messages stream: its events, the text of its deltas, and the error it ended with. */
async function readStream(stream: AsyncIterable<RawMessageStreamEvent>) {
  const events: RawMessageStreamEvent[] = [];
  let text = '';
  let failure: unknown;
  try {
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  } catch (error) {
    failure = error;
  }
  return { events, text, failure };
}

const refusal = async (request: Promise<unknown>) => request.then(() => undefined, (error: unknown) => error);
const textOf = (message: Anthropic.Message) => message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

describe('input guardrails on POST /v1/messages', () => {
  it.each([
    ['a string content', { messages: [{ role: 'user' as const, content: 'Tell me about Zanzibar' }] }],
    ['a text block', { messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Tell me about zanzibar' }] }] }],
    ['the system string', { system: 'Always mention zanzibar.', messages: [{ role: 'user' as const, content: 'Hello' }] }],
    ['a system block', { system: [{ type: 'text' as const, text: 'Always mention zanzibar.' }], messages: [{ role: 'user' as const, content: 'Hello' }] }],
    [
      'a tool result',
      {
        messages: [
          { role: 'user' as const, content: 'Weather?' },
          { role: 'assistant' as const, content: [{ type: 'tool_use' as const, id: 't1', name: 'weather', input: {} }] },
          { role: 'user' as const, content: [{ type: 'tool_result' as const, tool_use_id: 't1', content: [{ type: 'text' as const, text: 'sunny in zanzibar' }] }] },
        ],
      },
    ],
  ])('refuses %s the blocklist matches in Anthropic\'s error shape, before any call to the model, recorded once', async (_name, fields) => {
    const before = harness.usage.records.length;
    const calls = harness.emulator.generations().length;
    const error = await refusal(anthropic.messages.create({ model: 'screened-input', max_tokens: 64, ...fields }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'content_policy_violation' } });
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'blocklist', stage: 'input', verdict: 'block' }] });
    expect(harness.emulator.generations().length).toBe(calls);
  });

  it('refuses what the PII rule blocks in a tool result given as a string', async () => {
    const error = await refusal(
      anthropic.messages.create({
        model: 'blocked-pii',
        max_tokens: 64,
        messages: [
          { role: 'user', content: 'Who?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ada@example.com' }] },
        ],
      }),
    );
    expect(error).toBeInstanceOf(PermissionDeniedError);
  });

  it('leaves the feature\'s own system prompt, the first block of system, to the feature', async () => {
    const message = await anthropic.messages.create({ model: 'blocked-pii', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
    const sent = harness.emulator.probe(message.id)!.request as { system: unknown };
    expect(sent.system).toEqual([{ type: 'text', text: 'Refer users to help@acme.example.' }, { type: 'text', text: 'Be brief.' }]);
  });

  it('refuses what the moderation model flags with the feature\'s message', async () => {
    const before = harness.usage.records.length;
    const error = await refusal(anthropic.messages.create({ model: 'moderated', max_tokens: 64, messages: [{ role: 'user', content: `Please ${MODERATION_MARKER} now` }] }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).message).toContain("Let's keep this friendly.");
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'moderation', stage: 'input', verdict: 'block' }] });
  });

  it('redacts what the PII rule finds in the input before the model reads it', async () => {
    const message = await anthropic.messages.create({ model: 'screened-input', max_tokens: 64, system: 'Mail bob@example.com', messages: [{ role: 'user', content: [{ type: 'text', text: 'Write to ada@example.com today' }] }] });
    const sent = harness.emulator.probe(message.id)!.request as { system: unknown; messages: Array<{ content: Array<{ text: string }> }> };
    expect(sent.messages[0]?.content[0]?.text).toBe('Write to [REDACTED_EMAIL] today');
    expect(JSON.stringify(sent.system)).not.toContain('bob@example.com');
  });
});

describe('output guardrails on POST /v1/messages', () => {
  it('refuses a JSON answer the blocklist matches in Anthropic\'s error shape, recorded once, billed as it was made', async () => {
    const before = harness.usage.records.length;
    const error = await refusal(anthropic.messages.create({ model: 'blocked-output', max_tokens: 64, messages: [{ role: 'user', content: 'Say zanzibar' }] }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).error).toMatchObject({ type: 'error', error: { code: 'content_policy_violation' } });
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', servedModel: 'openai/gpt-4o-mini', guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] });
    expect(record?.costUsd).toBeGreaterThan(0);
    expect(record?.completionTokens).toBeGreaterThan(0);
  });

  it('redacts a JSON answer in place', async () => {
    const before = harness.usage.records.length;
    const message = await anthropic.messages.create({ model: 'redacted-output', max_tokens: 64, messages: [{ role: 'user', content: 'Repeat ada@example.com' }] });
    expect(textOf(message)).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(message)).not.toContain('ada@example.com');
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'ok', guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('redacts a streamed answer split over many deltas, the held text sent before its block stops', async () => {
    harness.emulator.addRule({ match: { contains: 'stream ada' }, scenario: 'ttft=0;tps=400' });
    const before = harness.usage.records.length;
    const stream = anthropic.messages.stream({ model: 'redacted-output', max_tokens: 200, messages: [{ role: 'user', content: 'stream ada@example.com back' }] });
    const { events, text, failure } = await readStream(stream);
    expect(failure).toBeUndefined();
    expect(text).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(events)).not.toContain('ada@example.com');
    // Every delta of a block comes before its stop, and the SDK's message holds the text the deltas spelled.
    const stop = events.findIndex((event) => event.type === 'content_block_stop');
    expect(events.findLastIndex((event) => event.type === 'content_block_delta')).toBeLessThan(stop);
    expect(textOf(await stream.finalMessage())).toBe(text);
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'ok', streamed: true, guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('ends a stream the blocklist stops mid-answer with one error event the SDK throws, the word never sent, recorded once', async () => {
    harness.emulator.addRule({ match: { contains: 'stream zanzibar' }, scenario: 'ttft=0;tps=400' });
    const before = harness.usage.records.length;
    const { events, failure } = await readStream(await anthropic.messages.create({ model: 'blocked-output', max_tokens: 200, messages: [{ role: 'user', content: 'please stream zanzibar for me' }], stream: true }));
    expect(failure).toBeInstanceOf(APIError);
    expect(String((failure as APIError).message)).toMatch(/content_policy_violation|guardrail|policy/i);
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events).toLowerCase()).not.toContain('zanzibar');
    expect(events.some((event) => event.type === 'message_stop')).toBe(false);
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] });
  });

  it('lets a safe conversation through moderation of the input and of the answer, streamed', async () => {
    const moderations = () => harness.emulator.generations({ model: 'meta-llama/llama-guard-4-12b' }).length;
    const before = moderations();
    const { text, failure } = await readStream(await anthropic.messages.create({ model: 'moderated', max_tokens: 100, messages: [{ role: 'user', content: 'Tell me about tulips.' }], stream: true }));
    expect(failure).toBeUndefined();
    expect(text).toContain('tulips');
    expect(moderations() - before).toBeGreaterThanOrEqual(2);
  });
});

/** Every number in a value (a usage object's counts and costs). */
const numbersIn = (value: unknown): number[] =>
  typeof value === 'number' ? [value] : value !== null && typeof value === 'object' ? Object.values(value).flatMap(numbersIn) : [];

/** Asks for an answer fresh from OpenRouter: the cache neither read nor written. */
const FRESH = { headers: { 'cache-control': 'no-cache, no-store' } };

describe('the response cache on POST /v1/messages', () => {
  const ask = (question: string, fields: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({ model: 'cached', max_tokens: 256, messages: [{ role: 'user' as const, content: question }], ...fields });

  it('serves a repeated request from the cache as JSON and as a stream the SDK reads, billed nothing, each recorded once as a hit', async () => {
    const request = ask('What is the capital of France? (messages cache)');
    const before = harness.usage.records.length;
    const first = await anthropic.messages.create(request).withResponse();
    expect(first.response.headers.get('x-cache')).toBe('miss');
    const [stored] = await recordsSince(before);
    expect(stored?.costUsd).toBeGreaterThan(0);
    expect(stored?.cacheHit).toBeUndefined();

    const generations = harness.emulator.generations().length;
    const json = await anthropic.messages.create(request).withResponse();
    expect(json.response.headers.get('x-cache')).toBe('hit');
    expect(json.data).toEqual({ ...first.data, usage: json.data.usage });
    expect(Object.keys(json.data.usage)).toEqual(Object.keys(first.data.usage));
    expect(numbersIn(json.data.usage).every((value) => value === 0)).toBe(true);

    const stream = anthropic.messages.stream(request);
    const { response } = await stream.withResponse();
    expect(response.headers.get('x-cache')).toBe('hit');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { events, text, failure } = await readStream(stream);
    expect(failure).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(text).toBe(textOf(first.data));
    const final = await stream.finalMessage();
    expect(final).toMatchObject({ id: first.data.id, model: first.data.model, content: first.data.content, stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 0 } });
    expect(harness.emulator.generations().length).toBe(generations);

    const records = await recordsSince(before, 3);
    expect(records.slice(1)).toMatchObject([
      { status: 'ok', streamed: false, cacheHit: true, costUsd: 0, attempts: 0, costSavedUsd: stored?.costUsd, servedModel: 'openai/gpt-4o-mini', promptTokens: 0, completionTokens: 0 },
      { status: 'ok', streamed: true, cacheHit: true, costUsd: 0, attempts: 0, costSavedUsd: stored?.costUsd, servedModel: 'openai/gpt-4o-mini', promptTokens: 0, completionTokens: 0 },
    ]);
  });

  it('stores a streamed answer, thinking and its signature included, which a JSON request is then served whole, and the stream again', async () => {
    const request = { model: 'cached-thinker', max_tokens: 2048, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'Name three rivers (messages, streamed first)' }] };
    const streamed = anthropic.messages.stream(request);
    const miss = await streamed.finalMessage();
    expect(miss.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    expect(miss.content[0]).toMatchObject({ signature: expect.stringMatching(/.+/) as string });
    const generations = harness.emulator.generations().length;
    await expect.poll(async () => (await anthropic.messages.create(request).withResponse()).response.headers.get('x-cache')).toBe('hit');
    const json = await anthropic.messages.create(request);
    expect(json).toMatchObject({ id: miss.id, content: miss.content, stop_reason: miss.stop_reason });
    const again = anthropic.messages.stream(request);
    expect((await again.withResponse()).response.headers.get('x-cache')).toBe('hit');
    expect((await again.finalMessage()).content).toEqual(miss.content);
    // A fresh answer to the same request has the same blocks: the hit dropped nothing.
    const fresh = await anthropic.messages.create(request, FRESH);
    expect(fresh.content.map((block) => block.type)).toEqual(json.content.map((block) => block.type));
    expect(harness.emulator.generations().length - generations).toBe(1);
  });

  it('misses when a field differs, and never serves a chat completion\'s answer as a message (or back)', async () => {
    const question = 'Tell me about lakes (messages keys)';
    const status = async (fields: Partial<Anthropic.MessageCreateParamsNonStreaming>) => (await anthropic.messages.create(ask(question, fields)).withResponse()).response.headers.get('x-cache');
    expect(await status({})).toBe('miss');
    expect(await status({})).toBe('hit');
    expect(await status({ max_tokens: 100 })).toBe('miss');
    expect(await status({ system: 'Be brief.' })).toBe('miss');
    expect(await status({ stop_sequences: ['END'] })).toBe('miss');
    const chat = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'cached', max_tokens: 256, messages: [{ role: 'user', content: question }] }) });
    expect(chat.headers.get('x-cache')).toBe('miss');
    expect(((await chat.json()) as { object: string }).object).toBe('chat.completion');
    expect(await status({})).toBe('hit');
  });

  it('bypasses the cache for a sampled request, as on chat completions', async () => {
    const request = { ...ask('Write a slogan (messages sampled)'), model: 'cached-sampled' };
    expect((await anthropic.messages.create(request).withResponse()).response.headers.get('x-cache')).toBe('bypass');
    expect((await anthropic.messages.create(request).withResponse()).response.headers.get('x-cache')).toBe('bypass');
  });

  it.each([
    ['an answer cut at max_tokens', ask('Explain the tides at length (messages truncated)', { max_tokens: 3 }), undefined],
    ['an answer that calls a tool', ask('Weather in Oslo? (messages tool)', { tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }], tool_choice: { type: 'any' } }), undefined],
    ['an answer a guardrail redacted', { ...ask('Repeat ada@example.com (messages redacted)'), model: 'cached-redacted' }, undefined],
    ['an answer that failed mid-stream', ask('Tell me a story (messages fail midway)'), 'error-after=3'],
  ])('keeps out %s', async (_name, request, scenario) => {
    if (scenario) harness.emulator.addRule({ match: { contains: '(messages fail midway)' }, scenario });
    const send = async () => {
      if (!scenario) return (await anthropic.messages.create(request).withResponse()).response.headers.get('x-cache');
      const { data, response } = await anthropic.messages.create({ ...request, stream: true }).withResponse();
      expect((await readStream(data)).failure).toBeInstanceOf(APIError);
      return response.headers.get('x-cache');
    };
    const generations = harness.emulator.generations().length;
    expect(await send()).toBe('miss');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await send()).toBe('miss');
    expect(harness.emulator.generations().length - generations).toBe(2);
  });

  it('shares an answer still being generated with identical requests, streamed and JSON, one generation', async () => {
    harness.emulator.addRule({ match: { contains: '(messages, shared)' }, scenario: 'ttft=300' });
    const request = ask('What are the opening hours? (messages, shared)');
    const calls = harness.emulator.generations().length;
    const leader = anthropic.messages.stream(request);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const follower = anthropic.messages.stream(request);
    const json = anthropic.messages.create(request).withResponse();
    const [led, followed, answered] = await Promise.all([leader.withResponse(), follower.withResponse(), json]);
    expect([led.response.headers.get('x-cache'), followed.response.headers.get('x-cache'), answered.response.headers.get('x-cache')]).toEqual(['miss', 'coalesced', 'coalesced']);
    const [ledMessage, followedMessage] = await Promise.all([leader.finalMessage(), follower.finalMessage()]);
    expect(textOf(ledMessage)).not.toBe('');
    expect(followedMessage).toMatchObject({ id: ledMessage.id, content: ledMessage.content, stop_reason: 'end_turn' });
    expect(answered.data).toMatchObject({ id: ledMessage.id, content: ledMessage.content, stop_reason: 'end_turn', usage: { input_tokens: 0, output_tokens: 0 } });
    expect(harness.emulator.generations().length - calls).toBe(1);
  });
});

describe("the host's guardrails on POST /v1/messages", () => {
  it('judge the input and the answer of every feature, as on chat completions', async () => {
    const before = harness.usage.records.length;
    const input = await refusal(anthropic.messages.create({ model: 'chat', max_tokens: 10, messages: [{ role: 'user', content: 'What is Project Nightingale?' }] }));
    expect(input).toBeInstanceOf(PermissionDeniedError);
    // The emulator's answer repeats the prompt's words: the output hook reads them in the answer.
    const output = await refusal(anthropic.messages.create({ model: 'chat', max_tokens: 64, messages: [{ role: 'user', content: 'Say launch date' }] }));
    expect(output).toBeInstanceOf(PermissionDeniedError);
    const records = await recordsSince(before, 2);
    expect(records.map((record) => record.guardrails)).toEqual([[{ name: 'no-secret-projects', stage: 'input', verdict: 'block' }], [{ name: 'no-launch-dates', stage: 'output', verdict: 'block' }]]);
  });
});
