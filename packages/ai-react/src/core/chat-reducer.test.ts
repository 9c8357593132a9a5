import { describe, expect, it } from 'vitest';
import { createAssistantMessage, type AssistantMessage } from './chat-messages.js';
import { reduceChatEvent } from './chat-reducer.js';
import type { ChatStreamEvent } from './chat-stream.js';
import type { ChatCompletionChunk, ChatCompletionDelta, CompletionUsage } from './chat-types.js';
import { AiError, toAiError } from './errors.js';

const meta = { id: 'gen-1', object: 'chat.completion.chunk' as const, created: 1, model: 'openai/gpt-4o-mini', provider: 'OpenAI' };
const delta = (value: ChatCompletionDelta, finish: string | null = null): ChatCompletionChunk => ({ ...meta, choices: [{ index: 0, delta: { role: 'assistant', ...value }, finish_reason: finish }] });
const usage: CompletionUsage = {
  prompt_tokens: 12,
  completion_tokens: 3,
  total_tokens: 15,
  cost: 0.000042,
  prompt_tokens_details: { cached_tokens: 2 },
  completion_tokens_details: { reasoning_tokens: 1 },
};
/** OpenRouter's usage chunk: one empty choice plus usage. */
const usageFormA: ChatCompletionChunk = { ...delta({ content: '' }), usage };
/** OpenAI's (and the gateway's): no choices, only usage. */
const usageFormB: ChatCompletionChunk = { ...meta, choices: [], usage };

/** Events 10 ms apart from t=1000, the answer started at t=900. */
function run(chunks: Array<ChatCompletionChunk | 'done' | AiError>): AssistantMessage {
  let at = 1000;
  const events: ChatStreamEvent[] = chunks.map((item) => {
    at += 10;
    if (item === 'done') return { type: 'done', at };
    if (item instanceof AiError) return { type: 'error', error: item, at };
    return { type: 'chunk', chunk: item, at };
  });
  return events.reduce(reduceChatEvent, createAssistantMessage('a1', 900));
}

const content = ['Hel', 'lo', ' there'].map((piece) => delta({ content: piece }));

describe('reduceChatEvent', () => {
  it('builds the text, model, provider, finish reason, usage and cost, with usage in form A', () => {
    const answer = run([...content, delta({ content: '' }, 'stop'), usageFormA, 'done']);
    expect(answer).toMatchObject({
      status: 'done',
      content: 'Hello there',
      model: 'openai/gpt-4o-mini',
      provider: 'OpenAI',
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15, reasoningTokens: 1, cachedTokens: 2 },
      costUsd: 0.000042,
    });
    expect(answer.error).toBeUndefined();
  });

  it('reads usage in form B (choices: []) the same way', () => {
    const a = run([...content, delta({}, 'stop'), usageFormA, 'done']);
    const b = run([...content, delta({}, 'stop'), usageFormB, 'done']);
    expect(b.usage).toEqual(a.usage);
    expect(b.costUsd).toBe(a.costUsd);
    expect(b.content).toBe('Hello there');
  });

  it('times the answer from the event times: time to first token and tokens per second', () => {
    const answer = run([...content, delta({}, 'stop'), usageFormB, 'done']);
    // First token at 1010 (started 900); done at 1060; 3 completion tokens over 50 ms.
    expect(answer.timing).toEqual({ startedAt: 900, firstTokenAt: 1010, ttftMs: 110, finishedAt: 1060, deltas: 3, tokensPerSecond: 60 });
    // Without usage, the deltas received stand in for tokens.
    expect(run([...content, 'done']).timing.tokensPerSecond).toBe(100);
  });

  it('collects reasoning before the answer', () => {
    const answer = run([delta({ content: '', reasoning: 'Think' }), delta({ content: '', reasoning: 'ing.' }), delta({ content: 'Answer' }), 'done']);
    expect(answer).toMatchObject({ reasoning: 'Thinking.', content: 'Answer', status: 'done' });
    expect(answer.timing.firstTokenAt).toBe(1010);
    expect(run([delta({ reasoning_content: 'Deep' }), 'done']).reasoning).toBe('Deep');
  });

  it('merges tool-call deltas by index, concatenating their arguments', () => {
    const answer = run([
      delta({ content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      delta({ content: null, tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      delta({ content: null, tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      delta({ content: null, tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      delta({}, 'tool_calls'),
      'done',
    ]);
    expect(answer.toolCalls).toEqual([
      { index: 0, id: 'call_1', type: 'function', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { index: 1, id: 'call_2', type: 'function', name: 'get_time', arguments: '{}' },
    ]);
    expect(answer.finishReason).toBe('tool_calls');
  });

  it('adds generated images', () => {
    const images = [{ type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAA' }, index: 0 }];
    expect(run([delta({ content: '', images }), delta({ content: 'Here it is.' }), 'done'])).toMatchObject({ images: ['data:image/png;base64,AAA'], content: 'Here it is.' });
  });

  it('keeps the text that arrived before a mid-stream error, and the error', () => {
    const error = toAiError({ error: { message: 'The connection to the model provider dropped mid-answer.', type: 'server_error', code: 'upstream_stream_truncated', param: null } });
    const answer = run([...content, error]);
    expect(answer).toMatchObject({ status: 'error', content: 'Hello there', error: { code: 'upstream_unavailable', serverCode: 'upstream_stream_truncated', retryable: true } });
    expect(answer.timing.finishedAt).toBe(1040);
  });

  it('reads OpenRouter\'s in-chunk error (finish_reason "error") as the end of the answer', () => {
    const failing: ChatCompletionChunk = { ...meta, error: { code: 502, message: 'Provider returned error' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] };
    expect(run([...content, failing, delta({ content: 'late' })])).toMatchObject({ status: 'error', content: 'Hello there', error: { code: 'upstream_unavailable', status: 502 } });
  });

  it('marks an aborted answer stopped, keeps its text, and takes no event after it', () => {
    const aborted = new AiError({ code: 'aborted', message: 'Stopped by the user.' });
    const answer = run([...content, aborted, delta({ content: ' more' }), 'done']);
    expect(answer).toMatchObject({ status: 'stopped', content: 'Hello there' });
    expect(answer.error).toBeUndefined();
  });

  it('keeps the message object when a chunk changes nothing, so unchanged answers keep their identity', () => {
    const started = run([delta({ content: 'Hi' })]);
    expect(started.status).toBe('streaming');
    const roleOnly: ChatStreamEvent = { type: 'chunk', chunk: delta({ content: '' }), at: 2000 };
    expect(reduceChatEvent(started, roleOnly)).toBe(started);
    const next = reduceChatEvent(started, { type: 'chunk', chunk: delta({ content: '!' }), at: 2000 });
    expect(next).not.toBe(started);
    // Arrays that did not change are shared.
    expect(next.toolCalls).toBe(started.toolCalls);
    expect(next.images).toBe(started.images);
  });

  it('stays pending until something is produced', () => {
    expect(run([delta({ content: '' })]).status).toBe('pending');
    expect(run([delta({ content: '' })]).timing.firstTokenAt).toBeUndefined();
  });
});
