import { describe, expect, it } from 'vitest';
import { messageEventsOf } from '../gateway/messages-events.js';
import { answerAs, chunksAsSent, costOfAnswer, storedFormOf, uncacheableReason } from './cached-answer.js';

const MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'openai/gpt-4o-mini',
  provider: 'OpenAI',
  content: [{ type: 'text', text: 'Open from nine to five.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6, cost: 0.0000042 },
};

describe('a Messages API answer in the cache', () => {
  it('is stored as its message, from JSON or from its stream, and served as either', () => {
    const events = messageEventsOf(MESSAGE)!;
    const stored = storedFormOf({ kind: 'messages', chunks: events });
    expect(stored).toEqual({ kind: 'messages', body: MESSAGE });
    expect(storedFormOf({ kind: 'messages', body: MESSAGE })).toEqual(stored);
    expect(answerAs(stored, false)).toEqual({ stream: false, body: MESSAGE });
    expect(answerAs(stored, true)).toEqual({ stream: true, chunks: events });
    // A follower of a stream still running is written its events as they came.
    expect(answerAs({ kind: 'messages', chunks: events }, true)).toEqual({ stream: true, chunks: events });
    expect(costOfAnswer(stored)).toBe(0.0000042);
  });

  it.each([
    ['cut at max_tokens', { ...MESSAGE, stop_reason: 'max_tokens' }, 'stop reason max_tokens'],
    ['refused', { ...MESSAGE, stop_reason: 'refusal' }, 'stop reason refusal'],
    ['paused mid-turn', { ...MESSAGE, stop_reason: 'pause_turn' }, 'stop reason pause_turn'],
    ['asking for a tool call', { ...MESSAGE, content: [{ type: 'tool_use', id: 'toolu_1', name: 'hours', input: {} }], stop_reason: 'tool_use' }, 'tool calls'],
    ['an error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'no answer'],
  ])('is not kept when %s', (_name, body, reason) => {
    expect(uncacheableReason({ kind: 'messages', body })).toBe(reason);
  });

  it('is kept when it ended at its turn or at a stop sequence, and not when its stream did not end', () => {
    expect(uncacheableReason({ kind: 'messages', body: MESSAGE })).toBeUndefined();
    expect(uncacheableReason({ kind: 'messages', body: { ...MESSAGE, stop_reason: 'stop_sequence', stop_sequence: 'END' } })).toBeUndefined();
    expect(uncacheableReason({ kind: 'messages', chunks: messageEventsOf(MESSAGE)!.slice(0, -1) })).toBe('no answer');
  });

  it('keeps a stream\'s events as the client read them, the text a guardrail held before its block\'s stop', () => {
    const stop = { type: 'content_block_stop', index: 0, gateway_held_delta: { type: 'text_delta', text: 'five.' } };
    expect(chunksAsSent('messages', stop)).toEqual([{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'five.' } }, { type: 'content_block_stop', index: 0 }]);
    expect(chunksAsSent('messages', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '' } })).toEqual([]);
    expect(chunksAsSent('chat', stop)).toEqual([stop]);
  });
});
