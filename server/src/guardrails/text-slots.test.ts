import { describe, expect, it } from 'vitest';
import { jsonStrings, mapJsonStrings, messageSlots, textSlotsOf } from './text-slots.js';

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
});
