import { describe, expect, it } from 'vitest';
import { composeReply, topicsOf } from './reply.js';
import { countPromptTokens, countTokens, splitTokens } from './tokens.js';

describe('tokens', () => {
  it('splits losslessly into pieces of about four characters', () => {
    const text = 'Streaming answers token by token,\n\nwith   spacing kept.';
    const pieces = splitTokens(text);
    expect(pieces.join('')).toBe(text);
    expect(pieces).toHaveLength(countTokens(text));
    expect(text.length / pieces.length).toBeGreaterThan(3);
  });

  it('counts a token per UTF-8 byte with the bytes tokenizer, as a byte-level tokenizer does at most', () => {
    for (const text of ['plain ascii', 'é and ü', '日本語のテキスト', 'emoji 😀👍🏽', '\ud800 lone']) expect(countTokens(text, 'bytes')).toBe(new TextEncoder().encode(text).length);
    expect(countPromptTokens([{ role: 'user', content: '日本語' }], undefined, 'bytes')).toBe(3 + 4 + 9);
  });

  it('counts prompt tokens over messages, parts of unknown kinds and tools; attachments are priced by the chat plan', () => {
    const plain = countPromptTokens([{ role: 'user', content: 'hello there' }]);
    const withImage = countPromptTokens([{ role: 'user', content: [{ type: 'text', text: 'hello there' }, { type: 'image_url', image_url: { url: 'x' } }] }]);
    expect(withImage).toBe(plain);
    // A video is an attachment too (billed by its length in the plan), not a part of an unknown kind.
    const withVideo = countPromptTokens([{ role: 'user', content: [{ type: 'text', text: 'hello there' }, { type: 'video_url', video_url: { url: 'x' } }] }]);
    expect(withVideo).toBe(plain);
    const withOther = countPromptTokens([{ role: 'user', content: [{ type: 'text', text: 'hello there' }, { type: 'input_hologram', input_hologram: { url: 'x' } }] }]);
    expect(withOther - plain).toBe(85);
    expect(countPromptTokens([{ role: 'user', content: 'hello there' }], [{ type: 'function' }])).toBeGreaterThan(plain);
  });
});

describe('composeReply', () => {
  it('quotes the user, reaches the asked length, and is equal for equal input', () => {
    const input = { userText: 'How should I shard a Postgres database?', seed: 's' };
    const reply = composeReply(input, 300);
    expect(reply.startsWith('You asked: "How should I shard a Postgres database?".')).toBe(true);
    expect(countTokens(reply)).toBeGreaterThanOrEqual(300);
    expect(countTokens(reply)).toBeLessThan(340);
    expect(composeReply(input, 300)).toBe(reply);
    expect(composeReply({ ...input, seed: 't' }, 300)).not.toBe(reply);
  });

  it('writes paragraphs, a list, and a code block for code questions once long enough', () => {
    const reply = composeReply({ userText: 'Write a TypeScript function that parses dates', seed: 'x' }, 400);
    expect(reply.split('\n\n').length).toBeGreaterThan(3);
    expect(reply).toContain('\n- ');
    expect(reply).toContain('```ts');
  });

  it('talks about the longest uncommon words of the question', () => {
    expect(topicsOf('Please explain about replication lag')).toEqual(['replication']);
    expect(topicsOf('?')).toEqual(['this topic']);
  });
});
