import { describe, expect, it } from 'vitest';
import { JsonStringDecoder, jsonStrings, mapJsonStrings, messageSlots, textSlotsOf } from './text-slots.js';

describe('text slots', () => {
  it('read a message\'s content, reasoning and tool-call arguments, marking what a redaction may not rewrite as text', () => {
    const message = {
      role: 'assistant',
      content: [{ type: 'text', text: 'Looking.' }],
      reasoning: 'Think.',
      reasoning_details: [{ type: 'reasoning.text', text: 'Think.', signature: 'c2ln' }, { type: 'reasoning.summary', summary: 'In short.' }, { type: 'reasoning.encrypted', data: 'opaque' }],
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    };
    expect(messageSlots(message).map(({ text, rewrite }) => [text, rewrite])).toEqual([
      ['Looking.', 'text'],
      ['Think.', 'text'],
      ['Think.', 'none'],
      ['In short.', 'text'],
      ['{"q":"x"}', 'json'],
    ]);
  });

  it('read the prose of tool definitions and of a json_schema response format, and write a replacement back in place', () => {
    const body = {
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', description: 'Finds.', parameters: { type: 'object', properties: { q: { type: 'string', title: 'Query', description: 'What to find.' } } } } }],
      response_format: { type: 'json_schema', json_schema: { name: 's', description: 'A result.', schema: { type: 'object', properties: { a: { type: 'string', description: 'An answer.' } } } } },
    };
    const { slots, messageCount } = textSlotsOf({ kind: 'chat', feature: undefined, models: [], body, apiKey: 'k' } as never);
    expect(messageCount).toBe(1);
    expect(slots.map((slot) => slot.text).sort()).toEqual(['A result.', 'An answer.', 'Finds.', 'Query', 'What to find.', 'hi']);
    slots.find((slot) => slot.text === 'What to find.')?.replace('[REDACTED]');
    expect(body.tools[0]?.function.parameters.properties.q.description).toBe('[REDACTED]');
  });

  it('rewrite only the string values of JSON, keeping keys and numbers, and decode escapes when reading it', () => {
    expect(mapJsonStrings('{"to": "ada@example.com", "n": 5551234567, "list": ["ada@example.com"]}', (text) => text.replace('ada@example.com', 'X'))).toBe('{"to":"X","n":5551234567,"list":["X"]}');
    expect(mapJsonStrings('{"q": "unclosed', (text) => text)).toBeUndefined();
    expect(jsonStrings('{"to":"ada\\u0040example.com"}')).toEqual(['to', 'ada@example.com']);
    const deep = `${'['.repeat(100_000)}"x"${']'.repeat(100_000)}`;
    expect(jsonStrings(deep)).toEqual(['x']);
    expect(mapJsonStrings(deep, (text) => text)).toBeUndefined();
  });

  it('read a predicted output, a string or text parts, and not the labels the model never sees', () => {
    const body = { messages: [{ role: 'user', content: 'hi' }], prediction: { type: 'content', content: 'Predicted.' }, metadata: { team: 'a' }, session_id: 's', trace: { trace_id: 't' }, user: 'u' };
    expect(textSlotsOf({ kind: 'chat', feature: undefined, models: [], body, apiKey: 'k' } as never).slots.map((slot) => slot.text)).toEqual(['hi', 'Predicted.']);
    const parts = { messages: [], prediction: { type: 'content', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] } };
    const { slots } = textSlotsOf({ kind: 'chat', feature: undefined, models: [], body: parts, apiKey: 'k' } as never);
    slots[1]?.replace('[REDACTED]');
    expect(parts.prediction.content).toEqual([{ type: 'text', text: 'One.' }, { type: 'text', text: '[REDACTED]' }]);
  });

  it('decode the strings of JSON that comes in pieces as JSON.parse does, wherever a piece ends', () => {
    const json = JSON.stringify({ 'k\\"ey': 'C:\\Windows\\System32', to: 'ada\u0040example.com', list: ['say "hi"\n', 5, 'é😀'] }).replace('@', '\\u0040').replace('😀', '\\ud83d\\ude00');
    const expected = jsonStrings(json);
    for (let cut = 0; cut <= json.length; cut++) {
      for (const size of [1, 3, json.length]) {
        const decoder = new JsonStringDecoder();
        const strings: string[] = [];
        const pieces = [json.slice(0, cut), ...(json.slice(cut).match(new RegExp(`[^]{1,${size}}`, 'g')) ?? [])];
        for (const piece of pieces) {
          for (const run of decoder.write(piece)) {
            if (run.opens) strings.push(run.text);
            else strings[strings.length - 1] += run.text;
          }
        }
        expect(strings.sort()).toEqual([...(expected ?? [])].sort());
      }
    }
  });

  it('tell whether a string has held an escape, so a reader can skip what the raw text already shows', () => {
    const decoder = new JsonStringDecoder();
    expect(decoder.write('{"a":"plain","b":"x\\')).toEqual([
      { text: 'a', opens: true, escaped: false },
      { text: 'plain', opens: true, escaped: false },
      { text: 'b', opens: true, escaped: false },
      { text: 'x', opens: true, escaped: true },
    ]);
    expect(decoder.write('u0040y"}')).toEqual([{ text: '@y', opens: false, escaped: true }]);
  });
});
