import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { lastChatMessage, startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

// A streamed tool call's arguments are held back like content: the end of a string they hold that could still grow
// into a match waits for the next piece, and a match in `redact` mode is redacted inside its string, so the arguments
// the client joins are JSON still, and no part of the match is ever sent.
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'pii-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['email', 'card'] }] },
  { name: 'pii-block', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'block', kinds: ['email'] }] },
  { name: 'pattern-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', mode: 'redact', patterns: ['project-\\d{4}'] }] },
];

const HEAD = { id: 'gen-args-1', object: 'chat.completion.chunk', model: 'openai/gpt-4o-mini', provider: 'OpenAI', created: 1 };
const USAGE = `data: ${JSON.stringify({ ...HEAD, choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14, cost: 0.0001 } })}\n\n`;

/** One upstream chunk: a delta of a choice, and its finish. */
const event = (delta: Record<string, unknown>, choice = 0, finishReason: string | null = null) => `data: ${JSON.stringify({ ...HEAD, choices: [{ index: choice, delta, finish_reason: finishReason }] })}\n\n`;
/** The chunk that starts tool call `call` of a choice: its id and name, no arguments yet. */
const opens = (call: number, choice = 0) => event({ role: 'assistant', content: null, tool_calls: [{ index: call, id: `call_${choice}_${call}`, type: 'function', function: { name: 'send', arguments: '' } }] }, choice);
/** A chunk with a piece of the arguments of tool call `call` of a choice. */
const piece = (call: number, text: string, choice = 0) => event({ tool_calls: [{ index: call, function: { arguments: text } }] }, choice);
const finish = (choice = 0, reason = 'tool_calls') => event({}, choice, reason);

/** What the scripted upstream streams, by the last message of a request: its chunks, each in a read of its own. */
const answers = new Map<string, string[]>();

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream((request) => {
    const asked = lastChatMessage(request);
    const reads = asked === undefined ? undefined : answers.get(asked);
    return reads && { headers: { 'content-type': 'text/event-stream' }, reads: [...reads, `${USAGE}data: [DONE]\n\n`], pauseMs: 1 };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

type Call = { index?: number; function?: { arguments?: string } };
type Choice = { index?: number; delta?: { tool_calls?: Call[] }; finish_reason?: string | null };

/** Streams the chunks given for `name` through the chat route: the events, and the arguments each call joins to, by choice and call. */
async function streamed(model: string, name: string, reads: string[]) {
  answers.set(name, reads);
  const before = harness.usage.records.length;
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: name }] }),
  });
  const sse = parseSseBody(await response.text());
  const joined = new Map<string, string>();
  for (const chunk of sse.events) {
    for (const choice of (chunk['choices'] as Choice[] | undefined) ?? []) {
      for (const call of choice.delta?.tool_calls ?? []) {
        const key = `${choice.index ?? 0}:${call.index ?? 0}`;
        joined.set(key, (joined.get(key) ?? '') + (call.function?.arguments ?? ''));
      }
    }
  }
  await expect.poll(() => harness.usage.records.length - before).toBe(1);
  return { ...sse, joined, last: sse.events.at(-1), record: harness.usage.records.at(-1) };
}

describe('streamed tool-call arguments held back while they could become a match', () => {
  it('redacts an e-mail address split over three argument deltas inside its string, none of it sent before', async () => {
    const { joined, done, record } = await streamed('pii-redact', 'email in three', [opens(0), piece(0, '{"to":"ad'), piece(0, 'a@exam'), piece(0, 'ple.com","subject":"Hi"}'), finish()]);
    expect(done).toBe(true);
    // What the client joined is every piece it was sent: JSON, the address redacted, no prefix of it anywhere.
    const args = joined.get('0:0') ?? '';
    expect(args).toBe('{"to":"[REDACTED_EMAIL]","subject":"Hi"}');
    expect(JSON.parse(args)).toEqual({ to: '[REDACTED_EMAIL]', subject: 'Hi' });
    expect(record).toMatchObject({ status: 'ok', guardrails: [{ name: 'pii', stage: 'output', verdict: 'redact' }] });
  });

  it('stars out a blocklist pattern\'s match split over argument deltas inside its string, none of it sent before', async () => {
    const { joined, done, events } = await streamed('pattern-redact', 'pattern in arguments', [opens(0), piece(0, '{"q":"see project-12'), piece(0, '34 now"}'), finish()]);
    expect(done).toBe(true);
    expect(joined.get('0:0')).toBe('{"q":"see ************ now"}');
    expect(JSON.stringify(events)).not.toContain('project');
  });

  it('refuses an e-mail address split over argument deltas in block mode before any of it is sent', async () => {
    const { joined, done, last, record } = await streamed('pii-block', 'email blocked', [opens(0), piece(0, '{"to":"ad'), piece(0, 'a@exam'), piece(0, 'ple.com"}'), finish()]);
    expect(done).toBe(false);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { source: 'guardrail', guardrail: 'pii' } } });
    expect(joined.get('0:0')).toBe('{"to":"');
    expect(record).toMatchObject({ status: 'error', streamed: true, errorCode: 'content_policy_violation', guardrails: [{ name: 'pii', stage: 'output', verdict: 'block' }] });
  });

  it('reads through escapes: an address written with \\u0040 or after \\\\ is redacted, and the arguments stay JSON', async () => {
    const { joined } = await streamed('pii-redact', 'escaped', [opens(0), piece(0, '{"to":"ada\\u00'), piece(0, '40example.com","path":"C:\\\\Users\\\\bob@exa'), piece(0, 'mple.org\\\\x"}'), finish()]);
    const args = joined.get('0:0') ?? '';
    expect(JSON.parse(args)).toEqual({ to: '[REDACTED_EMAIL]', path: 'C:\\Users\\[REDACTED_EMAIL]\\x' });
    expect(args).not.toMatch(/ada|bob|u0040/);
  });

  it('redacts in several tool calls of a choice and in parallel choices, each on its own', async () => {
    const reads = [
      opens(0, 0), opens(0, 1),
      piece(0, '{"to":"ann@ex', 0), piece(0, '{"card":"4111 1111 ', 1),
      piece(0, 'ample.com"}', 0), piece(0, '1111 1111","to":"cy@example.', 1),
      opens(1, 0), piece(1, '{"cc":"dee@', 0), piece(0, 'com"}', 1), piece(1, 'example.com"}', 0),
      finish(0), finish(1),
    ];
    const { joined, done } = await streamed('pii-redact', 'many calls', reads);
    expect(done).toBe(true);
    expect(Object.fromEntries([...joined].map(([key, args]) => [key, JSON.parse(args) as unknown]))).toEqual({
      '0:0': { to: '[REDACTED_EMAIL]' },
      '0:1': { cc: '[REDACTED_EMAIL]' },
      '1:0': { card: '[REDACTED_CARD]', to: '[REDACTED_EMAIL]' },
    });
  });

  it('sends what is held of the arguments when the stream ends: with the finish chunk, or before [DONE] when none comes', async () => {
    for (const ending of [[finish(0, 'length')], []]) {
      const { joined, done, events } = await streamed('pii-redact', `cut off ${ending.length}`, [opens(0), piece(0, '{"q":"Order number 12'), piece(0, '34 for bob'), ...ending]);
      expect(done).toBe(true);
      expect(joined.get('0:0')).toBe('{"q":"Order number 1234 for bob');
      // The held end (a word that could have become an address) comes in an OpenAI chunk of the stream's head, with
      // the finish or before the usage chunk.
      const carrying = events.findIndex((sse) => JSON.stringify(sse).includes('"arguments":"bob"'));
      const finishReason = ending.length > 0 ? 'length' : null;
      expect(events[carrying]).toMatchObject({ id: 'gen-args-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'bob' } }] }, finish_reason: finishReason }] });
      expect(events.findIndex((sse) => 'usage' in sse)).toBeGreaterThan(carrying);
    }
  });

  it('refuses, rather than redacts, an address in a key, as in a JSON answer, before any of it is sent', async () => {
    const { joined, last } = await streamed('pii-redact', 'address key', [opens(0), piece(0, '{"ada@exa'), piece(0, 'mple.com":true}'), finish()]);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(joined.get('0:0')).toBe('{"');
  });

  it('refuses a card number written as a JSON number, which no string holds to redact it in, before any digit is sent', async () => {
    const { joined, last } = await streamed('pii-redact', 'card number', [opens(0), piece(0, '{"n":4111'), piece(0, '11111111'), piece(0, '1111}'), finish()]);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation' } });
    expect(joined.get('0:0')).toBe('{"n":');
  });
});
