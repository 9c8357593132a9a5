import { describe, expect, it } from 'vitest';
import { createAssistantMessage, type AssistantTurn, type ConversationMessage } from './chat-messages.js';
import { toRequestMessages } from './request-messages.js';

const turn = (parts: AssistantTurn['versions'][number]['parts'], status: 'done' | 'error' = 'done'): AssistantTurn => ({
  id: 't',
  role: 'assistant',
  selected: 0,
  versions: [{ ...createAssistantMessage('a', 0), status, parts, content: parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('') }],
});

describe('toRequestMessages', () => {
  it('sends attachments as the content parts OpenRouter takes for their kind', () => {
    const messages: ConversationMessage[] = [
      {
        id: 'u',
        role: 'user',
        content: 'What are these?',
        createdAt: 0,
        parts: [
          { type: 'text', text: 'What are these?' },
          { type: 'file', kind: 'image', mediaType: 'image/png', size: 3, url: 'data:image/png;base64,AAA' },
          { type: 'file', kind: 'pdf', mediaType: 'application/pdf', name: 'a.pdf', size: 3, url: 'data:application/pdf;base64,JVB' },
          { type: 'file', kind: 'audio', mediaType: 'audio/mpeg', name: 'a.mp3', size: 3, url: 'data:audio/mpeg;base64,SUQz' },
        ],
      },
    ];
    expect(toRequestMessages(messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What are these?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
          { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVB' } },
          { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
        ],
      },
    ]);
  });

  it('sends a tool loop as assistant calls with their reasoning details, one tool message per call, then the answer', () => {
    const details = [{ type: 'reasoning.encrypted', data: 'ZW5j', format: 'google-gemini-v1', index: 1 }];
    const history = toRequestMessages([
      { id: 'u', role: 'user', content: 'Weather?', createdAt: 0 },
      turn([
        { type: 'reasoning', text: '', details },
        { type: 'tool-call', toolCallId: 'c1', index: 0, name: 'get_weather', input: '{"city":"Oslo"}', state: 'output-available', output: { celsius: 3 } },
        { type: 'tool-call', toolCallId: 'c2', index: 1, name: 'create_ticket', input: '{}', state: 'denied' },
        { type: 'tool-call', toolCallId: 'c3', index: 2, name: 'broken', input: '{}', state: 'output-error', errorText: 'down' },
        { type: 'tool-call', toolCallId: 's1', index: 0, name: 'web_search', input: '{}', state: 'output-available', server: true },
        { type: 'step-start' },
        { type: 'text', text: 'Cold.' },
        { type: 'source', number: 1, url: 'https://a.example' },
      ]),
    ]);
    expect(history).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_details: details,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
          { id: 'c2', type: 'function', function: { name: 'create_ticket', arguments: '{}' } },
          { id: 'c3', type: 'function', function: { name: 'broken', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"celsius":3}' },
      { role: 'tool', tool_call_id: 'c2', content: 'The user denied this call.' },
      { role: 'tool', tool_call_id: 'c3', content: 'Error: down' },
      { role: 'assistant', content: 'Cold.' },
    ]);
  });

  it('sends every other part as the model should read it: unfinished calls, images and sources left out or explained', () => {
    const history = toRequestMessages([
      { id: 'u', role: 'user', content: '', createdAt: 0, parts: [{ type: 'file', kind: 'audio', mediaType: 'audio/x-wav', size: 4, url: 'data:audio/x-wav;base64,UklG' }, { type: 'file', kind: 'file', mediaType: 'text/csv', size: 3, url: 'data:text/csv;base64,YSxi' }] },
      turn([
        { type: 'reasoning', text: 'Plain thoughts.', details: [] },
        { type: 'text', text: 'Checking. ' },
        { type: 'image', url: 'data:image/png;base64,AAA' },
        { type: 'text', text: 'Still checking.' },
        { type: 'tool-call', toolCallId: 'w', index: 0, name: 'wait', input: '{}', state: 'awaiting-approval' },
        { type: 'tool-call', toolCallId: 'r', index: 1, name: 'run', input: '{"a":1}', state: 'input-available' },
        { type: 'tool-call', toolCallId: 's', index: 2, name: 'cut', input: '{"a', state: 'input-streaming' },
        { type: 'tool-call', toolCallId: 'o', index: 3, name: 'text', input: '{}', state: 'output-available', output: 'plain words' },
      ]),
    ]);
    expect(history).toEqual([
      { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } }, { type: 'file', file: { file_data: 'data:text/csv;base64,YSxi' } }] },
      {
        role: 'assistant',
        content: 'Checking. Still checking.',
        tool_calls: [
          { id: 'w', type: 'function', function: { name: 'wait', arguments: '{}' } },
          { id: 'r', type: 'function', function: { name: 'run', arguments: '{"a":1}' } },
          { id: 'o', type: 'function', function: { name: 'text', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'w', content: 'No result: the call was not completed.' },
      { role: 'tool', tool_call_id: 'r', content: 'No result: the call was not completed.' },
      { role: 'tool', tool_call_id: 'o', content: 'plain words' },
    ]);
  });

  it('leaves out answers with nothing to say, as before', () => {
    expect(toRequestMessages([{ id: 'u', role: 'user', content: 'Hi', createdAt: 0 }, turn([], 'error')])).toEqual([{ role: 'user', content: 'Hi' }]);
  });
});
