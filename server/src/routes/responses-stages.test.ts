import { MODERATION_MARKER } from '@insforge/openrouter-emulator';
import OpenAI, { APIError, PermissionDeniedError } from 'openai';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { recordsSince as settledRecordsSince } from '../../test/records.js';

// The stages before forwarding on OpenAI's Responses API, as on chat completions: a feature's guardrails judge the
// input (strings, message parts, instructions, files) and the answer (JSON, and a stream's events on the same windows
// and holds as a chat's), and its response cache serves a repeated request as JSON or as the Responses events.

const ALICE = 'ik_test_alice_key_0123456789';
const BOB = 'ik_test_bob_key_0123456789';

let harness: Harness;
let openai: OpenAI;
let alice: OpenAI;
let bob: OpenAI;
beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'screened-input', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', words: ['zanzibar'] }, { type: 'pii', stage: 'input', mode: 'redact', kinds: ['email'] }] },
      { name: 'blocked-output', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] },
      { name: 'redacted-output', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
      { name: 'cached', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true } },
      { name: 'moderated', model: 'openai/gpt-4o-mini', guardrailMessage: "Let's keep this friendly.", guardrails: [{ type: 'moderation', stage: 'both' }] },
    ],
    clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }, { key: ALICE, userId: 'alice' }, { key: BOB, userId: 'bob' }],
    guardrails: [
      { name: 'no-secret-projects', stage: 'input', check: ({ text }) => (/project nightingale/i.test(text) ? { verdict: 'block', message: 'We cannot talk about unreleased projects.' } : undefined) },
      // The cache key leaves the end user out: an answer stored for one user is judged again for another.
      { name: 'bob-reads-nothing', stage: 'output', check: ({ userId }) => (userId === 'bob' ? { verdict: 'block', message: 'Bob may not read this.' } : undefined) },
    ],
  });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  alice = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: ALICE, maxRetries: 0 });
  bob = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: BOB, maxRetries: 0 });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

const recordsSince = (before: number, count = 1) => settledRecordsSince(harness, before, count);

/** What a client reads of a Responses stream: its events, the text of its deltas, and the error it ended with. */
async function readStream(stream: AsyncIterable<ResponseStreamEvent>) {
  const events: ResponseStreamEvent[] = [];
  let text = '';
  let failure: unknown;
  try {
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
  } catch (error) {
    failure = error;
  }
  const last = events.at(-1);
  return { events, text, failure, final: last?.type === 'response.completed' ? last.response : undefined };
}

const refusal = async (request: Promise<unknown>) => request.then(() => undefined, (error: unknown) => error);

describe('input guardrails on POST /v1/responses', () => {
  it.each([
    ['a string input', { input: 'Tell me about Zanzibar' }],
    ['an input_text part', { input: [{ role: 'user' as const, content: [{ type: 'input_text' as const, text: 'Tell me about zanzibar' }] }] }],
    ['the instructions', { instructions: 'Always mention zanzibar.', input: 'Hello' }],
    ['a text file', { input: [{ role: 'user' as const, content: [{ type: 'input_file' as const, filename: 'notes.txt', file_data: `data:text/plain;base64,${Buffer.from('all about zanzibar').toString('base64')}` }] }] }],
    ['a function call handed back', { input: [{ type: 'function_call' as const, call_id: 'c1', name: 'lookup', arguments: '{"place":"zanzibar"}' }, { type: 'function_call_output' as const, call_id: 'c1', output: 'sunny' }] }],
  ])('refuses %s the blocklist matches with a 403, before any call to the model, recorded once', async (_name, fields) => {
    const before = harness.usage.records.length;
    const calls = harness.emulator.generations().length;
    const error = await refusal(openai.responses.create({ model: 'screened-input', ...fields }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).code).toBe('content_policy_violation');
    expect((error as APIError).error).toMatchObject({ metadata: { source: 'guardrail', guardrail: 'blocklist' } });
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'blocklist', stage: 'input', verdict: 'block' }] });
    expect(harness.emulator.generations().length).toBe(calls);
  });

  it('refuses what the moderation model flags with the feature\'s message, its call counted in the record', async () => {
    const before = harness.usage.records.length;
    const error = await refusal(openai.responses.create({ model: 'moderated', input: [{ role: 'user', content: [{ type: 'input_text', text: `Please ${MODERATION_MARKER} now` }] }] }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).message).toContain("Let's keep this friendly.");
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'moderation', stage: 'input', verdict: 'block' }] });
    expect(record?.guardrailCostUsd).toBeGreaterThan(0);
  });

  it('lets a safe conversation through moderation of the input and of the answer, streamed', async () => {
    const moderations = () => harness.emulator.generations({ model: 'meta-llama/llama-guard-4-12b' }).length;
    const before = moderations();
    const { text, failure } = await readStream(await openai.responses.create({ model: 'moderated', input: 'Tell me about tulips.', stream: true }));
    expect(failure).toBeUndefined();
    expect(text).toContain('tulips');
    // One call on the input, one (at least) on the answer.
    expect(moderations() - before).toBeGreaterThanOrEqual(2);
  });

  it('runs the host\'s own input guardrails', async () => {
    const error = await refusal(openai.responses.create({ model: 'chat', instructions: 'Tell them about Project Nightingale.', input: 'Hi' }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).message).toContain('We cannot talk about unreleased projects.');
  });

  it('redacts what the PII rule finds in the input before the model reads it', async () => {
    const response = await openai.responses.create({ model: 'screened-input', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Write to ada@example.com today' }] }] });
    const sent = harness.emulator.probe(response.id)!.request as { input: Array<{ content: Array<{ text: string }> }> };
    expect(sent.input[0]?.content[0]?.text).toBe('Write to [REDACTED_EMAIL] today');
    expect(response.output_text).not.toContain('ada@example.com');
  });
});

describe('output guardrails on POST /v1/responses', () => {
  it('refuses a JSON answer the blocklist matches with a 403, recorded once as chat records it, billed as it was made', async () => {
    const before = harness.usage.records.length;
    const error = await refusal(openai.responses.create({ model: 'blocked-output', input: 'Say zanzibar' }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).code).toBe('content_policy_violation');
    const generation = harness.emulator.generations({ model: 'openai/gpt-4o-mini' }).at(-1);
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', generationId: generation?.id, servedModel: 'openai/gpt-4o-mini', guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] });
    // The model wrote the refused answer and OpenRouter billed it: the record and the caps count it.
    expect(record?.costUsd).toBeGreaterThan(0);
    expect(record?.completionTokens).toBeGreaterThan(0);
  });

  it('redacts a JSON answer in place', async () => {
    const before = harness.usage.records.length;
    const response = await openai.responses.create({ model: 'redacted-output', input: 'Repeat ada@example.com' });
    expect(response.output_text).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(response)).not.toContain('ada@example.com');
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'ok', guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('redacts a streamed answer split over many deltas: the deltas, the done events and the final response agree', async () => {
    harness.emulator.addRule({ match: { contains: 'stream ada' }, scenario: 'ttft=0;tps=400' });
    const before = harness.usage.records.length;
    const { events, text, failure, final } = await readStream(await openai.responses.create({ model: 'redacted-output', input: 'stream ada@example.com back', stream: true }));
    expect(failure).toBeUndefined();
    expect(text).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(events)).not.toContain('ada@example.com');
    const done = events.find((event) => event.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' && done.text).toBe(text);
    expect((final as Response).output_text ?? outputTextOf(final as Response)).toBe(text);
    // Numbered in order, the gateway's own delta included.
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'ok', streamed: true, guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('ends a stream the blocklist stops mid-answer with one error event the SDK throws, the word never sent, recorded once', async () => {
    harness.emulator.addRule({ match: { contains: 'stream zanzibar' }, scenario: 'ttft=0;tps=400' });
    const before = harness.usage.records.length;
    const { events, failure } = await readStream(await openai.responses.create({ model: 'blocked-output', input: 'please stream zanzibar for me', stream: true }));
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).code).toBe('content_policy_violation');
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events).toLowerCase()).not.toContain('zanzibar');
    expect(events.some((event) => event.type === 'response.completed')).toBe(false);
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] });
  });

  it('settles a stream cancelled while the guardrail holds text back once, and stops the upstream generation', async () => {
    harness.emulator.addRule({ match: { contains: 'cancel held' }, scenario: 'ttft=0;tps=40;tokens=400' });
    const before = harness.usage.records.length;
    const controller = new AbortController();
    const stream = await openai.responses.create({ model: 'redacted-output', input: 'cancel held ada@example.com', stream: true }, { signal: controller.signal });
    let text = '';
    for await (const event of stream) {
      if (event.type !== 'response.output_text.delta') continue;
      text += event.delta;
      // The start of the address is held back while it could still grow into one: the client reads none of it.
      if (text.includes('cancel held')) {
        controller.abort();
        break;
      }
    }
    expect(text).not.toContain('ada@');
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'cancelled', streamed: true, feature: 'redacted-output' });
    const generation = harness.emulator.generations({ model: 'openai/gpt-4o-mini' }).at(-1)!;
    expect((await harness.emulator.waitForGeneration(generation.id)).clientClosed).toBe(true);
  });
});

/** The text of a response's messages, as the SDK's `output_text` joins it. */
function outputTextOf(response: Response): string {
  return response.output.flatMap((item) => (item.type === 'message' ? item.content.map((part) => (part.type === 'output_text' ? part.text : '')) : [])).join('');
}

describe('the response cache on POST /v1/responses', () => {
  it('serves a repeated request from the cache as JSON and as a stream, billed nothing, each recorded once as a hit', async () => {
    const request = { model: 'cached', input: 'What is the capital of France? (responses cache)' };
    const before = harness.usage.records.length;
    const first = await openai.responses.create(request).withResponse();
    expect(first.response.headers.get('x-cache')).toBe('miss');
    const [stored] = await recordsSince(before);
    expect(stored).toMatchObject({ status: 'ok', costUsd: expect.any(Number) as number });
    expect(stored?.cacheHit).toBeUndefined();

    const generations = harness.emulator.generations().length;
    const json = await openai.responses.create(request).withResponse();
    expect(json.response.headers.get('x-cache')).toBe('hit');
    expect(json.data.id).toBe(first.data.id);
    expect(json.data.output_text).toBe(first.data.output_text);
    expect(json.data.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });

    const streamed = await openai.responses.create({ ...request, stream: true }).withResponse();
    expect(streamed.response.headers.get('x-cache')).toBe('hit');
    const { events, text, failure, final } = await readStream(streamed.data);
    expect(failure).toBeUndefined();
    expect(events[0]?.type).toBe('response.created');
    expect(text).toBe(first.data.output_text);
    expect(final?.output_text ?? outputTextOf(final as Response)).toBe(first.data.output_text);
    expect((final?.usage as unknown as { cost: number }).cost).toBe(0);
    expect(harness.emulator.generations().length).toBe(generations);

    const records = await recordsSince(before, 3);
    expect(records.slice(1)).toMatchObject([
      { status: 'ok', streamed: false, cacheHit: true, costUsd: 0, costSavedUsd: stored?.costUsd },
      { status: 'ok', streamed: true, cacheHit: true, costUsd: 0, costSavedUsd: stored?.costUsd },
    ]);
  });

  it('stores a streamed answer that a JSON request is then served, whole', async () => {
    const request = { model: 'cached', input: 'Name three rivers (streamed first)' };
    const streamed = await readStream(await openai.responses.create({ ...request, stream: true }));
    expect(streamed.final).toBeDefined();
    await expect.poll(async () => (await openai.responses.create(request).withResponse()).response.headers.get('x-cache')).toBe('hit');
    const json = await openai.responses.create(request);
    expect(json.output_text).toBe(streamed.text);
    expect(json.id).toBe(streamed.final?.id);
  });

  it('misses when a field differs, and never serves a chat completion\'s answer as a Responses one (or back)', async () => {
    const request = { model: 'cached', input: 'Tell me about lakes (keys)' };
    expect((await openai.responses.create(request).withResponse()).response.headers.get('x-cache')).toBe('miss');
    expect((await openai.responses.create(request).withResponse()).response.headers.get('x-cache')).toBe('hit');
    expect((await openai.responses.create({ ...request, max_output_tokens: 100 }).withResponse()).response.headers.get('x-cache')).toBe('miss');
    expect((await openai.responses.create({ ...request, instructions: 'Be brief.' }).withResponse()).response.headers.get('x-cache')).toBe('miss');
    const chat = await openai.chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: request.input }] }).withResponse();
    expect(chat.response.headers.get('x-cache')).toBe('miss');
    expect(chat.data.object).toBe('chat.completion');
  });

  it('keeps out an answer that calls a tool', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const request = { model: 'cached', input: 'Weather in Oslo? (cache)', tools, tool_choice: 'required' as const };
    expect((await openai.responses.create(request).withResponse()).response.headers.get('x-cache')).toBe('miss');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await openai.responses.create(request).withResponse()).response.headers.get('x-cache')).toBe('miss');
  });

  it('judges a hit by the output guardrails of the request it is served to, JSON and streamed, before any of it is written', async () => {
    const request = { model: 'cached', input: 'What are the opening hours? (responses, served to bob)' };
    const stored = await alice.responses.create(request).withResponse();
    expect(stored.response.headers.get('x-cache')).toBe('miss');
    const before = harness.usage.records.length;
    const json = await refusal(bob.responses.create(request));
    expect(json).toBeInstanceOf(PermissionDeniedError);
    expect((json as APIError).message).toContain('Bob may not read this.');
    const streamed = await fetch(`${harness.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${BOB}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...request, stream: true }) });
    expect(streamed.headers.get('x-cache')).toBe('hit');
    expect(streamed.status).toBe(403);
    expect(await streamed.text()).not.toContain(stored.data.output_text);
    const again = await readStream(await alice.responses.create({ ...request, stream: true }));
    expect(again.text).toBe(stored.data.output_text);
    const records = await recordsSince(before, 3);
    expect(records).toMatchObject([
      { status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'bob-reads-nothing', stage: 'output', verdict: 'block' }] },
      { status: 'error', errorCode: 'content_policy_violation', streamed: true },
      { status: 'ok', streamed: true, cacheHit: true, costUsd: 0 },
    ]);
  });

  it('shares an answer still being generated with identical requests, each judged and recorded once', async () => {
    harness.emulator.addRule({ match: { contains: '(responses, shared)' }, scenario: 'ttft=300' });
    const request = { model: 'cached', input: 'What are the opening hours? (responses, shared)' };
    const before = harness.usage.records.length;
    const calls = harness.emulator.generations({ model: 'openai/gpt-4o-mini' }).length;
    const leader = alice.responses.create({ ...request, stream: true }).withResponse();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const follower = alice.responses.create({ ...request, stream: true }).withResponse();
    const json = alice.responses.create(request).withResponse();
    const refused = refusal(bob.responses.create(request));
    const [led, followed, answered] = await Promise.all([leader, follower, json]);
    expect([led.response.headers.get('x-cache'), followed.response.headers.get('x-cache'), answered.response.headers.get('x-cache')]).toEqual(['miss', 'coalesced', 'coalesced']);
    const [ledStream, followedStream] = await Promise.all([readStream(led.data), readStream(followed.data)]);
    expect(ledStream.text).not.toBe('');
    expect(followedStream.text).toBe(ledStream.text);
    expect(followedStream.final?.id).toBe(ledStream.final?.id);
    expect(answered.data.output_text).toBe(ledStream.text);
    expect(await refused).toBeInstanceOf(PermissionDeniedError);
    expect(harness.emulator.generations({ model: 'openai/gpt-4o-mini' }).length - calls).toBe(1);
    const records = await recordsSince(before, 4);
    expect(records.filter((record) => record.status === 'ok' && record.cacheHit !== true)).toHaveLength(1);
    expect(records.filter((record) => record.status === 'error')).toMatchObject([{ errorCode: 'content_policy_violation' }]);
  });
});
