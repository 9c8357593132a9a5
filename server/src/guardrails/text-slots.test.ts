import { describe, expect, it } from 'vitest';
import { answerSlots, jsonStrings, mapJsonStrings, messageSlots, responsesAnswerSlots, textSlotsOf, type TextSlot } from './text-slots.js';

const chatSlots = (body: Record<string, unknown>): TextSlot[] => textSlotsOf({ kind: 'chat', feature: undefined, models: [], body, apiKey: 'k' }).slots;
const readable = (slots: TextSlot[]) => slots.map(({ text, rewrite }) => [text, rewrite]);

describe('text slots', () => {
  it('read a message\'s content, reasoning and tool-call arguments, marking what a redaction may not rewrite as text', () => {
    const message = {
      role: 'assistant',
      content: [{ type: 'text', text: 'Looking.' }],
      reasoning: 'Think.',
      reasoning_details: [{ type: 'reasoning.text', text: 'Think.', signature: 'c2ln' }, { type: 'reasoning.summary', summary: 'In short.' }, { type: 'reasoning.encrypted', data: 'opaque' }],
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    };
    expect(readable(messageSlots(message))).toEqual([
      ['Looking.', 'text'],
      ['Think.', 'text'],
      ['Think.', 'none'],
      ['In short.', 'text'],
      ['lookup', 'none'],
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
    expect(slots.filter((slot) => slot.rewrite === 'text').map((slot) => slot.text).sort()).toEqual(['A result.', 'An answer.', 'Finds.', 'Query', 'What to find.', 'hi']);
    slots.find((slot) => slot.text === 'What to find.')?.replace('[REDACTED]');
    expect(body.tools[0]?.function.parameters.properties.q.description).toBe('[REDACTED]');
  });

  it('read stop sequences and the links of images, files and videos, marking them as never rewritten', () => {
    const parts = [
      { type: 'image_url', image_url: { url: 'https://a.test/night%69ngale.png' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'file', file: { filename: 'a.pdf', file_data: 'https://a.test/a.pdf?q=two+words' } },
      { type: 'video_url', video_url: { url: 'https://a.test/v.mp4' } },
    ];
    expect(readable(chatSlots({ messages: [{ role: 'user', content: parts }], stop: ['END', 'STOP'] }))).toEqual([
      ['https://a.test/nightingale.png', 'none'],
      ['a.pdf', 'text'],
      ['https://a.test/a.pdf?q=two words', 'none'],
      ['https://a.test/v.mp4', 'none'],
      ['END', 'none'],
      ['STOP', 'none'],
    ]);
    expect(readable(chatSlots({ messages: [], stop: 'END' }))).toEqual([['END', 'none']]);
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

  it('read every string and key of tool parameters and of a json_schema, and the names of tools, rewriting only their prose', () => {
    const parameters = {
      type: 'object',
      $comment: 'Comment word.',
      properties: { 'Property word': { type: 'string', enum: ['Enum word'], default: 'Default word', examples: [{ description: 'Example word' }], const: 'Const word', pattern: 'Pattern word' } },
    };
    const body = {
      messages: [],
      tools: [{ type: 'function', function: { name: 'Tool word', parameters } }],
      tool_choice: { type: 'function', function: { name: 'Chosen word' } },
      response_format: { type: 'json_schema', json_schema: { name: 'Schema word', schema: { type: 'object', properties: { a: { type: 'string', enum: ['Format word'] } } } } },
    };
    const slots = chatSlots(body);
    const read = slots.map((slot) => slot.text).join('\n');
    for (const word of ['Comment', 'Property', 'Enum', 'Default', 'Example', 'Const', 'Pattern', 'Tool', 'Chosen', 'Schema', 'Format']) expect(read).toContain(`${word} word`);
    // Only prose outside the schema's values may be rewritten; a name, a key, an enum entry or an example may not.
    expect(readable(slots.filter((slot) => slot.rewrite === 'text'))).toEqual([['Comment word.', 'text']]);
    for (const slot of slots) slot.replace('[REDACTED]');
    expect(body.tools[0]?.function.name).toBe('Tool word');
    expect(parameters.properties['Property word'].enum).toEqual(['Enum word']);
    expect(parameters.$comment).toBe('[REDACTED]');
  });

  it('read the names, refusal, citations and audio transcript of a message, and a plugin\'s search prompt', () => {
    const body = {
      messages: [
        { role: 'user', name: 'Name word', content: 'hi' },
        { role: 'assistant', content: 'x', refusal: 'Refusal word', audio: { id: 'a1', transcript: 'Transcript word' }, annotations: [{ type: 'url_citation', url_citation: { url: 'https://a.test/Url-word', title: 'Title word', content: 'Cited word', start_index: 0, end_index: 1 } }] },
      ],
      plugins: [{ id: 'web', max_results: 3, search_prompt: 'Search word' }],
    };
    expect(readable(chatSlots(body))).toEqual([
      ['hi', 'text'],
      ['Name word', 'none'],
      ['x', 'text'],
      ['Refusal word', 'text'],
      ['https://a.test/Url-word', 'text'],
      ['Title word', 'text'],
      ['Cited word', 'text'],
      ['Transcript word', 'text'],
      ['Search word', 'text'],
    ]);
  });

  it('decode a text file sent as a data URL and write a redaction back into it; a PDF holds no text the gateway reads', () => {
    const text = 'Mail ada@example.com, café.';
    const file = { filename: 'notes.txt', file_data: `data:text/plain;base64,${Buffer.from(text).toString('base64')}` };
    const pdf = { filename: 'report.pdf', file_data: `data:application/pdf;base64,${Buffer.from('%PDF-1.4 Mail ada@example.com').toString('base64')}` };
    const body = { messages: [{ role: 'user', content: [{ type: 'text', text: 'Read these.' }, { type: 'file', file }, { type: 'file', file: pdf }] }] };
    const slots = chatSlots(body);
    expect(readable(slots)).toEqual([['Read these.', 'text'], ['notes.txt', 'text'], [text, 'text'], ['report.pdf', 'text']]);
    slots[2]?.replace('Mail [REDACTED_EMAIL], café.');
    expect(file.file_data).toBe(`data:text/plain;base64,${Buffer.from('Mail [REDACTED_EMAIL], café.').toString('base64')}`);
  });

  it('read the texts of an answer\'s choice alike in a JSON message and a stream delta, with its logprobs tokens', () => {
    const logprobs = { content: [{ token: 'night', logprob: -1, top_logprobs: [{ token: 'night', logprob: -1 }, { token: 'day', logprob: -2 }] }, { token: 'ingale', logprob: -1, top_logprobs: [] }] };
    const message = { role: 'assistant', content: 'nightingale', tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'sing', arguments: '{}' } }] };
    const fromJson = answerSlots({ index: 0, message, logprobs });
    const fromDelta = answerSlots({ index: 0, delta: message, logprobs });
    expect(fromDelta.map(({ text, rewrite, place, tokens }) => ({ text, rewrite, place, tokens }))).toEqual(fromJson.map(({ text, rewrite, place, tokens }) => ({ text, rewrite, place, tokens })));
    expect(fromJson.map(({ text, place, tokens }) => [text, place, tokens])).toEqual([
      ['nightingale', 'content', undefined],
      ['sing', undefined, undefined],
      ['{}', 'tool:0', undefined],
      ['nightingale', 'logprobs:content', true],
      ['night\nday\n', 'logprobs:content:top', true],
    ]);
  });

  it('read a Responses API request as the chat it amounts to: the same texts, rewritten in the Responses body', () => {
    const file = `data:text/plain;base64,${Buffer.from('a note').toString('base64')}`;
    const schema = { type: 'object', properties: { q: { type: 'string', description: 'What to find.' } } };
    const chat = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'file', file: { filename: 'n.txt', file_data: file } }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'find', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'found' },
      ],
      tools: [{ type: 'function', function: { name: 'find', description: 'Finds.', parameters: schema } }],
      tool_choice: { type: 'function', function: { name: 'find' } },
    };
    const responses = {
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }, { type: 'input_file', filename: 'n.txt', file_data: file }, { type: 'input_image', image_url: 'https://example.com/a.png' }] },
        { type: 'function_call', call_id: 'c1', name: 'find', arguments: '{"q":"x"}' },
        { type: 'function_call_output', call_id: 'c1', output: 'found' },
      ],
      tools: [{ type: 'function', name: 'find', description: 'Finds.', parameters: schema }],
      tool_choice: { type: 'function', name: 'find' },
    };
    const read = textSlotsOf({ kind: 'responses', feature: undefined, models: [], body: responses, apiKey: 'k' });
    const texts = (slots: TextSlot[]) => readable(slots).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(texts(read.slots)).toEqual(texts(chatSlots(chat)));
    expect(read.messageCount).toBe(4);
    read.slots.find((slot) => slot.text === 'a note')?.replace('[REDACTED]');
    read.slots.find((slot) => slot.text === 'Be brief.')?.replace('Be short.');
    expect(responses.input[0]?.content?.[1]).toEqual({ type: 'input_file', filename: 'n.txt', file_data: `data:text/plain;base64,${Buffer.from('[REDACTED]').toString('base64')}` });
    expect(responses.instructions).toBe('Be short.');
  });

  it('leave out a feature\'s own system prompt in a Responses request\'s instructions, and read an answer\'s output items, its tokens too', () => {
    const feature = { name: 'f', systemPrompt: 'You are Acme.' } as never;
    const body = { instructions: 'You are Acme.', input: [{ type: 'message', role: 'system', content: 'Mine.' }, { role: 'user', content: 'Hi' }] };
    expect(readable(textSlotsOf({ kind: 'responses', feature, models: [], body, apiKey: 'k' }).slots)).toEqual([['Mine.', 'text'], ['Hi', 'text']]);
    const answer = {
      output: [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thought.' }], encrypted_content: 'opaque' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Answer.', annotations: [{ type: 'url_citation', url: 'https://example.com/x', title: 'X' }], logprobs: [{ token: 'Answer.', logprob: 0, top_logprobs: [] }] }, { type: 'refusal', refusal: 'No.' }] },
        { type: 'function_call', call_id: 'c2', name: 'find', arguments: '{"q":"y"}' },
      ],
    };
    expect(readable(responsesAnswerSlots(answer))).toEqual([['Thought.', 'none'], ['Answer.', 'text'], ['https://example.com/x', 'text'], ['X', 'text'], ['Answer.', 'none'], ['No.', 'text'], ['find', 'none'], ['{"q":"y"}', 'json']]);
  });
});
