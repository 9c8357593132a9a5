import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { lastChatMessage, startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

// A streamed answer holds back the end of its text that could still grow into a match, so a card number, a phone
// number or a blocked word split over many chunks is decided whole, before any of it is sent.
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'pii-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact' }] },
  { name: 'pii-block', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'block' }] },
  { name: 'cards', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'pii', stage: 'output', mode: 'redact', kinds: ['card'] }] },
  { name: 'words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', mode: 'redact', words: ['nightingale'] }] },
  { name: 'pattern-block', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', patterns: ['project-\\d{4}'] }] },
  { name: 'pattern-redact', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', mode: 'redact', patterns: ['project-\\d{4}'] }] },
];

const HEAD = { id: 'gen-held-1', object: 'chat.completion.chunk', model: 'openai/gpt-4o-mini', provider: 'OpenAI', created: 1 };
const event = (delta: Record<string, unknown>, finishReason: string | null = null) => `data: ${JSON.stringify({ ...HEAD, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;
const USAGE = `data: ${JSON.stringify({ ...HEAD, choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14, cost: 0.0001 } })}\n\n`;

/** The answers the scripted upstream streams, by the last message of a request: its pieces, and whether it finishes. */
const answers = new Map<string, { pieces: string[]; finish: boolean }>();

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream((request) => {
    const asked = lastChatMessage(request);
    if (asked === undefined) return undefined;
    const { pieces, finish } = answers.get(asked) ?? { pieces: ['Fine.'], finish: true };
    const content = pieces.map((piece) => event({ content: piece }));
    return {
      headers: { 'content-type': 'text/event-stream' },
      // Each piece in a read of its own, so each is a chunk the gateway decides before the next arrives.
      reads: [event({ role: 'assistant', content: '' }), ...content, `${finish ? event({}, 'stop') : ''}${USAGE}data: [DONE]\n\n`],
      pauseMs: 1,
    };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

/** One piece per character. */
const characters = (text: string) => [...text];

/** Streams an answer made of `pieces` through the OpenAI route, and what the client read of each event. */
async function streamed(model: string, pieces: string[], finish = true) {
  const name = `${model}: ${pieces.join('')} ${String(finish)}`;
  answers.set(name, { pieces, finish });
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: name }] }),
  });
  const sse = parseSseBody(await response.text());
  const texts = sse.events.map((sse) => (sse['choices'] as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? '');
  return { ...sse, texts, content: texts.join(''), last: sse.events.at(-1), name };
}

describe('a streamed answer held back while it could become a match', () => {
  it.each([
    ['one digit per chunk', characters('Pay with 4111111111111111 today.')],
    ['spaces, a character per chunk', characters('Pay with 4111 1111 1111 1111 today.')],
    ['dashes, in uneven pieces', ['Pay with 41', '11-1', '111-11', '11-111', '1 today.']],
  ])('redacts a card number split over chunks (%s) before any of its digits is sent', async (_name, pieces) => {
    const { content, texts, done } = await streamed('pii-redact', pieces);
    expect(done).toBe(true);
    expect(content).toBe('Pay with [REDACTED_CARD] today.');
    // Not one event carried a digit of it, in clear.
    expect(texts.filter((text) => /\d/.test(text))).toEqual([]);
  });

  it('blocks a card number split over chunks in block mode, none of its digits sent', async () => {
    const { content, last, done } = await streamed('pii-block', characters('Pay with 4111 1111 1111 1111 today.'));
    expect(done).toBe(false);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'pii' } } });
    expect(content).toBe('Pay with ');
  });

  it('redacts a phone number split one character per chunk', async () => {
    const { content, texts } = await streamed('pii-redact', characters('Call 555-123-4567 now.'));
    expect(content).toBe('Call [REDACTED_PHONE] now.');
    expect(texts.filter((text) => /\d/.test(text))).toEqual([]);
  });

  it('lets a number that is no card (its Luhn check fails) through whole, in order, nothing lost or repeated', async () => {
    for (const [model, text] of [['pii-redact', 'Order 4111111111111112 shipped.'], ['cards', 'Order 4111 1111 1111 1112 shipped, 2 boxes.']] as const) {
      const { content, done } = await streamed(model, characters(text));
      expect(done).toBe(true);
      expect(content).toBe(text);
    }
  });

  it('sends held text when the stream ends: with the finish chunk, or before [DONE] when no finish comes', async () => {
    for (const finish of [true, false]) {
      const { content, events, done } = await streamed('pii-redact', ['Your order is number ', '12', '34'], finish);
      expect(done).toBe(true);
      expect(content).toBe('Your order is number 1234');
      // The held digits come in an OpenAI chunk of the stream's id and model, before the usage chunk.
      const carrying = events.findIndex((sse) => JSON.stringify(sse).includes('1234'));
      expect(events[carrying]).toMatchObject({ id: 'gen-held-1', object: 'chat.completion.chunk', model: 'openai/gpt-4o-mini' });
      expect(events.findIndex((sse) => 'usage' in sse)).toBeGreaterThan(carrying);
      if (finish) expect(events[carrying]).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    }
    const { content } = await streamed('pii-redact', ['Write to ', 'ada@exam', 'ple.com'], false);
    expect(content).toBe('Write to [REDACTED_EMAIL]');
  });

  it('stars out a blocked word that comes a letter per chunk, none of it sent before', async () => {
    const { content, texts } = await streamed('words', characters('Hear the nightingale sing, nights long.'));
    expect(content).toBe('Hear the *********** sing, nights long.');
    expect(texts.join('|')).not.toMatch(/n\|i\|g/);
  });

  it('refuses a pattern\'s match split over two chunks before any of it is sent', async () => {
    const { content, last, done } = await streamed('pattern-block', ['The code is project-12', '34, not more.']);
    expect(done).toBe(false);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
    expect(content).toBe('The code is ');
  });

  it('stars out a pattern\'s match split over chunks, none of it sent in clear, and lets a near miss through', async () => {
    const { content, texts } = await streamed('pattern-redact', ['The code is project-12', '34, not ', 'project-12x.']);
    expect(content).toBe('The code is ************, not project-12x.');
    // The start of the match waited for the chunk that made it whole; the near miss waited for the one that undid it.
    expect(texts.filter((text) => /project-12$|^34/.test(text))).toEqual([]);
    expect(texts.filter((text) => text !== '')).toEqual(['The code is ', '************, not ', 'project-12x.']);
  });

  it('is read by the openai SDK and the AI SDK as the redacted text', async () => {
    const pieces = characters('Card 4111 1111 1111 1111, phone 555-123-4567.');
    const expected = 'Card [REDACTED_CARD], phone [REDACTED_PHONE].';
    const openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    answers.set('sdk', { pieces, finish: true });
    let text = '';
    const stream = await openai.chat.completions.create({ model: 'pii-redact', stream: true, messages: [{ role: 'user', content: 'sdk' }] });
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(expected);
    const provider = createOpenAICompatible({ name: 'insforge', baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY });
    const result = streamText({ model: provider('pii-redact'), prompt: 'sdk' });
    expect(await result.text).toBe(expected);
  });

  it('holds back on the InsForge route too', async () => {
    const name = 'insforge route';
    answers.set(name, { pieces: characters('Pay with 4111 1111 1111 1111 today.'), finish: true });
    const response = await fetch(`${harness.url}/api/ai/chat/completion`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'pii-redact', stream: true, messages: [{ role: 'user', content: name }] }),
    });
    const { events } = parseSseBody(await response.text());
    const chunks = events.map((sse) => (typeof sse['chunk'] === 'string' ? sse['chunk'] : ''));
    expect(chunks.join('')).toBe('Pay with [REDACTED_CARD] today.');
    expect(chunks.filter((chunk) => /\d/.test(chunk))).toEqual([]);
    expect(events.at(-1)).toMatchObject({ done: true });
  });
});
