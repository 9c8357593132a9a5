import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, stepCountIs, tool } from 'ai';
import OpenAI, { BadRequestError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// Tool loops through the gateway with the clients apps use: the official openai SDK (parallel calls streamed,
// results sent back, the final answer) and the Vercel AI SDK (generateText with tools over several steps); and a
// reasoning model whose next turn is accepted only because the gateway passed its reasoning_details through.

let harness: Harness;
let openai: OpenAI;

beforeAll(async () => {
  harness = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'agent', model: 'google/gemini-3.5-flash', systemPrompt: 'You plan trips.' }] });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());

const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'The time in a timezone', parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] } } },
];
const QUESTION = 'Use get_weather and get_time for Oslo.';

describe('tool loops through the gateway', () => {
  it('openai SDK: two calls streamed in one answer, their results sent back, then the final answer', async () => {
    const before = harness.usage.records.length;
    const stream = await openai.chat.completions.create({ model: 'chat', stream: true, tools: TOOLS, messages: [{ role: 'user', content: QUESTION }] });
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      finish = choice?.finish_reason ?? finish;
      for (const call of choice?.delta.tool_calls ?? []) {
        const entry = calls.get(call.index) ?? { id: '', name: '', arguments: '' };
        entry.id ||= call.id ?? '';
        entry.name ||= call.function?.name ?? '';
        entry.arguments += call.function?.arguments ?? '';
        calls.set(call.index, entry);
      }
    }
    expect(finish).toBe('tool_calls');
    const made = [...calls.values()];
    expect(made.map((call) => call.name)).toEqual(['get_weather', 'get_time']);
    const results: Record<string, string> = { get_weather: 'Light snow, -3°C', get_time: '14:05 CET' };
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: QUESTION },
      { role: 'assistant', content: null, tool_calls: made.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } })) },
      ...made.map((call) => ({ role: 'tool' as const, tool_call_id: call.id, content: results[call.name]! })),
    ];
    const final = await openai.chat.completions.create({ model: 'chat', tools: TOOLS, messages });
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.choices[0]?.message.content).toContain('get_weather: Light snow, -3°C; get_time: 14:05 CET');
    // Both steps are metered, each once.
    await expect.poll(() => harness.usage.records.length - before).toBe(2);
  });

  it('Vercel AI SDK: generateText runs the tools and answers from their results over several steps', async () => {
    const provider = createOpenAICompatible({ name: 'insforge', baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, includeUsage: true });
    const ran: string[] = [];
    const result = await generateText({
      model: provider('chat'),
      prompt: QUESTION,
      maxRetries: 0,
      stopWhen: stepCountIs(4),
      tools: {
        get_weather: tool({ description: 'The weather in a city', inputSchema: z.object({ city: z.string() }), execute: async () => (ran.push('get_weather'), 'Light snow') }),
        get_time: tool({ description: 'The time in a timezone', inputSchema: z.object({ timezone: z.string() }), execute: async () => (ran.push('get_time'), '14:05') }),
      },
    });
    expect(ran.sort()).toEqual(['get_time', 'get_weather']);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls.map((call) => call.toolName)).toEqual(['get_weather', 'get_time']);
    expect(result.text).toContain('The tool returned: "get_weather: Light snow; get_time: 14:05"');
    expect(result.finishReason).toBe('stop');
  });

  it('a reasoning model\'s next turn is accepted only because its reasoning_details came back through the gateway', async () => {
    const ask: ChatCompletionMessageParam = { role: 'user', content: 'Use get_weather for Oslo.' };
    const first = await openai.chat.completions.create({ model: 'agent', tools: TOOLS, messages: [ask] });
    const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_details?: unknown[] };
    expect(message.tool_calls).toHaveLength(1);
    expect(message.reasoning_details).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'reasoning.encrypted', format: 'google-gemini-v1' })]));
    const call = message.tool_calls![0]!;
    const next = (assistant: Record<string, unknown>) =>
      openai.chat.completions.create({ model: 'agent', tools: TOOLS, messages: [ask, assistant as unknown as ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: 'Sunny' }] });
    // Without them, Gemini refuses the turn, and the client is told why.
    const refused = await next({ role: 'assistant', content: null, tool_calls: message.tool_calls }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).message).toContain('Provider returned error (Google Vertex: Function call is missing a thought_signature');
    const answered = await next({ role: 'assistant', content: null, tool_calls: message.tool_calls, reasoning_details: message.reasoning_details });
    expect(answered.choices[0]?.message.content).toContain('The tool returned: "Sunny"');
  });
});

describe('a tool continuation goes back to the provider that made the calls', () => {
  let pinned: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    pinned = await startHarness({ features: [{ name: 'claude', model: 'anthropic/claude-sonnet-5', extensions: { provider: 'allow' } }] });
    client = new OpenAI({ baseURL: `${pinned.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  afterAll(() => pinned.close());

  const ask: ChatCompletionMessageParam = { role: 'user', content: 'Use get_weather for Oslo.' };
  const continuation = (message: Record<string, unknown>, callId: string, extra: Record<string, unknown> = {}) =>
    client.chat.completions.create({ model: 'claude', tools: TOOLS, messages: [ask, message as unknown as ChatCompletionMessageParam, { role: 'tool', tool_call_id: callId, content: 'Sunny' }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);

  it('JSON: calls made on Amazon Bedrock are continued there, where another provider refuses their signature', async () => {
    const first = await client.chat.completions.create({ model: 'claude', tools: TOOLS, messages: [ask], provider: { order: ['Amazon Bedrock'] } } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect((first as unknown as { provider: string }).provider).toBe('Amazon Bedrock');
    const message = first.choices[0]!.message as unknown as Record<string, unknown> & { tool_calls: Array<{ id: string }> };
    const turn = { role: 'assistant', content: null, tool_calls: message.tool_calls, reasoning_details: message['reasoning_details'] };
    const answered = await continuation(turn, message.tool_calls[0]!.id);
    expect(answered.choices[0]?.message.content).toContain('The tool returned: "Sunny"');
    expect(pinned.emulator.generations().at(-1)?.request).toMatchObject({ provider: { order: ['Amazon Bedrock'], allow_fallbacks: false } });
    // A client that picks the provider itself is not overridden: on Anthropic the signature is refused.
    const elsewhere = await continuation(turn, message.tool_calls[0]!.id, { provider: { order: ['Anthropic'] } }).catch((error: unknown) => error);
    expect((elsewhere as BadRequestError).message).toContain('Invalid `signature`');
  });

  it('streamed: the pin is learned from the chunks', async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true, tools: TOOLS, messages: [ask], provider: { order: ['Google Vertex'] } } as OpenAI.ChatCompletionCreateParamsStreaming);
    const calls = new Map<number, { id: string; type: 'function'; function: { name: string; arguments: string } }>();
    const details = new Map<number, Record<string, unknown>>();
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_details?: Array<Record<string, unknown> & { index: number; text?: string }> }) | undefined;
      for (const call of delta?.tool_calls ?? []) {
        const entry = calls.get(call.index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
        entry.id ||= call.id ?? '';
        entry.function.name ||= call.function?.name ?? '';
        entry.function.arguments += call.function?.arguments ?? '';
        calls.set(call.index, entry);
      }
      // reasoning_details arrive in pieces by index: texts join, the signature comes last.
      for (const detail of delta?.reasoning_details ?? []) {
        const held = details.get(detail.index) ?? {};
        details.set(detail.index, { ...held, ...detail, text: `${(held['text'] as string | undefined) ?? ''}${detail.text ?? ''}` });
      }
    }
    const toolCalls = [...calls.values()];
    const answered = await continuation({ role: 'assistant', content: null, tool_calls: toolCalls, reasoning_details: [...details.values()] }, toolCalls[0]!.id);
    expect(answered.choices[0]?.message.content).toContain('The tool returned: "Sunny"');
    expect(pinned.emulator.generations().at(-1)?.provider).toBe('Google Vertex');
  });
});
