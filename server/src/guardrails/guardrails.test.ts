import { MODERATION_MARKER } from '@insforge/openrouter-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAiGateway } from '../create-ai-gateway.js';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'private', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true }, guardrails: [{ type: 'pii', mode: 'redact', kinds: ['email', 'card'] }] },
  { name: 'moderated', model: 'openai/gpt-4o-mini', guardrailMessage: "Let's keep this friendly.", guardrails: [{ type: 'moderation', stage: 'both' }] },
  { name: 'answers-moderated', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'moderation', name: 'llama-guard', stage: 'output' }] },
  { name: 'words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', words: ['forbiddenword'], patterns: ['promo\\d{3}'], message: 'That word is not allowed here.' }] },
  { name: 'addresses', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', patterns: ['[\\w.+-]+@[\\w-]+\\.[\\w.]+'] }] },
  // Both backtrack exponentially: the first passes the save check, the second only the check before it (a seed loads it).
  { name: 'ambiguous', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', name: 'codes', stage: 'both', patterns: ['promo\\d{3}', `x${'a?(ab|b)'.repeat(24)}!`] }] },
  { name: 'nested', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'input', words: ['darn'], patterns: ['(a{1,20}){1,20}!'] }] },
  { name: 'answer-words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] },
  { name: 'answer-pii', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact' }] },
  { name: 'reasoning-words', model: 'anthropic/claude-sonnet-4', guardrails: [{ type: 'blocklist', stage: 'output', words: ['identify', 'pineapple'] }] },
  { name: 'reasoning-pii', model: 'deepseek/deepseek-r1', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
  { name: 'signed-reasoning-pii', model: 'anthropic/claude-sonnet-4', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
  { name: 'answer-paths', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', patterns: ['c:\\\\windows\\\\system32'] }] },
  { name: 'bounded', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'size', maxMessages: 2, maxInputCharacters: 200 }] },
  { name: 'safe-embeddings', modality: 'embedding', model: 'openai/text-embedding-3-small', guardrails: [{ type: 'pii', mode: 'redact', kinds: ['email'] }, { type: 'blocklist', words: ['gore'] }] },
  { name: 'safe-images', modality: 'image', model: 'black-forest-labs/flux.2-pro', guardrails: [{ type: 'pii', mode: 'redact', kinds: ['email'] }, { type: 'blocklist', words: ['gore'] }] },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    features: FEATURES,
    guardrails: [{ name: 'no-secret-projects', stage: 'input', check: ({ text }) => (/project nightingale/i.test(text) ? { verdict: 'block', message: 'We cannot talk about unreleased projects.' } : undefined) }],
  });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.reset());

const chat = (body: object, key = CLIENT_KEY) =>
  fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const user = (content: string) => [{ role: 'user', content }];
const lastRecord = () => harness.usage.records.at(-1);
type Delta = { content?: string; reasoning?: string; tool_calls?: Array<{ function?: { arguments?: string } }> };
const deltaOf = (event: Record<string, unknown>) => (event['choices'] as Array<{ delta?: Delta }> | undefined)?.[0]?.delta;
const contentOf = (events: Array<Record<string, unknown>>) => events.map((event) => deltaOf(event)?.content ?? '').join('');
const reasoningOf = (events: Array<Record<string, unknown>>) => events.map((event) => deltaOf(event)?.reasoning ?? '').join('');
const argumentsOf = (events: Array<Record<string, unknown>>) => events.map((event) => (deltaOf(event)?.tool_calls ?? []).map((call) => call.function?.arguments ?? '').join('')).join('');
const lookup = (description = 'Looks a phrase up.', parameter = 'The phrase.') => [
  { type: 'function', function: { name: 'lookup', description, parameters: { type: 'object', properties: { q: { type: 'string', description: parameter } }, required: ['q'] } } },
];
/** A conversation whose assistant turn called `lookup` with these arguments, and the tool's answer. */
const afterLookup = (args: string, extra: Record<string, unknown> = {}) => [
  ...user('Look it up, please.'),
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: args } }], ...extra },
  { role: 'tool', tool_call_id: 'call_1', content: 'nothing found' },
];
type Answer = { choices: Array<{ message: { content: string | null; reasoning?: string; reasoning_details?: Array<{ text?: string }>; tool_calls?: Array<{ function: { arguments: string } }> } }> };

describe('guardrails', () => {
  it('redact an e-mail address and a card number before the message reaches the model, and never cache the answer', async () => {
    const message = 'I am ada@example.com, card 4111 1111 1111 1111. Where is my order?';
    const response = await chat({ model: 'private', messages: user(message) });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cache')).toBe('bypass');
    const [generation] = harness.emulator.generations({ kind: 'chat' });
    const sent = JSON.stringify(generation?.request);
    expect(sent).toContain('I am [REDACTED_EMAIL], card [REDACTED_CARD]. Where is my order?');
    expect(sent).not.toContain('ada@example.com');
    expect(sent).not.toContain('4111');
    expect(lastRecord()?.guardrails).toEqual([{ name: 'pii', stage: 'input', verdict: 'redact' }]);
    await chat({ model: 'private', messages: user(message) });
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(2);
  });

  it('refuse a message the moderation model flags with a 403 before any call to the model, with the feature\'s message', async () => {
    const response = await chat({ model: 'moderated', messages: user(`Please ${MODERATION_MARKER} now`) });
    expect(response.status).toBe(403);
    // `metadata.source` tells a client the message is the feature's own words for its users.
    expect(await response.json()).toEqual({ error: { message: "Let's keep this friendly.", type: 'permission_error', code: 'content_policy_violation', param: null, metadata: { source: 'guardrail', guardrail: 'moderation' } } });
    const generations = harness.emulator.generations({ kind: 'chat' });
    expect(generations.map((generation) => generation.model)).toEqual(['meta-llama/llama-guard-4-12b']);
    expect(lastRecord()).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'moderation', stage: 'input', verdict: 'block' }] });
    expect(lastRecord()?.guardrailCostUsd).toBeGreaterThan(0);
  });

  it('let a safe message through moderation of the input and of the answer', async () => {
    const response = await chat({ model: 'moderated', messages: user('Tell me about tulips.') });
    expect(response.status).toBe(200);
    expect(harness.emulator.generations({ kind: 'chat' }).map((generation) => generation.model).sort()).toEqual(['meta-llama/llama-guard-4-12b', 'meta-llama/llama-guard-4-12b', 'openai/gpt-4o-mini']);
  });

  it('end a streamed answer the moderation model flags with an error event, recording the part already sent', async () => {
    harness.emulator.addRule({ match: { contains: 'flagged answer' }, scenario: 'tokens=300' });
    const response = await chat({ model: 'answers-moderated', stream: true, messages: user(`Write a flagged answer about ${MODERATION_MARKER}.`) });
    expect(response.status).toBe(200);
    const sse = parseSseBody(await response.text());
    expect(sse.done).toBe(false);
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation', type: 'permission_error', metadata: { source: 'guardrail', guardrail: 'llama-guard' } } });
    const sent = contentOf(sse.events);
    expect(sent.length).toBeGreaterThan(300);
    const record = lastRecord();
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'llama-guard', stage: 'output', verdict: 'block' }] });
    expect(record?.completionCharacters).toBe(sent.length);
  });

  it('stop a stream before the last piece of a blocked word is sent, even when the word spans chunks', async () => {
    const response = await chat({ model: 'answer-words', stream: true, messages: user('Describe the island of Zanzibar.') });
    const sse = parseSseBody(await response.text());
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(contentOf(sse.events).toLowerCase()).not.toContain('zanzibar');
  });

  it('block words and safe patterns of a blocklist with its own message', async () => {
    for (const text of ['say forbiddenword please', 'use code PROMO123']) {
      const response = await chat({ model: 'words', messages: user(text) });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe('That word is not allowed here.');
    }
    expect((await chat({ model: 'words', messages: user('forbiddenwords are fine, as is promo12') })).status).toBe(200);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(1);
  });

  it('refuse a text a blocklist pattern cannot screen in time with a 503 naming the guardrail, answering health checks meanwhile', async () => {
    const texts: Array<[string, string, string]> = [
      ['ambiguous', 'codes', `x${'ab'.repeat(24)}? `.repeat(4)],
      ['nested', 'blocklist', 'a'.repeat(27)],
    ];
    for (const [model, guardrail, text] of texts) {
      const started = performance.now();
      const pending = chat({ model, messages: user(text) });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const health = await fetch(`${harness.url}/health/live`);
      expect(health.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_000);
      const response = await pending;
      expect(response.status).toBe(503);
      const { error } = (await response.json()) as { error: { code: string; message: string; metadata?: unknown } };
      expect(error).toMatchObject({ code: 'service_unavailable', metadata: { source: 'guardrail', guardrail } });
      expect(error.message).toContain(`"${guardrail}" could not screen this text in time`);
      expect(lastRecord()).toMatchObject({ status: 'error', errorCode: 'service_unavailable', guardrails: [{ name: guardrail, stage: 'input', verdict: 'block' }] });
    }
    // The same features still block, and let through, what their other rules say.
    expect((await chat({ model: 'ambiguous', messages: user('use code PROMO123') })).status).toBe(403);
    expect((await chat({ model: 'nested', messages: user('oh darn') })).status).toBe(403);
    expect((await chat({ model: 'nested', messages: user('a fine message') })).status).toBe(200);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(1);
  });

  it('redact personal data in a JSON answer', async () => {
    const response = await chat({ model: 'answer-pii', messages: user('Repeat bob@example.org back to me') });
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toContain('[REDACTED_EMAIL]');
    expect(completion.choices[0]?.message.content).not.toContain('bob@example.org');
    expect(lastRecord()?.guardrails).toEqual([{ name: 'pii', stage: 'output', verdict: 'redact' }]);
  });

  it('refuse a stream with logprobs where a rule reads the answer, before anything is sent: its tokens would show what the rule holds back', async () => {
    for (const [body, param] of [[{ logprobs: true }, 'logprobs'], [{ logprobs: true, top_logprobs: 3 }, 'logprobs'], [{ top_logprobs: 2 }, 'top_logprobs']] as const) {
      const response = await chat({ model: 'answer-pii', stream: true, ...body, messages: user('Repeat bob@example.org back to me') });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_parameter', param, metadata: { source: 'guardrail', guardrail: 'pii' } } });
      expect(lastRecord()).toMatchObject({ status: 'error', errorCode: 'invalid_parameter', guardrails: [{ name: 'pii', stage: 'output', verdict: 'block' }] });
    }
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(0);
    // A JSON answer is read whole, its tokens too: one that spells the address is refused, not sent.
    const json = await chat({ model: 'answer-pii', logprobs: true, messages: user('Repeat bob@example.org back to me') });
    expect(json.status).toBe(403);
    expect(JSON.stringify(await json.json())).not.toContain('bob@example.org');
    // Without a rule on the answer a stream carries them; `logprobs: false` asks for none.
    expect((await chat({ model: 'answer-pii', stream: true, logprobs: false, messages: user('Hello') })).status).toBe(200);
    const plain = parseSseBody(await (await chat({ model: 'chat', stream: true, logprobs: true, messages: user('Hello') })).text());
    expect(plain.events.some((event) => (event['choices'] as Array<{ logprobs?: unknown }> | undefined)?.[0]?.logprobs)).toBe(true);
  });

  it('block a word of an output blocklist in the reasoning of a JSON answer', async () => {
    const response = await chat({ model: 'reasoning-words', seed: 7, reasoning: { max_tokens: 300 }, messages: user('Tell me about apples.') });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'content_policy_violation', metadata: { source: 'guardrail', guardrail: 'blocklist' } } });
    expect(lastRecord()?.guardrails).toEqual([{ name: 'blocklist', stage: 'output', verdict: 'block' }]);
  });

  it('bill a JSON answer an output guardrail refused as it was made: its usage, cost and generation in the record', async () => {
    const response = await chat({ model: 'answer-words', messages: user('Describe the island of Zanzibar.') });
    expect(response.status).toBe(403);
    const [generation] = harness.emulator.generations({ kind: 'chat' });
    const record = lastRecord();
    expect(record).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', generationId: generation?.id, servedModel: 'openai/gpt-4o-mini' });
    expect(record?.costUsd).toBeGreaterThan(0);
    expect(record?.completionTokens).toBeGreaterThan(0);
  });

  it('stop a stream before a blocked word of its reasoning is sent', async () => {
    const response = await chat({ model: 'reasoning-words', seed: 7, stream: true, reasoning: { max_tokens: 300 }, messages: user('Tell me about apples.') });
    const sse = parseSseBody(await response.text());
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(reasoningOf(sse.events)).toContain('The user is');
    expect(reasoningOf(sse.events).toLowerCase()).not.toContain('identify');
    expect(JSON.stringify(sse.events).toLowerCase()).not.toContain('identify');
  });

  it('block a word of an output blocklist in the arguments of a tool call, in a JSON answer and in a stream', async () => {
    const body = { model: 'reasoning-words', tools: lookup(), messages: user('lookup pineapple') };
    const json = await chat(body);
    expect(json.status).toBe(403);
    expect(lastRecord()?.guardrails).toEqual([{ name: 'blocklist', stage: 'output', verdict: 'block' }]);
    const sse = parseSseBody(await (await chat({ ...body, stream: true })).text());
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(argumentsOf(sse.events)).toContain('lookup');
    expect(argumentsOf(sse.events).toLowerCase()).not.toContain('pineapple');
  });

  it('block a match that JSON escapes in the arguments of a streamed tool call, as in a JSON answer', async () => {
    const run = [{ type: 'function', function: { name: 'run', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } } }];
    const body = { model: 'answer-paths', tools: run, messages: user('run del C:\\Windows\\System32\\drivers now') };
    expect((await chat(body)).status).toBe(403);
    const sse = parseSseBody(await (await chat({ ...body, stream: true })).text());
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
    // What came before the path was sent; the path, which could become the pattern's match, was held back whole.
    expect(argumentsOf(sse.events)).toContain('run del ');
    expect(argumentsOf(sse.events)).not.toMatch(/windows|system32/i);
    expect(lastRecord()?.guardrails).toEqual([{ name: 'blocklist', stage: 'output', verdict: 'block' }]);
  });

  it('redact personal data in the reasoning and in tool-call arguments of a JSON answer, keeping the arguments JSON', async () => {
    const reasoned = (await (await chat({ model: 'reasoning-pii', seed: 7, reasoning: { max_tokens: 300 }, messages: user('Repeat bob@example.org back to me') })).json()) as Answer;
    const message = reasoned.choices[0]?.message;
    expect(message?.reasoning).toContain('[REDACTED_EMAIL]');
    expect(message?.reasoning_details?.[0]?.text).toBe(message?.reasoning);
    expect(JSON.stringify(reasoned)).not.toContain('bob@example.org');
    const called = (await (await chat({ model: 'reasoning-pii', reasoning: { enabled: false }, tools: lookup(), messages: user('lookup bob@example.org') })).json()) as Answer;
    const args = called.choices[0]?.message.tool_calls?.[0]?.function.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ q: expect.stringContaining('[REDACTED_EMAIL]') as unknown });
    expect(args).not.toContain('bob@example.org');
    expect(lastRecord()?.guardrails).toEqual([{ name: 'pii', stage: 'output', verdict: 'redact' }]);
  });

  it('refuse, rather than redact, personal data in reasoning its provider signed', async () => {
    const response = await chat({ model: 'signed-reasoning-pii', seed: 7, reasoning: { max_tokens: 300 }, messages: user('Repeat bob@example.org back to me') });
    expect(response.status).toBe(403);
    expect(lastRecord()?.guardrails).toEqual([{ name: 'pii', stage: 'output', verdict: 'block' }]);
  });

  it('redact personal data in the tool-call arguments of the history and in tool definitions before the model sees them', async () => {
    const response = await chat({
      model: 'private',
      tools: lookup('Mail carol@example.com for help.', 'A phrase, such as dave@example.com.'),
      messages: afterLookup('{"q":"carol@example.com", "also": "erin\\u0040example.com"}', { reasoning: 'I will look up frank@example.com.' }),
    });
    expect(response.status).toBe(200);
    const [generation] = harness.emulator.generations({ kind: 'chat' });
    const request = generation?.request as { messages: Array<{ reasoning?: string; tool_calls?: Array<{ function: { arguments: string } }> }>; tools: ReturnType<typeof lookup> };
    expect(JSON.parse(request.messages[1]?.tool_calls?.[0]?.function.arguments ?? '')).toEqual({ q: '[REDACTED_EMAIL]', also: '[REDACTED_EMAIL]' });
    expect(request.messages[1]?.reasoning).toBe('I will look up [REDACTED_EMAIL].');
    expect(request.tools[0]?.function.description).toBe('Mail [REDACTED_EMAIL] for help.');
    expect(request.tools[0]?.function.parameters.properties.q.description).toBe('A phrase, such as [REDACTED_EMAIL].');
    expect(JSON.stringify(generation?.request)).not.toMatch(/carol|dave|erin|frank/);
  });

  it('block a blocked word in the tool calls of the history, a tool\'s description or a parameter\'s', async () => {
    for (const body of [
      { messages: afterLookup('{"q":"say forbiddenword"}') },
      { messages: afterLookup('{"q":"say forbidd\\u0065nword"}') },
      { messages: user('Look it up.'), tools: lookup('Use it for forbiddenword.') },
      { messages: user('Look it up.'), tools: lookup(undefined, 'Try PROMO123.') },
    ]) {
      const response = await chat({ model: 'words', ...body });
      expect(response.status).toBe(403);
    }
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(0);
  });

  it('screen a predicted output as the model reads it: redacted, refused, and counted in the size bound', async () => {
    const response = await chat({ model: 'private', messages: user('Fix my note.'), prediction: { type: 'content', content: 'Mail carol@example.com, card 4111 1111 1111 1111.' } });
    expect(response.status).toBe(200);
    await chat({ model: 'private', messages: user('Fix my note.'), prediction: { type: 'content', content: [{ type: 'text', text: 'Mail dave@example.com.' }] } });
    const predictions = harness.emulator.generations({ kind: 'chat' }).map((generation) => (generation.request as { prediction?: unknown }).prediction);
    expect(predictions).toEqual([
      { type: 'content', content: 'Mail [REDACTED_EMAIL], card [REDACTED_CARD].' },
      { type: 'content', content: [{ type: 'text', text: 'Mail [REDACTED_EMAIL].' }] },
    ]);
    for (const content of ['say forbiddenword', [{ type: 'text', text: 'use PROMO123' }]]) {
      expect((await chat({ model: 'words', messages: user('Fix my note.'), prediction: { type: 'content', content } })).status).toBe(403);
    }
    expect((await chat({ model: 'bounded', messages: user('short'), prediction: { type: 'content', content: 'x'.repeat(201) } })).status).toBe(400);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(2);
  });

  it('count tool calls and tool definitions in the size bound', async () => {
    expect((await chat({ model: 'bounded', tools: lookup('x'.repeat(201)), messages: user('short') })).status).toBe(400);
    expect((await chat({ model: 'bounded', messages: afterLookup(JSON.stringify({ q: 'x'.repeat(201) })).slice(1, 2) })).status).toBe(400);
  });

  it('refuse requests over the size bounds with a 400', async () => {
    const many = await chat({ model: 'bounded', messages: [...user('one'), { role: 'assistant', content: 'two' }, ...user('three')] });
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { message: string; param: string } }).error).toMatchObject({ param: 'messages', message: expect.stringContaining('at most 2 messages'), metadata: { source: 'guardrail' } });
    expect((await chat({ model: 'bounded', messages: user('x'.repeat(201)) })).status).toBe(400);
    expect((await chat({ model: 'bounded', messages: user('short') })).status).toBe(200);
  });

  it('check image prompts too: redacted before the model sees them, or refused', async () => {
    const image = (prompt: string) =>
      fetch(`${harness.url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'safe-images', prompt }) });
    expect((await image('A poster with gore')).status).toBe(403);
    expect(harness.emulator.generations({ kind: 'images' })).toHaveLength(0);
    const redacted = await image('A postcard addressed to ada@example.com');
    expect(redacted.status).toBe(200);
    const [generation] = harness.emulator.generations({ kind: 'images' });
    expect(JSON.stringify(generation?.request)).toContain('A postcard addressed to [REDACTED_EMAIL]');
    expect(JSON.stringify(generation?.request)).not.toContain('ada@example.com');
  });

  it('check embeddings inputs, and refuse token arrays they cannot read, before anything is embedded', async () => {
    const embed = (input: unknown, model = 'safe-embeddings') =>
      fetch(`${harness.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model, input, encoding_format: 'float' }) });
    expect((await embed(['a quiet scene', 'a scene of gore'])).status).toBe(403);
    // Token ids spell any text (here they could spell the blocked word or an address): no guardrail can read them.
    const tokens = await embed([[70, 461], [1, 2, 3]]);
    expect(tokens.status).toBe(400);
    expect(((await tokens.json()) as { error: unknown }).error).toMatchObject({ code: 'invalid_parameter', param: 'input', metadata: { source: 'guardrail' } });
    expect(lastRecord()).toMatchObject({ errorCode: 'invalid_parameter', guardrails: [{ name: 'pii', stage: 'input', verdict: 'block' }] });
    expect(harness.emulator.generations({ kind: 'embeddings' })).toHaveLength(0);
    // Every feature runs the host's input hook, which cannot read them either.
    expect((await embed([1, 2, 3], 'embed')).status).toBe(400);
    expect(harness.emulator.generations({ kind: 'embeddings' })).toHaveLength(0);
    expect((await embed('reach me at ada@example.com')).status).toBe(200);
    expect(JSON.stringify(harness.emulator.generations({ kind: 'embeddings' })[0]?.request)).toContain('reach me at [REDACTED_EMAIL]');
  });

  it('run the host app\'s guardrail hooks on every feature', async () => {
    const response = await chat({ model: 'chat', messages: user('What is Project Nightingale?') });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('We cannot talk about unreleased projects.');
    expect(lastRecord()?.guardrails).toEqual([{ name: 'no-secret-projects', stage: 'input', verdict: 'block' }]);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(0);
  });
});

describe('host guardrails given to createAiGateway', () => {
  it('are checked once, at creation', () => {
    expect(() => createAiGateway({ database: ':memory:', guardrails: [{ name: 'broken', stage: 'input' } as never] })).toThrow('createAiGateway: guardrails.0.check: check must be a function');
    expect(() => createAiGateway({ database: ':memory:', guardrails: [{ name: 'late', stage: 'during' as never, check: () => undefined }] })).toThrow(/guardrails\.0\.stage/);
  });
});

describe('guardrail settings in the admin API', () => {
  const admin = (method: string, path: string, body?: object) =>
    fetch(`${harness.url}/api/ai/configurations${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  it('shows the cache and guardrails of a feature, refuses a catastrophic pattern, and audits a change', async () => {
    const current = (await (await admin('GET', '/words')).json()) as { version: number; cache: unknown; guardrails: unknown[]; guardrailMessage: unknown };
    expect(current.cache).toEqual({ enabled: false, ttlSeconds: 3600, cacheNonDeterministic: false });
    expect(current.guardrails).toHaveLength(1);
    expect(current.guardrailMessage).toBeNull();
    const refused = await admin('PATCH', '/words', { version: current.version, guardrails: [{ type: 'blocklist', patterns: ['(a+)+$'] }] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('(a+)+$');
    const saved = await admin('PATCH', '/words', { version: current.version, guardrails: [{ type: 'pii', mode: 'block' }], guardrailMessage: 'No personal data, please.', cache: { enabled: true, ttlSeconds: 60 } });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ guardrails: [{ type: 'pii', mode: 'block', stage: 'input' }], guardrailMessage: 'No personal data, please.', cache: { enabled: true, ttlSeconds: 60 } });
    const audit = (await (await fetch(`${harness.url}/api/ai/audit`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: Array<{ action: string; target: string; after: { guardrails?: unknown } | null }> };
    const change = audit.data.find((entry) => entry.action === 'feature.update' && entry.target === 'feature:words');
    expect(change?.after?.guardrails).toEqual([{ type: 'pii', mode: 'block', stage: 'input' }]);
  });
});

describe('a long text screened off the event loop', () => {
  // About 2 s of screening on a quiet machine, against a budget ten times the default's: what this checks is that
  // health answers meanwhile, not how fast the machine screens (the budget is wall time, which a busy machine stretches).
  let slow: Harness;
  beforeAll(async () => {
    slow = await startHarness({ features: FEATURES, blocklistPatternBudgetMs: 1_000 });
  });
  afterAll(() => slow.close());
  const chatWith = (target: Harness, body: object) =>
    fetch(`${target.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('screen a long message with a pattern that fails slowly off the event loop, answering health checks meanwhile', async () => {
    const filler = 'a'.repeat(1_000_000);
    let health = 0;
    let screened = false;
    const pending = chatWith(slow, { model: 'addresses', messages: user(`${filler} mail ada@example.com`) }).then((response) => {
      screened = true;
      return { status: response.status, health };
    });
    while (!screened) if ((await fetch(`${slow.url}/health/live`)).ok) health += 1;
    const { status, health: answeredWhileScreening } = await pending;
    expect(status).toBe(403);
    expect(answeredWhileScreening).toBeGreaterThan(0);
    expect(slow.emulator.generations({ kind: 'chat' })).toHaveLength(0);
  }, 20_000);
});
