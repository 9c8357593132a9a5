import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createAssistantMessage, type AssistantTurn } from './chat-messages.js';
import { reduceChatEvent } from './chat-reducer.js';
import type { ChatCompletionChunk, ChatCompletionRequest, ToolDefinition } from './chat-types.js';
import { createAiClient, type AiClient } from './client.js';
import { toRequestMessages } from './request-messages.js';
import { createRecordingFormatter, RECORDED_STREAMS, type RecordedStreamName } from '../testing/recorded-streams.js';

// The streams the reducer's tests fold (test/chat-streams/*.json) are recorded here from a real gateway with the
// emulator behind it, and checked against it on every run: when the emulator or the gateway changes what they send,
// this fails and `vitest -u` records the streams again. Generation ids, call ids and `created` are numbered in the
// order they appear, and generated images are shortened to their first bytes and a hash, so a recording is stable.
let harness: Harness;
let client: AiClient;

beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'claude', model: 'anthropic/claude-sonnet-4' },
      { name: 'gemini', model: 'google/gemini-3.5-flash' },
      { name: 'gpt', model: 'openai/gpt-5.4-mini' },
      { name: 'deepseek', model: 'deepseek/deepseek-v3.2' },
      { name: 'researcher', model: 'openai/gpt-4o-mini', extensions: { serverTools: { web_search: 'force' } } },
      { name: 'painter', model: 'google/gemini-3.1-flash-image', clientOverrides: { modalities: true } },
    ],
  });
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());

const weather: ToolDefinition = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const time: ToolDefinition = { type: 'function', function: { name: 'get_time', description: 'The time in a zone', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } } };

async function record(request: ChatCompletionRequest): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  await client.chat.stream(request, { onEvent: (event) => void (event.type === 'chunk' && chunks.push(event.chunk)) });
  return chunks;
}

const formatRecording = createRecordingFormatter();
const recorded = new Map<RecordedStreamName, { request: ChatCompletionRequest; chunks: ChatCompletionChunk[] }>();
const requests: Record<Exclude<RecordedStreamName, 'anthropic-tool-result'>, ChatCompletionRequest> = {
  'parallel-tool-calls': { model: 'chat', messages: [{ role: 'user', content: 'Use get_weather and get_time for Oslo' }], tools: [weather, time] },
  'anthropic-tool-call': { model: 'claude', reasoning: { effort: 'low' }, messages: [{ role: 'user', content: 'Use get_weather for Oslo' }], tools: [weather] },
  'gemini-reasoning': { model: 'gemini', reasoning: { effort: 'minimal' }, messages: [{ role: 'user', content: 'Say hello' }] },
  'openai-reasoning': { model: 'gpt', reasoning: { effort: 'minimal' }, messages: [{ role: 'user', content: 'Say hello' }] },
  'plain-reasoning': { model: 'deepseek', reasoning: { effort: 'minimal' }, messages: [{ role: 'user', content: 'Say hello' }] },
  'web-search': { model: 'researcher', messages: [{ role: 'user', content: 'What is new in TypeScript?' }] },
  'generated-image': { model: 'painter', modalities: ['image', 'text'], messages: [{ role: 'user', content: 'A red square' }] },
};

/** The tool loop's second model call: the first call's reasoning details and tool call go back, with the result. */
function continuation(): ChatCompletionRequest {
  const first = recorded.get('anthropic-tool-call');
  if (!first) throw new Error('Record anthropic-tool-call first.');
  let answer = createAssistantMessage('a', 0);
  for (const chunk of first.chunks) answer = reduceChatEvent(answer, { type: 'chunk', chunk, at: 1 });
  answer = reduceChatEvent(answer, { type: 'done', at: 2 });
  const turn: AssistantTurn = {
    id: 't',
    role: 'assistant',
    selected: 0,
    versions: [{ ...answer, parts: answer.parts.map((part) => (part.type === 'tool-call' ? { ...part, state: 'output-available', output: { celsius: 4, sky: 'cloudy' } } : part)) }],
  };
  return { ...first.request, messages: toRequestMessages([{ id: 'u', role: 'user', content: 'Use get_weather for Oslo', createdAt: 0 }, turn]) };
}

describe('recorded chat streams', () => {
  it.each(RECORDED_STREAMS)('%s is what the gateway streams today', async (name) => {
    const request = name === 'anthropic-tool-result' ? continuation() : requests[name];
    const chunks = await record(request);
    recorded.set(name, { request, chunks });
    await expect(formatRecording(request, chunks)).toMatchFileSnapshot(`../../test/chat-streams/${name}.json`);
  });
});
