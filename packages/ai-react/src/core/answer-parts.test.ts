import { describe, expect, it } from 'vitest';
import { foldDelta, settleParts } from './answer-parts.js';
import type { ChatCompletionDelta } from './chat-types.js';
import type { AssistantMessagePart } from './message-parts.js';

/** Deltas folded 10 ms apart from t=1000. */
const fold = (deltas: ChatCompletionDelta[], from: readonly AssistantMessagePart[] = []) => deltas.reduce((parts, delta, index) => foldDelta(parts, delta, 1000 + index * 10), from);

describe('foldDelta', () => {
  it("merges Claude's streamed reasoning details by index: text pieces joined, then the signature kept whole", () => {
    const parts = fold([
      { reasoning: 'Think', reasoning_details: [{ type: 'reasoning.text', text: 'Think', format: 'anthropic-claude-v1', index: 0 }] },
      { reasoning: 'ing.', reasoning_details: [{ type: 'reasoning.text', text: 'ing.', format: 'anthropic-claude-v1', index: 0 }] },
      { reasoning: '', reasoning_details: [{ type: 'reasoning.text', text: '', signature: 'c2ln', format: 'anthropic-claude-v1', index: 0 }] },
      { content: 'Done.' },
    ]);
    expect(parts).toEqual([
      { type: 'reasoning', text: 'Thinking.', details: [{ type: 'reasoning.text', text: 'Thinking.', signature: 'c2ln', format: 'anthropic-claude-v1', index: 0 }], startedAt: 1000, finishedAt: 1020 },
      { type: 'text', text: 'Done.' },
    ]);
  });

  it("keeps Gemini's encrypted entry beside the text entry, untouched", () => {
    const parts = fold([
      { reasoning: 'Hm', reasoning_details: [{ type: 'reasoning.text', text: 'Hm', format: 'google-gemini-v1', index: 0 }] },
      { reasoning: '', reasoning_details: [{ type: 'reasoning.encrypted', data: 'ZW5j', format: 'google-gemini-v1', index: 1 }] },
    ]);
    expect(parts[0]).toMatchObject({ details: [{ type: 'reasoning.text', text: 'Hm', index: 0 }, { type: 'reasoning.encrypted', data: 'ZW5j', index: 1 }] });
  });

  it('puts a signature that arrives after the tool calls on the reasoning it closes, not in a new block', () => {
    const parts = fold([
      { reasoning: 'Check.', reasoning_details: [{ type: 'reasoning.text', text: 'Check.', format: 'google-gemini-v1', index: 0 }] },
      { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { reasoning: '', reasoning_details: [{ type: 'reasoning.encrypted', data: 'c2ln', format: 'google-gemini-v1', index: 1 }] },
    ]);
    expect(parts.map((part) => part.type)).toEqual(['reasoning', 'tool-call']);
    expect(parts[0]).toMatchObject({ details: [{ type: 'reasoning.text', index: 0 }, { type: 'reasoning.encrypted', data: 'c2ln', index: 1 }], finishedAt: 1000 });
  });

  it('starts another reasoning block when the model thinks again after writing', () => {
    const parts = fold([{ reasoning: 'First.' }, { content: 'Hm.' }, { reasoning: 'Second.' }]);
    expect(parts.map((part) => (part.type === 'reasoning' || part.type === 'text' ? [part.type, part.text] : part.type))).toEqual([
      ['reasoning', 'First.'],
      ['text', 'Hm.'],
      ['reasoning', 'Second.'],
    ]);
  });

  it('folds parallel tool calls interleaved by index, then completes them when the call is over', () => {
    const parts = fold([
      { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
    ]);
    expect(parts.map((part) => (part.type === 'tool-call' ? [part.name, part.input, part.state] : part.type))).toEqual([
      ['get_weather', '{"city":"Oslo"}', 'input-streaming'],
      ['get_time', '{}', 'input-streaming'],
    ]);
    expect(settleParts(parts).map((part) => part.type === 'tool-call' && part.state)).toEqual(['input-available', 'input-available']);
  });

  it('starts new tool calls after a step-start even when their index repeats', () => {
    const first = settleParts(fold([{ tool_calls: [{ index: 0, id: 'a', function: { name: 'x', arguments: '{}' } }] }]));
    const parts = fold([{ tool_calls: [{ index: 0, id: 'b', function: { name: 'x', arguments: '{}' } }] }], [...first, { type: 'step-start' }]);
    expect(parts.filter((part) => part.type === 'tool-call').map((part) => part.type === 'tool-call' && part.toolCallId)).toEqual(['a', 'b']);
  });

  it('numbers cited sources in order, once per URL', () => {
    const citation = (url: string, title: string) => ({ type: 'url_citation' as const, url_citation: { url, title, content: 'quoted', start_index: 0, end_index: 3 } });
    const parts = fold([{ content: 'See [1] and [2].' }, { annotations: [citation('https://a.example', 'A'), citation('https://b.example', 'B')] }, { annotations: [citation('https://a.example', 'A again')] }]);
    expect(parts.filter((part) => part.type === 'source')).toEqual([
      { type: 'source', number: 1, url: 'https://a.example', title: 'A', content: 'quoted' },
      { type: 'source', number: 2, url: 'https://b.example', title: 'B', content: 'quoted' },
    ]);
  });

  it('adds generated images, and returns the same array for a delta that carries nothing', () => {
    const parts = fold([{ images: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }]);
    expect(parts).toEqual([{ type: 'image', url: 'data:image/png;base64,AA' }]);
    expect(foldDelta(parts, { role: 'assistant', content: '' }, 2000)).toBe(parts);
  });
});
