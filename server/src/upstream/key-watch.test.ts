import { describe, expect, it } from 'vitest';
import { holdFor, KeyWatch } from './key-watch.js';
import type { SseItem } from './sse-events.js';

const SECRET = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const chunk = (delta: Record<string, unknown>) => JSON.stringify({ id: 'gen-1', choices: [{ index: 0, delta }] });
const data = (text: string): SseItem => ({ kind: 'data', data: text, event: undefined });
/** The pieces `text` is cut into, `size` characters each. */
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));

/** What leaves the watch for these events, each as it went on, and when: the count of events taken before it left. */
function watched(events: SseItem[], secret = SECRET): { out: SseItem[]; leftAfter: number[] } {
  const watch = new KeyWatch(secret);
  const out: SseItem[] = [];
  const leftAfter: number[] = [];
  for (const [index, event] of events.entries()) {
    const before = out.length;
    watch.take(event, out);
    for (let count = before; count < out.length; count += 1) leftAfter.push(index + 1);
  }
  watch.flush(out);
  while (leftAfter.length < out.length) leftAfter.push(events.length + 1);
  return { out, leftAfter };
}
/** The text a client joins from the events' `field` of their delta. */
const joined = (items: SseItem[], field = 'content') =>
  items.map((item) => (item.kind === 'data' && item.data !== '[DONE]' ? ((JSON.parse(item.data) as { choices: Array<{ delta: Record<string, string> }> }).choices[0]?.delta[field] ?? '') : '')).join('');

describe('KeyWatch', () => {
  it('cuts a secret streamed a few characters per event, leaving fewer than its hold characters of it, under a quarter', () => {
    for (const secret of [SECRET, 'emulator-key', '01234567']) {
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const events = [data(chunk({ content: 'Bearer sk-or-v1-' })), ...pieces(`${secret} and on`, size).map((piece) => data(chunk({ content: piece })))];
        const { out } = watched(events, secret);
        expect(out).toHaveLength(events.length);
        const text = joined(out);
        const leaked = text.indexOf('[redacted]') - 'Bearer sk-or-v1-'.length;
        expect(text.replace(secret.slice(0, leaked), ''), `${secret} in pieces of ${size}`).toBe('Bearer sk-or-v1-[redacted] and on');
        expect(leaked).toBeLessThan(holdFor(secret.length));
        expect(leaked).toBeLessThan(secret.length / 4);
      }
    }
  });

  it('holds text ending in a short secret\'s first character no more: with the emulator\'s key, text ending in `e` goes on at once', () => {
    const events = [data(chunk({ content: 'Here is the' })), data(chunk({ content: ' answer, emu' })), data(chunk({ content: 'lated' }))];
    const { out, leftAfter } = watched(events, 'emulator-key');
    expect(out).toEqual(events);
    expect(leftAfter).toEqual([1, 3, 3]);
    expect(holdFor('emulator-key'.length)).toBe(3);
    expect(holdFor(SECRET.length)).toBe(4);
  });

  it('lets events held behind text ending in the start of the secret go on at the finish, not after 64 events or at the end', () => {
    const toolCall = (call: Record<string, unknown>) => chunk({ tool_calls: [{ index: 0, ...call }] });
    const events = [
      data(chunk({ content: 'Let me look that up 0123' })),
      data(toolCall({ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '' } })),
      data(toolCall({ function: { arguments: '{"q":' } })),
      data(toolCall({ function: { arguments: '"x"}' } })),
      // Text that spells a finish is none: its quotes are escaped.
      data(chunk({ reasoning: '{"finish_reason":"stop"}' })),
      data(JSON.stringify({ id: 'gen-1', choices: [{ index: 0, delta: {}, finish_reason: null }] })),
      data(JSON.stringify({ id: 'gen-1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })),
      data(JSON.stringify({ id: 'gen-1', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })),
    ];
    const { out, leftAfter } = watched(events);
    expect(out).toEqual(events);
    // Text may go on after a tool call (a model may write between its calls): until the finish, the events wait.
    expect(leftAfter).toEqual([7, 7, 7, 7, 7, 7, 7, 8]);
  });

  it('still cuts the rest of a secret that completes after the events held before it went on (past 64)', () => {
    const events = pieces(SECRET, 1).flatMap((piece) => [data(chunk({ content: piece })), data(chunk({ reasoning: 'thinking' }))]);
    const { out } = watched(events);
    const text = joined(out);
    expect(text).not.toContain(SECRET);
    expect(text).toMatch(/^[0-9a-f]{5,60}\[redacted\]$/);
    expect(SECRET.startsWith(text.replace('[redacted]', ''))).toBe(true);
  });

  it('holds an event whose text ends in the start of the secret, and lets it go as it came when the text goes elsewhere', () => {
    const events = [data(chunk({ content: 'x 0123' })), data(chunk({ content: '45' })), data(chunk({ content: ' no' })), data(chunk({ content: 'more' }))];
    const { out, leftAfter } = watched(events);
    expect(out).toEqual(events);
    expect(leftAfter).toEqual([3, 3, 3, 4]);
  });

  it('finds a secret spelled with \\u escapes in one value, and in pieces', () => {
    const escaped = [...SECRET].map((character) => `\\u00${character.charCodeAt(0).toString(16)}`).join('');
    const whole = watched([data(`{"choices":[{"delta":{"content":"key: ${escaped}!"}}]}`)]).out;
    expect(joined(whole)).toBe('key: [redacted]!');
    const split = escaped.length / 2;
    const halves = watched([data(`{"choices":[{"delta":{"content":"${escaped.slice(0, split)}"}}]}`), data(`{"choices":[{"delta":{"content":"${escaped.slice(split)}"}}]}`)]).out;
    expect(joined(halves)).toBe('[redacted]');
  });

  it('keeps fields apart: a secret across `reasoning` pieces is cut while `content` pieces come between them', () => {
    const events = pieces(SECRET, 8).flatMap((piece) => [data(chunk({ reasoning: piece })), data(chunk({ content: 'x' }))]);
    const { out } = watched(events);
    expect(joined(out, 'reasoning')).not.toContain(SECRET.slice(0, 8));
    expect(joined(out, 'reasoning')).toBe('[redacted]');
    expect(joined(out, 'content')).toBe('x'.repeat(8));
  });

  it('reads the letters of escapes as what they stand for: `\\n` before a secret starting with n is no n', () => {
    const secret = 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn';
    const { out, leftAfter } = watched([data(chunk({ content: 'a\nb\n' })), data(chunk({ content: 'c' }))], secret);
    expect(leftAfter).toEqual([1, 2]);
    expect(joined(out)).toBe('a\nb\nc');
  });

  it('keeps comments in their place among held events, and lets everything go at [DONE]', () => {
    const comment: SseItem = { kind: 'comment', text: ' OPENROUTER PROCESSING' };
    const events = [data(chunk({ content: '0123456' })), comment, data('[DONE]')];
    const { out, leftAfter } = watched(events);
    expect(out).toEqual(events);
    expect(leftAfter).toEqual([3, 3, 3]);
  });

  it('lets held events go on after 64 of them, so a stream is never held whole', () => {
    const events = [data(chunk({ content: '0123456' })), ...Array.from({ length: 70 }, () => data(chunk({ reasoning: 'thinking' })))];
    const { out, leftAfter } = watched(events);
    expect(out).toEqual(events);
    expect(leftAfter[0]).toBe(64);
  });

  it('cuts every copy in one value, and a secret that begins in one value of an event and ends in the next event', () => {
    const events = [data(chunk({ content: `${SECRET} ${SECRET} ${SECRET.slice(0, 40)}` })), data(chunk({ content: `${SECRET.slice(40)}.` }))];
    expect(joined(watched(events).out)).toBe('[redacted] [redacted] [redacted].');
  });

  it('passes raw text that cannot touch the secret with one search, and turns down text that holds or completes it', () => {
    const watch = new KeyWatch(SECRET);
    const bytes = (text: string) => Buffer.from(`"${text}"`);
    const plain = bytes('hello world');
    expect(watch.passesRaw(plain, 1, plain.length - 1)).toBe(true);
    const start = bytes('tail 01');
    expect(watch.passesRaw(start, 1, start.length - 1)).toBe(true);
    const more = bytes('23');
    // Four characters of the secret: the event must be held, so it is parsed instead (and nothing was advanced).
    expect(watch.passesRaw(more, 1, more.length - 1)).toBe(false);
    const out: SseItem[] = [];
    watch.take(data(chunk({ content: '23' })), out);
    expect(out).toEqual([]);
    expect(watch.holding).toBe(true);
  });
});
