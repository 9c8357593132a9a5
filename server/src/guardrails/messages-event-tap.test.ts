import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import type { FeatureInput } from '../features/feature.js';

// A Messages stream's text is judged on the same windows and holds as a chat's: the end of a block's text that could
// still grow into a match is held back until its `content_block_stop` decides it, and is then sent as one more delta
// before the stop, so the deltas the client joins are the text as the guardrails let it through.
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'emails', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
  { name: 'words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['nightingale'] }] },
  { name: 'emails-blocked', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'block', kinds: ['email'] }] },
  { name: 'pattern', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', patterns: ['project-\\d{4}'] }] },
  { name: 'pattern-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', mode: 'redact', patterns: ['project-\\d{4}'] }] },
];

const MESSAGE = { id: 'msg_held_1', type: 'message', role: 'assistant', model: 'openai/gpt-4o-mini', provider: 'OpenAI', content: [], stop_reason: null, stop_sequence: null };

/** The events OpenRouter streams for one text block whose text comes in `pieces` (or one tool call named `tool`). */
function eventsOf(pieces: string[], tool?: string): string[] {
  const event = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
  const block = tool === undefined ? { type: 'text', text: '' } : { type: 'tool_use', id: 'toolu_1', name: tool, input: {} };
  return [
    event('message_start', { message: { ...MESSAGE, usage: { input_tokens: 5, output_tokens: 1 } } }) + event('content_block_start', { index: 0, content_block: block }),
    ...pieces.map((piece) => event('content_block_delta', { index: 0, delta: tool === undefined ? { type: 'text_delta', text: piece } : { type: 'input_json_delta', partial_json: piece } })),
    event('content_block_stop', { index: 0 }) + event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9, cost: 0.0001 } }) + event('message_stop', {}),
  ];
}

/** What the scripted upstream streams, by the request's last message. */
const answers = new Map<string, string[]>();

let harness: Harness;
let upstream: ScriptedUpstream;
let anthropic: Anthropic;
beforeAll(async () => {
  upstream = await startScriptedUpstream((request) => {
    if (request.path !== '/messages') return undefined;
    const content = (JSON.parse(request.body.toString()) as { messages: Array<{ content: string }> }).messages.at(-1)?.content;
    const reads = content === undefined ? undefined : answers.get(content);
    return reads && { headers: { 'content-type': 'text/event-stream' }, reads, pauseMs: 1 };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl } });
  anthropic = new Anthropic({ baseURL: harness.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

/** Streams the scripted events for `name` through the gateway: what the client read. */
async function streamed(model: string, name: string, reads: string[]) {
  answers.set(name, reads);
  const events: RawMessageStreamEvent[] = [];
  let text = '';
  let failure: unknown;
  try {
    for await (const event of await anthropic.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: name }], stream: true })) {
      events.push(event);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
  } catch (error) {
    failure = error;
  }
  return { events, text, failure };
}

describe('a guardrail on a Messages stream', () => {
  it('holds the end of a text back until its block stops, then sends it redacted as one more delta before the stop', async () => {
    const before = harness.usage.records.length;
    const { events, text, failure } = await streamed('emails', 'email split', eventsOf(['Write to ada@exa', 'mple.com']));
    expect(failure).toBeUndefined();
    expect(text).toBe('Write to [REDACTED_EMAIL]');
    // The address was held whole: the second upstream delta sent nothing; the gateway's delta precedes the stop.
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events[3]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '[REDACTED_EMAIL]' } });
    expect(events[4]).toEqual({ type: 'content_block_stop', index: 0 });
    expect(JSON.stringify(events)).not.toContain('ada@');
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', completionCharacters: text.length, guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('stops a blocked word split over deltas before any of it is sent, with one error event, recorded once', async () => {
    const before = harness.usage.records.length;
    const { events, text, failure } = await streamed('words', 'word split', eventsOf(['The night', 'ingale sings']));
    expect(failure).toBeInstanceOf(APIError);
    expect(text).toBe('The ');
    expect(events.some((event) => event.type === 'content_block_stop' || event.type === 'message_stop')).toBe(false);
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(harness.usage.records.slice(before)).toMatchObject([{ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] }]);
  });

  it('stops a pattern\'s match split over deltas before any of it is sent, or stars it out whole', async () => {
    const blocked = await streamed('pattern', 'pattern split', eventsOf(['The code is project-12', '34 today']));
    expect(blocked.failure).toBeInstanceOf(APIError);
    expect(blocked.text).toBe('The code is ');
    const redacted = await streamed('pattern-redact', 'pattern redacted', eventsOf(['The code is project-12', '34 today']));
    expect(redacted.failure).toBeUndefined();
    expect(redacted.text).toBe('The code is ************ today');
    expect(JSON.stringify(redacted.events)).not.toContain('project');
  });

  it('stops a stream at a tool call whose name the blocklist matches, before the call is sent', async () => {
    const { events, failure } = await streamed('words', 'tool named', eventsOf(['{}'], 'nightingale_lookup'));
    expect(failure).toBeInstanceOf(APIError);
    expect(JSON.stringify(events)).not.toContain('nightingale');
  });

  it('holds back and redacts an address split over a tool call\'s input deltas inside its string', async () => {
    const before = harness.usage.records.length;
    const { failure, events } = await streamed('emails', 'tool input', eventsOf(['{"to":"ad', 'a@exam', 'ple.com","subject":"Hi"}'], 'send'));
    expect(failure).toBeUndefined();
    // Every piece the client was sent, joined: JSON, the address redacted inside its string, no prefix of it sent.
    const input = events.map((event) => (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta' ? event.delta.partial_json : '')).join('');
    expect(input).toBe('{"to":"[REDACTED_EMAIL]","subject":"Hi"}');
    expect(JSON.parse(input)).toEqual({ to: '[REDACTED_EMAIL]', subject: 'Hi' });
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('sends the held end of a tool call\'s input as one more delta before its block stops', async () => {
    const { events } = await streamed('emails', 'tool input cut', eventsOf(['{"q":"Order for bob'], 'send'));
    expect(events.slice(2, 5)).toEqual([
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":"Order for ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: 'bob' } },
      { type: 'content_block_stop', index: 0 },
    ]);
  });

  it('refuses an address split over a tool call\'s input deltas in block mode before any of it is sent', async () => {
    const before = harness.usage.records.length;
    const { failure, events } = await streamed('emails-blocked', 'tool input blocked', eventsOf(['{"to":"ad', 'a@exam', 'ple.com"}'], 'send'));
    expect(failure).toBeInstanceOf(APIError);
    const input = events.map((event) => (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta' ? event.delta.partial_json : '')).join('');
    expect(input).toBe('{"to":"');
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'pii', stage: 'output', verdict: 'block' }] });
  });
});
