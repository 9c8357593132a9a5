import { describe, expect, it } from 'vitest';
import { KeyWatch } from '../upstream/key-watch.js';
import { PlainChunks } from './stream-chunk-scan.js';

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}, finish: string | null = null) =>
  JSON.stringify({ id: 'gen-1', provider: 'OpenAI', model: 'openai/gpt-4o-mini', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }], ...extra });

function learned(raw: string): PlainChunks {
  const plain = new PlainChunks();
  plain.learn(JSON.parse(raw), raw);
  return plain;
}

describe('PlainChunks', () => {
  it('reads chunks shaped as a plain one it parsed: only the text differs, escapes counted as what they stand for', () => {
    const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
    for (const text of [' world', 'a "quoted" word', 'line\nbreak\ttab', 'back\\slash', 'é ✓ 😀', '</script>', '"usage": 1', '{"error":"x"}', '\u0001']) {
      expect(plain.length(chunk({ role: 'assistant', content: text })), text).toBe(text.length);
    }
  });

  it('leaves to the parse whatever does not fit: other fields, a finish, usage, an error, reasoning, tool calls, no text', () => {
    const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
    const parsed = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'no role' }),
      chunk({ role: 'assistant' }),
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, function: { arguments: '{' } }] }),
      chunk({ role: 'assistant', content: 'x', reasoning: 'thinking' }),
      chunk({ role: 'assistant', content: 'x' }, { usage: { total_tokens: 3 } }),
      chunk({ role: 'assistant', content: 'x' }, {}, 'stop'),
      JSON.stringify({ error: { code: 502, message: 'down' } }),
      chunk({ role: 'assistant', content: 'x' }).replace('"gen-1"', '"gen-2"'),
      // Text that would close the string early, or end inside an escape, is not one string: parsed.
      chunk({ role: 'assistant', content: 'x' }).replace('"content":"x"', '"content":"x","usage":{"a":"1"}'),
      chunk({ role: 'assistant', content: 'x' }).replace('"content":"x"', '"content":"x\\"'),
    ];
    for (const raw of parsed) expect(plain.length(raw), raw).toBeUndefined();
  });

  it('says where a chunk that fits the template has its text, and nothing for one that only looks like it', () => {
    const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
    const raw = chunk({ role: 'assistant', content: 'a "b"' });
    const text = plain.textOf(raw);
    expect(text && raw.slice(text[0], text[1])).toBe('a \\"b\\"');
    // The template around a text that closes its string and opens another field: not one piece of text.
    const forged = chunk({ role: 'assistant', content: 'x' }).replace('"content":"x"', '"content":"x","reasoning":"y"');
    expect(plain.textOf(forged)).toBeUndefined();
    expect(plain.textOf(chunk({ content: 'no role' }))).toBeUndefined();
  });

  it('learns only from plain chunks, and nothing before it has learned', () => {
    const raw = chunk({ role: 'assistant', content: 'Hello' });
    expect(new PlainChunks().length(raw)).toBeUndefined();
    for (const notPlain of [
      chunk({ role: 'assistant', content: 'x', reasoning: 'r' }),
      chunk({ role: 'assistant', content: 'x' }, { usage: { total_tokens: 1 } }),
      chunk({ role: 'assistant', content: '' }),
      JSON.stringify({ choices: [{ delta: { content: 'x' } }] }, null, 2),
      // Two `"content":"` keys: which one is the delta's is not taken on trust.
      JSON.stringify({ note: { content: 'y' }, choices: [{ delta: { content: 'x' } }] }),
    ]) {
      expect(learned(notPlain).length(raw), notPlain).toBeUndefined();
    }
  });

  describe('plainRun: whole events in the bytes of the upstream body', () => {
    const event = (text: string) => `data: ${chunk({ role: 'assistant', content: text })}\n\n`;
    const texts = [' world', 'a "quoted" word', 'line\nbreak\ttab', 'back\\slash', 'é ✓ 😀 𝄞', '</script>', '"usage": 1', '\u0001'];

    it('takes a run of plain events and counts their text as the string path counts it', () => {
      const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
      const read = Buffer.from(texts.map(event).join(''));
      expect(plain.plainRun(read, 0)).toEqual({ end: read.length, count: texts.reduce((sum, text) => sum + text.length, 0) });
      for (const text of texts) expect(plain.plainRun(Buffer.from(event(text)), 0).count, text).toBe(plain.length(chunk({ role: 'assistant', content: text })));
      // From any event boundary, not only the start.
      const offset = Buffer.byteLength(event(texts[0] as string));
      expect(plain.plainRun(read, offset).end).toBe(read.length);
    });

    it('with a key watch, stops before the event that would hold or complete a piece of the secret, and counts only what it took', () => {
      const secret = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
      const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
      const watch = new KeyWatch(secret);
      const read = Buffer.from([' a', ' key 012', '345', ' more'].map(event).join(''));
      const run = plain.plainRun(read, 0, watch);
      expect(run).toEqual({ end: Buffer.byteLength(event(' a') + event(' key 012')), count: ' a key 012'.length });
      // The event turned down was not taken into the watch: parsed next, it is held.
      const out: unknown[] = [];
      watch.take({ kind: 'data', data: chunk({ role: 'assistant', content: '345' }), event: undefined }, out as never[]);
      expect(watch.holding).toBe(true);
    });

    it('stops at the first event that is not a whole plain one', () => {
      const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
      const first = event('one');
      const rests = [
        '',
        event('two').slice(0, -1),
        event('two').slice(0, 40),
        'data: [DONE]\n\n',
        ': OPENROUTER PROCESSING\n\n',
        event('two').replace('\n\n', '\r\n\r\n'),
        event('two').replace('data: ', 'data:'),
        `\n${event('two')}`,
        event(''),
        `data: ${chunk({ role: 'assistant', content: 'x' }, {}, 'stop')}\n\n`,
        `data: ${chunk({ role: 'assistant', content: 'x' }, { usage: { total_tokens: 3 } })}\n\n`,
        event('x').replace('"content":"x"', '"content":"x","usage":{"a":"1"}'),
        event('x').replace('"content":"x"', '"content":"x\\"'),
      ];
      for (const rest of rests) expect(plain.plainRun(Buffer.from(first + rest), 0), JSON.stringify(rest)).toEqual({ end: Buffer.byteLength(first), count: 3 });
      expect(plain.plainRun(Buffer.from(`data: [DONE]\n\n${first}`), 0)).toEqual({ end: 0, count: 0 });
    });

    it('takes nothing before it has learned, nor bytes that are not UTF-8', () => {
      expect(new PlainChunks().plainRun(Buffer.from(event('one')), 0)).toEqual({ end: 0, count: 0 });
      const plain = learned(chunk({ role: 'assistant', content: 'Hello' }));
      // A lone continuation byte inside the text: the decoder's path replaces it, so the run is refused whole.
      const bytes = Buffer.from(event('one') + event('ab'));
      bytes[bytes.lastIndexOf('ab')] = 0x80;
      expect(plain.plainRun(bytes, 0)).toEqual({ end: 0, count: 0 });
    });
  });
});
