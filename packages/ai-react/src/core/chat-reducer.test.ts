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

  it('summarises a tool loop from its parts: calls of every step (not merged across steps by index), text a step apart', () => {
    const call = (id: string, name: string) => delta({ content: null, tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '{}' } }] });
    const first = run([delta({ content: 'Let me check.' }), call('c1', 'get_weather'), delta({}, 'tool_calls'), 'done']);
    const continuing = { ...first, status: 'pending' as const, parts: [...first.parts, { type: 'step-start' as const }] };
    const events: ChatStreamEvent[] = [call('c2', 'get_time'), delta({ content: 'It is ' }), delta({ content: 'noon.' })].map((chunk, index) => ({ type: 'chunk', chunk, at: 2000 + index }));
    const second = events.reduce(reduceChatEvent, continuing);
    expect(second.toolCalls.map((entry) => [entry.id, entry.name])).toEqual([
      ['c1', 'get_weather'],
      ['c2', 'get_time'],
    ]);
    expect(second.content).toBe('Let me check.\n\nIt is noon.');
  });

  it('shows a web search the usage reports even when the answer cites nothing, once', () => {
    const searched: ChatCompletionChunk = { ...usageFormB, usage: { ...usage, server_tool_use_details: { web_search_requests: 1 } } };
    const answer = run([...content, delta({}, 'stop'), searched, searched, 'done']);
    expect(answer.parts).toEqual([{ type: 'tool-call', toolCallId: 'web_search-0', index: 0, name: 'web_search', input: '{}', state: 'output-available', server: true }, { type: 'text', text: 'Hello there' }]);
    expect(run([...content, { ...usageFormB, usage: { ...usage, server_tool_use: { web_search_requests: 2 } } }, 'done']).parts[0]).toMatchObject({ name: 'web_search', server: true });
  });

  it("reads citations a server put on the last chunk's message, like those on the delta", () => {
    const annotations = [{ type: 'url_citation' as const, url_citation: { url: 'https://a.example', title: 'A' } }];
    const last: ChatCompletionChunk = { ...meta, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'stop', message: { annotations } }] };
    const answer = run([...content, last, 'done']);
    expect(answer.parts.filter((part) => part.type === 'source')).toEqual([{ type: 'source', number: 1, url: 'https://a.example', title: 'A' }]);
  });

  it('reads every field of a chunk as untrusted: entries and fields of the wrong type are skipped, never thrown on', () => {
    const hostile = (value: unknown) => value as ChatCompletionChunk;
    const answer = run([
      hostile({ choices: [null, 5] }),
      hostile({ model: { name: 'x' }, provider: 7, choices: [{ index: 0, delta: null, finish_reason: { reason: 'stop' } }], usage: { prompt_tokens: '5', completion_tokens: null, total_tokens: 'x' } }),
      hostile({ choices: [{ index: 0, delta: { tool_calls: [null, { index: 0, id: 'call-1', function: { name: 'weather', arguments: '{"city":' } }, { index: 0, id: 9, function: { name: {}, arguments: 5 } }] } }] }),
      hostile({ choices: [{ index: 0, delta: { images: [null, { image_url: null }, { image_url: { url: 5 } }], reasoning_details: [null, 5] } }] }),
      ...content,
      'done',
    ]);
    expect(answer).toMatchObject({ status: 'done', content: 'Hello there', usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, images: [] });
    // Only the well-formed chunks named a model and a provider; none gave a finish reason.
    expect([answer.model, answer.provider, answer.finishReason]).toEqual(['openai/gpt-4o-mini', 'OpenAI', undefined]);
    expect(answer.toolCalls).toEqual([{ index: 0, id: 'call-1', type: 'function', name: 'weather', arguments: '{"city":' }]);
  });

  it('stays pending until something is produced', () => {
    expect(run([delta({ content: '' })]).status).toBe('pending');
    expect(run([delta({ content: '' })]).timing.firstTokenAt).toBeUndefined();
  });
});
