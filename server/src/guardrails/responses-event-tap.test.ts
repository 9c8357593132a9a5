import OpenAI, { APIError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import type { FeatureInput } from '../features/feature.js';

// A Responses stream's text is judged on the same windows and holds as a chat's: the end of a text that could still
// grow into a match is held back until its `.done` event decides it, and what the client reads — the deltas joined,
// the `.done` events, the final response — is the text as the guardrails let it through.
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'emails', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email'] }] },
  { name: 'words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['nightingale'] }] },
  { name: 'emails-blocked', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'block', kinds: ['email'] }] },
  { name: 'pattern', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', patterns: ['project-\\d{4}'] }] },
  { name: 'pattern-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', mode: 'redact', patterns: ['project-\\d{4}'] }] },
];

const RESPONSE = { id: 'resp_held_1', object: 'response', created_at: 1, model: 'openai/gpt-4o-mini', provider: 'OpenAI' };
const USAGE = { input_tokens: 5, output_tokens: 9, total_tokens: 14, cost: 0.0001, output_tokens_details: { reasoning_tokens: 0 }, input_tokens_details: { cached_tokens: 0 } };

/** The events OpenRouter streams for one message whose text comes in `pieces` (none: the final events carry it only). */
function eventsOf(pieces: string[], whole = pieces.join(''), annotations: unknown[] = []): string[] {
  let sequence = 0;
  const event = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: sequence++ })}\n\n`;
  const at = { item_id: 'msg_1', output_index: 0 };
  const part = { type: 'output_text', text: whole, annotations };
  const item = { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [part] };
  return [
    event('response.created', { response: { ...RESPONSE, status: 'in_progress', output: [], usage: null } }),
    event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }) + event('response.content_part.added', { ...at, content_index: 0, part: { ...part, text: '' } }),
    ...pieces.map((piece) => event('response.output_text.delta', { ...at, content_index: 0, delta: piece, logprobs: [] })),
    ...annotations.map((annotation, index) => event('response.output_text.annotation.added', { ...at, content_index: 0, annotation_index: index, annotation })),
    event('response.output_text.done', { ...at, content_index: 0, text: whole, logprobs: [] }) +
      event('response.content_part.done', { ...at, content_index: 0, part }) +
      event('response.output_item.done', { output_index: 0, item }) +
      event('response.completed', { response: { ...RESPONSE, status: 'completed', output: [item], usage: USAGE } }),
  ];
}

/** The events OpenRouter streams for one function call whose arguments come in `pieces`. */
function callEventsOf(pieces: string[]): string[] {
  let sequence = 0;
  const event = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: sequence++ })}\n\n`;
  const at = { item_id: 'fc_1', output_index: 0 };
  const item = { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'send', arguments: pieces.join('') };
  return [
    event('response.created', { response: { ...RESPONSE, status: 'in_progress', output: [], usage: null } }) + event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }),
    ...pieces.map((piece) => event('response.function_call_arguments.delta', { ...at, delta: piece })),
    event('response.function_call_arguments.done', { ...at, arguments: item.arguments }) +
      event('response.output_item.done', { output_index: 0, item }) +
      event('response.completed', { response: { ...RESPONSE, status: 'completed', output: [item], usage: USAGE } }),
  ];
}

/** The arguments of the function call a client joins from the deltas it read. */
const argumentsOf = (events: ResponseStreamEvent[]) => events.map((event) => (event.type === 'response.function_call_arguments.delta' ? event.delta : '')).join('');

/** What the scripted upstream streams, by the request's input. */
const answers = new Map<string, string[]>();

let harness: Harness;
let upstream: ScriptedUpstream;
let openai: OpenAI;
beforeAll(async () => {
  upstream = await startScriptedUpstream((request) => {
    if (request.path !== '/responses') return undefined;
    const input = (JSON.parse(request.body.toString()) as { input: Array<{ content: string }> }).input.at(-1)?.content;
    const reads = input === undefined ? undefined : answers.get(input);
    return reads && { headers: { 'content-type': 'text/event-stream' }, reads, pauseMs: 1 };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl } });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

/** Streams the scripted events for `name` through the gateway: what the client read. */
async function streamed(model: string, name: string, reads: string[]) {
  answers.set(name, reads);
  const events: ResponseStreamEvent[] = [];
  let text = '';
  let failure: unknown;
  try {
    for await (const event of await openai.responses.create({ model, input: name, stream: true })) {
      events.push(event);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
  } catch (error) {
    failure = error;
  }
  return { events, text, failure };
}

describe('a guardrail on a Responses stream', () => {
  it('holds the end of a text back until its done event, then sends it redacted as one more delta, numbered in order', async () => {
    const before = harness.usage.records.length;
    const { events, text, failure } = await streamed('emails', 'email split', eventsOf(['Write to ada@exa', 'mple.com']));
    expect(failure).toBeUndefined();
    expect(text).toBe('Write to [REDACTED_EMAIL]');
    const types = events.map((event) => event.type);
    // The address was held whole: the second upstream delta sent nothing; the gateway's delta precedes the done event.
    expect(types.slice(types.indexOf('response.output_text.delta'))).toEqual(['response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const done = events.find((event) => event.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' && done.text).toBe(text);
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.output).toEqual([expect.objectContaining({ content: [expect.objectContaining({ text })] })]);
    expect(JSON.stringify(events)).not.toContain('ada@');
    // The record counts the characters the client was sent, the gateway's own delta included.
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', completionCharacters: text.length, guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('holds back and redacts an address split over function-call argument deltas: the deltas, the done events and the response carry the same JSON', async () => {
    const before = harness.usage.records.length;
    const { events, failure } = await streamed('emails', 'call split', callEventsOf(['{"to":"ad', 'a@exam', 'ple.com","subject":"Hi"}']));
    expect(failure).toBeUndefined();
    // Every piece the client was sent, joined: JSON, the address redacted inside its string, no prefix of it sent.
    const args = argumentsOf(events);
    expect(args).toBe('{"to":"[REDACTED_EMAIL]","subject":"Hi"}');
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    const done = events.find((event) => event.type === 'response.function_call_arguments.done');
    expect(done?.type === 'response.function_call_arguments.done' && done.arguments).toBe(args);
    const item = events.find((event) => event.type === 'response.output_item.done');
    expect(item?.type === 'response.output_item.done' && item.item).toMatchObject({ type: 'function_call', arguments: args });
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.output).toEqual([expect.objectContaining({ arguments: args })]);
    expect(JSON.stringify(events)).not.toContain('example.com');
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('refuses an address split over function-call argument deltas in block mode before any of it is sent', async () => {
    const before = harness.usage.records.length;
    const { events, failure } = await streamed('emails-blocked', 'call blocked', callEventsOf(['{"to":"ad', 'a@exam', 'ple.com"}']));
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).code).toBe('content_policy_violation');
    expect(argumentsOf(events)).toBe('{"to":"');
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'pii', stage: 'output', verdict: 'block' }] });
  });

  it('judges a text the final events carry whole when no delta carried it', async () => {
    const { events, failure } = await streamed('emails', 'email whole', eventsOf([], 'Write to ada@example.com'));
    expect(failure).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('ada@');
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.output).toEqual([expect.objectContaining({ content: [expect.objectContaining({ text: 'Write to [REDACTED_EMAIL]' })] })]);
  });

  it('stops a blocked word split over deltas before any of it is sent, with one error event after the last, recorded once', async () => {
    const before = harness.usage.records.length;
    const { events, text, failure } = await streamed('words', 'word split', eventsOf(['The night', 'ingale sings']));
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).code).toBe('content_policy_violation');
    expect(text).toBe('The ');
    expect(events.some((event) => event.type === 'response.output_text.done' || event.type === 'response.completed')).toBe(false);
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(harness.usage.records.slice(before)).toMatchObject([{ status: 'error', streamed: true, errorCode: 'content_policy_violation', completionCharacters: 'The '.length, guardrails: [{ name: 'blocklist', stage: 'output', verdict: 'block' }] }]);
  });

  it('stops a pattern\'s match split over deltas before any of it is sent, or stars it out whole in the deltas and the done events', async () => {
    const blocked = await streamed('pattern', 'pattern split', eventsOf(['The code is project-12', '34 today']));
    expect(blocked.failure).toBeInstanceOf(APIError);
    expect((blocked.failure as APIError).code).toBe('content_policy_violation');
    expect(blocked.text).toBe('The code is ');
    const redacted = await streamed('pattern-redact', 'pattern redacted', eventsOf(['The code is project-12', '34 today']));
    expect(redacted.failure).toBeUndefined();
    expect(redacted.text).toBe('The code is ************ today');
    const done = redacted.events.find((event) => event.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' && done.text).toBe(redacted.text);
    expect(JSON.stringify(redacted.events)).not.toContain('project');
  });

  it('stops a stream at a citation the blocklist matches, before the citation is sent', async () => {
    const citation = { type: 'url_citation', url: 'https://example.com/birds', title: 'The nightingale', start_index: 0, end_index: 5 };
    const { events, failure } = await streamed('words', 'cited', eventsOf(['Birds sing.'], 'Birds sing.', [citation]));
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).code).toBe('content_policy_violation');
    expect(JSON.stringify(events)).not.toContain('nightingale');
  });

  it('refuses a stream that asks for the tokens of its text where a rule reads the answer, before anything is sent', async () => {
    const response = await fetch(`${harness.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'emails', input: 'tokens', stream: true, include: ['message.output_text.logprobs'] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_parameter', param: 'include' } });
  });
});
