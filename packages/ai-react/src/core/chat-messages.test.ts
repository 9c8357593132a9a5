import { describe, expect, it } from 'vitest';
import { answerParts, cutShortReason, restoreMessages, shownAnswer, userMessageParts, type AssistantTurn, type ConversationMessage, type UserMessage } from './chat-messages.js';
import { toRequestMessages } from './request-messages.js';

// A conversation exactly as version 0.2 saved it, before messages had parts: JSON from storage, typed loosely.
const saved = JSON.parse(`[
  { "id": "u1", "role": "user", "content": "Draw a cat", "createdAt": 1000,
    "branches": [
      { "content": "Draw a dog", "createdAt": 900, "following": [
        { "id": "t0", "role": "assistant", "selected": 0, "versions": [
          { "id": "a0", "role": "assistant", "status": "done", "content": "Woof.", "reasoning": "", "toolCalls": [], "images": [], "timing": { "startedAt": 900, "deltas": 1 } }
        ] }
      ] },
      { "content": "Draw a cat", "createdAt": 1000, "following": [] }
    ],
    "branch": 1 },
  { "id": "t1", "role": "assistant", "selected": 1, "versions": [
    { "id": "a1", "role": "assistant", "status": "error", "content": "", "reasoning": "", "toolCalls": [], "images": [], "timing": { "startedAt": 1000, "deltas": 0 },
      "error": { "code": "rate_limited", "message": "Too many requests", "userMessage": "Slow down.", "retryable": true } },
    { "id": "a2", "role": "assistant", "status": "streaming", "content": "Here is a cat.", "reasoning": "A cat, then.",
      "toolCalls": [{ "index": 0, "id": "call_1", "type": "function", "name": "draw", "arguments": "{\\"animal\\":\\"cat\\"}" }],
      "images": ["data:image/png;base64,AAAA"], "timing": { "startedAt": 1100, "deltas": 9 } }
  ] }
]`) as ConversationMessage[];

describe('restoreMessages', () => {
  it('gives answers saved before parts their parts, in the order they happened, and stops the one cut off mid-stream', () => {
    const restored = restoreMessages(saved);
    const turn = restored[1] as AssistantTurn;
    expect(shownAnswer(turn)).toMatchObject({ id: 'a2', status: 'stopped', content: 'Here is a cat.' });
    expect(shownAnswer(turn).parts).toEqual([
      { type: 'reasoning', text: 'A cat, then.', details: [] },
      { type: 'tool-call', toolCallId: 'call_1', index: 0, name: 'draw', input: '{"animal":"cat"}', state: 'input-available' },
      { type: 'text', text: 'Here is a cat.' },
      { type: 'image', url: 'data:image/png;base64,AAAA' },
    ]);
    expect(turn.versions[0]).toMatchObject({ status: 'error', parts: [] });
  });

  it("restores the answers of an edited message's earlier branch too", () => {
    const user = restoreMessages(saved)[0] as UserMessage;
    const earlier = user.branches?.[0]?.following[0] as AssistantTurn;
    expect(shownAnswer(earlier).parts).toEqual([{ type: 'text', text: 'Woof.' }]);
  });

  it('reads a user message without parts as one text part, and sends the old conversation as before', () => {
    const restored = restoreMessages(saved);
    expect(userMessageParts(restored[0] as UserMessage)).toEqual([{ type: 'text', text: 'Draw a cat' }]);
    expect(userMessageParts({ id: 'e', role: 'user', content: '', createdAt: 0 })).toEqual([]);
    expect(toRequestMessages(restored)).toEqual([
      { role: 'user', content: 'Draw a cat' },
      { role: 'assistant', content: 'Here is a cat.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'draw', arguments: '{"animal":"cat"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'No result: the call was not completed.' },
    ]);
  });

  it('keeps the identity of messages that need nothing, and reads parts of an unrestored answer all the same', () => {
    const current = restoreMessages(saved);
    const again = restoreMessages(current);
    expect(again[0]).toBe(current[0]);
    expect(again[1]).toBe(current[1]);
    const legacy = (saved[1] as AssistantTurn).versions[1];
    expect(legacy && answerParts(legacy)).toHaveLength(4);
  });
});

describe('cutShortReason', () => {
  const answer = (status: 'done' | 'stopped' | 'streaming', finishReason?: string) =>
    ({ id: 'a', role: 'assistant', status, parts: [], content: 'Half a sen', reasoning: '', toolCalls: [], images: [], timing: { startedAt: 0, deltas: 1 }, ...(finishReason ? { finishReason } : {}) }) as const;

  it("names a complete answer's length limit or content filter, and nothing for one the model finished or that is not over", () => {
    expect(cutShortReason(answer('done', 'length'))).toBe('lengthLimit');
    expect(cutShortReason(answer('done', 'max_tokens'))).toBe('lengthLimit');
    expect(cutShortReason(answer('done', 'content_filter'))).toBe('contentFilter');
    expect(cutShortReason(answer('done', 'stop'))).toBeUndefined();
    expect(cutShortReason(answer('done', 'toString'))).toBeUndefined();
    expect(cutShortReason(answer('done'))).toBeUndefined();
    expect(cutShortReason(answer('streaming', 'length'))).toBeUndefined();
    expect(cutShortReason(answer('stopped', 'length'))).toBeUndefined();
  });
});
