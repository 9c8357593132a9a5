import { describe, expect, it } from 'vitest';
import { createAssistantMessage, type AssistantMessage, type AssistantTurn } from './chat-messages.js';
import { reduceChatEvent } from './chat-reducer.js';
import type { MessageToolPart } from './message-parts.js';
import { toRequestMessages } from './request-messages.js';
import { readRecordedStream, recordedEvents, type RecordedStreamName } from '../testing/recorded-streams.js';

// Streams recorded from the gateway and the emulator (see record-chat-streams.test.ts), folded without a network.
const fold = (name: RecordedStreamName, from: AssistantMessage = createAssistantMessage('a', 900)) => recordedEvents(readRecordedStream(name)).reduce(reduceChatEvent, from);
const shape = (answer: AssistantMessage) => answer.parts.map((part) => part.type);
const turnOf = (answer: AssistantMessage): AssistantTurn => ({ id: 't', role: 'assistant', versions: [answer], selected: 0 });
const user = { id: 'u', role: 'user' as const, content: 'Use get_weather for Oslo', createdAt: 0 };

describe('the reducer folds recorded streams', () => {
  it('parallel tool calls, interleaved by index, become one tool part each, complete once the answer ends', () => {
    const answer = fold('parallel-tool-calls');
    expect(answer).toMatchObject({ status: 'done', finishReason: 'tool_calls', content: '' });
    expect(answer.parts).toEqual([
      { type: 'tool-call', toolCallId: 'call_recorded0001', index: 0, name: 'get_weather', input: '{"city":"Use get_weather and get_time for Oslo"}', state: 'input-available' },
      { type: 'tool-call', toolCallId: 'call_recorded0001_1', index: 1, name: 'get_time', input: '{"zone":"Use get_weather and get_time for Oslo"}', state: 'input-available' },
    ]);
    expect(answer.toolCalls.map((call) => [call.id, call.name, JSON.parse(call.arguments)])).toEqual([
      ['call_recorded0001', 'get_weather', { city: 'Use get_weather and get_time for Oslo' }],
      ['call_recorded0001_1', 'get_time', { zone: 'Use get_weather and get_time for Oslo' }],
    ]);
  });

  it('parallel tool calls are still streaming (input-streaming) before the answer ends', () => {
    const events = recordedEvents(readRecordedStream('parallel-tool-calls'));
    const partial = events.slice(0, 8).reduce(reduceChatEvent, createAssistantMessage('a', 900));
    expect(partial.parts.every((part) => part.type === 'tool-call' && part.state === 'input-streaming')).toBe(true);
  });

  it("Claude: the reasoning text pieces join, the signature that arrives alone lands on the same entry, then the tool call", () => {
    const answer = fold('anthropic-tool-call');
    const text = 'I should identify what matters most about weather. The user is askin';
    expect(shape(answer)).toEqual(['reasoning', 'tool-call']);
    expect(answer.parts[0]).toEqual({
      type: 'reasoning',
      text,
      details: [{ type: 'reasoning.text', text, format: 'anthropic-claude-v1', index: 0, signature: 'ZW11bGF0b3Itc2lnbmF0dXJlOjg2Yzk0YjA1' }],
      startedAt: 1000,
      finishedAt: 1160,
    });
    expect(answer.reasoning).toBe(text);
  });

  it('Gemini: the text entry and the encrypted entry (index 1) stay two entries, untouched', () => {
    const answer = fold('gemini-reasoning');
    expect(shape(answer)).toEqual(['reasoning', 'text']);
    expect(answer.parts[0]).toMatchObject({
      text: 'I will check the answer against',
      details: [
        { type: 'reasoning.text', text: 'I will check the answer against', format: 'google-gemini-v1', index: 0 },
        { type: 'reasoning.encrypted', data: 'ZW11bGF0b3ItZW5jcnlwdGVkOmFhYzEzMzVhOmJiYmVlOTFj', format: 'google-gemini-v1', index: 1 },
      ],
    });
  });

  it("OpenAI: the summary pieces join, the encrypted reasoning item is kept beside them", () => {
    const answer = fold('openai-reasoning');
    expect(answer.parts[0]).toMatchObject({
      text: 'I should identify what matters',
      details: [
        { type: 'reasoning.summary', summary: 'I should identify what matters', format: 'openai-responses-v1', index: 0 },
        { type: 'reasoning.encrypted', data: 'ZW11bGF0b3ItZW5jcnlwdGVkOmE4MjRmMjk6Yjc3Mzg4MDc=', format: 'openai-responses-v1', index: 1 },
      ],
    });
  });

  it('other models: one plain text entry, format unknown', () => {
    const answer = fold('plain-reasoning');
    expect(shape(answer)).toEqual(['reasoning', 'text']);
    expect(answer.parts[0]).toMatchObject({ details: [{ type: 'reasoning.text', text: 'I should identify what matters', format: 'unknown', index: 0 }] });
  });

  it('web search: the search shows first (a server tool, done), then the text, then five numbered sources', () => {
    const answer = fold('web-search');
    expect(shape(answer)).toEqual(['tool-call', 'text', 'source', 'source', 'source', 'source', 'source']);
    expect(answer.parts[0]).toEqual({ type: 'tool-call', toolCallId: 'web_search-0', index: 0, name: 'web_search', input: '{}', state: 'output-available', server: true });
    expect(answer.parts.filter((part) => part.type === 'source').map((part) => [part.number, part.url])).toEqual([1, 2, 3, 4, 5].map((number) => [number, `https://example.org/what-is-new-in-typescript/${number}`]));
    expect(answer.content).toMatch(/Sources: \[1\] \[2\] \[3\] \[4\] \[5\]$/);
    // The server tool ran upstream: it is not sent back, and the answer's client tool calls stay empty.
    expect(answer.toolCalls).toEqual([]);
    expect(toRequestMessages([user, turnOf(answer)]).at(-1)).toEqual({ role: 'assistant', content: answer.content });
  });

  it('a generated image becomes an image part between the reasoning and the text', () => {
    const answer = fold('generated-image');
    expect(shape(answer)).toEqual(['reasoning', 'image', 'text']);
    expect(answer.images).toEqual([expect.stringMatching(/^data:image\/png;base64,iVBORw0KGgo/)]);
    expect(answer.parts[1]).toEqual({ type: 'image', url: answer.images[0] });
  });

  it('a two-step tool loop: the first step goes back as the request the provider accepted, the second folds after it', () => {
    const first = fold('anthropic-tool-call');
    const answered: AssistantMessage = { ...first, parts: first.parts.map((part) => (part.type === 'tool-call' ? { ...part, state: 'output-available', output: { celsius: 4, sky: 'cloudy' } } : part)) };
    // The recorded continuation was accepted by the emulator, which refuses Claude's tool loop without its signature.
    expect(toRequestMessages([user, turnOf(answered)])).toEqual(readRecordedStream('anthropic-tool-result').request.messages);

    const { finishReason: _finished, ...rest } = answered;
    const second = fold('anthropic-tool-result', { ...rest, status: 'pending', parts: [...answered.parts, { type: 'step-start' }] });
    expect(shape(second)).toEqual(['reasoning', 'tool-call', 'step-start', 'reasoning', 'text']);
    expect(second.content).toMatch(/^The tool returned: "\{"celsius":4,"sky":"cloudy"\}"/);
    expect(second.toolCalls.map((call) => call.id)).toEqual([(first.parts[1] as MessageToolPart).toolCallId]);
    const history = toRequestMessages([user, turnOf(second)]);
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const secondReasoning = second.parts[3];
    expect(history[3]).toEqual({ role: 'assistant', content: second.content, reasoning_details: secondReasoning?.type === 'reasoning' ? secondReasoning.details : [] });
  });
});
