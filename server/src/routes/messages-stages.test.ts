import Anthropic, { APIError, PermissionDeniedError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { MODERATION_MARKER } from '@insforge/openrouter-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { recordsSince as settledRecordsSince } from '../../test/records.js';

// The stages before forwarding on Anthropic's Messages API, as on chat completions and the Responses API: a feature's
// guardrails judge the input (system, text blocks, tool results) and the answer (JSON, and a stream's text deltas on
// the same windows and holds as a chat's). The response cache stays off for this route.

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

describe('the response cache on POST /v1/messages', () => {
  it('stays off: a repeated request is answered by the model again', async () => {
    const ask = () => anthropic.messages.create({ model: 'cached', max_tokens: 64, messages: [{ role: 'user', content: 'Cache me if you can' }] });
    const first = await ask();
    const second = await ask();
    expect(second.id).not.toBe(first.id);
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
