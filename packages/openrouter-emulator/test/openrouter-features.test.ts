import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatResult, ChatStreamChunk } from '@openrouter/sdk/models';
import { NotFoundResponseError } from '@openrouter/sdk/models/errors';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderImage, renderPdf, startEmulator, type Emulator } from '../src/index.js';
import { addToolCallDelta, rejectionOf, type AssembledToolCall } from './client.js';

// What OpenRouter does beyond plain chat, through the official clients: several tool calls in one answer,
// tool_choice and parallel_tool_calls, a follow-up that reads the results; reasoning_details in each family's shape,
// and the continuation Anthropic and Gemini refuse when those details do not come back; web search with citations;
// provider routing; prompt caching; context compression.

let emulator: Emulator;
let openai: OpenAI;
let openrouter: OpenRouter;

beforeAll(async () => {
  emulator = await startEmulator();
  openai = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
  openrouter = new OpenRouter({ apiKey: emulator.apiKey, serverURL: emulator.url, retryConfig: { strategy: 'none' } });
});
afterAll(() => emulator.close());

const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] } } },
  { type: 'function', function: { name: 'convert_units', parameters: { type: 'object', properties: { value: { type: 'number' }, to: { type: 'string' } }, required: ['value', 'to'] } } },
];
const ASK_BOTH = 'Use get_weather and get_time for Oslo, please.';

/** The tool calls of a streamed answer, assembled by index as a client does. */
async function streamedCalls(messages: ChatCompletionMessageParam[], extra: Partial<OpenAI.ChatCompletionCreateParamsStreaming> = {}) {
  const stream = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, tools: TOOLS, messages, ...extra });
  const calls = new Map<number, AssembledToolCall>();
  const indexesPerChunk: number[][] = [];
  let finish: string | null = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    finish = choice.finish_reason ?? finish;
    indexesPerChunk.push((choice.delta.tool_calls ?? []).map((call) => call.index));
    for (const call of choice.delta.tool_calls ?? []) addToolCallDelta(calls, call);
  }
  return { calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call), finish, indexesPerChunk };
}

describe('tool calls', () => {
  it('calls every tool the message names in one answer, each at its own index with valid arguments', async () => {
    const { calls, finish, indexesPerChunk } = await streamedCalls([{ role: 'user', content: ASK_BOTH }]);
    expect(finish).toBe('tool_calls');
    expect(calls.map((call) => call.name)).toEqual(['get_weather', 'get_time']);
    expect(new Set(calls.map((call) => call.id)).size).toBe(2);
    expect(JSON.parse(calls[0]!.arguments)).toHaveProperty('city');
    expect(JSON.parse(calls[1]!.arguments)).toHaveProperty('timezone');
    // Deltas of index 1 follow those of index 0, as providers stream them.
    expect(indexesPerChunk.flat()).toEqual([...indexesPerChunk.flat()].sort((a, b) => a - b));
    const json = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', tools: TOOLS, messages: [{ role: 'user', content: ASK_BOTH }] });
    expect(json.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? call.function.name : ''))).toEqual(['get_weather', 'get_time']);
  });

  it('follows tool_choice (none, required, a named function) and parallel_tool_calls', async () => {
    const ask = [{ role: 'user' as const, content: ASK_BOTH }];
    expect((await streamedCalls(ask, { parallel_tool_calls: false })).calls.map((call) => call.name)).toEqual(['get_weather']);
    expect((await streamedCalls(ask, { tool_choice: { type: 'function', function: { name: 'convert_units' } } })).calls.map((call) => call.name)).toEqual(['convert_units']);
    const none = await streamedCalls(ask, { tool_choice: 'none' });
    expect(none.calls).toEqual([]);
    expect(none.finish).toBe('stop');
    // Nothing named: `required` (and `auto`) call the first tool.
    expect((await streamedCalls([{ role: 'user', content: 'What now?' }], { tool_choice: 'required' })).calls.map((call) => call.name)).toEqual(['get_weather']);
  });

  it('under tool-calls=mentioned, calls only the tools a message names (by name or its words), as a model asked nothing of them', async () => {
    const model = 'openai/gpt-4o-mini#tool-calls=mentioned';
    const chat = await streamedCalls([{ role: 'user', content: 'What now?' }], { model });
    expect(chat.calls).toEqual([]);
    expect(chat.finish).toBe('stop');
    expect((await streamedCalls([{ role: 'user', content: 'Please convert these units: 10 km to miles' }], { model })).calls.map((call) => call.name)).toEqual(['convert_units']);
    expect((await streamedCalls([{ role: 'user', content: 'What now?' }], { model, tool_choice: 'required' })).calls.map((call) => call.name)).toEqual(['get_weather']);
  });

  it('answers a follow-up from every tool result, naming the function each came from', async () => {
    const { calls } = await streamedCalls([{ role: 'user', content: ASK_BOTH }]);
    const messages: ChatCompletionMessageParam[] = [
      { role: 'user', content: ASK_BOTH },
      { role: 'assistant', content: null, tool_calls: calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.arguments } })) },
      { role: 'tool', tool_call_id: calls[0]!.id, content: 'Light snow, -3°C' },
      { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05 CET' },
    ];
    const answer = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', tools: TOOLS, messages });
    expect(answer.choices[0]?.finish_reason).toBe('stop');
    expect(answer.choices[0]?.message.content).toContain('The tool returned: "get_weather: Light snow, -3°C; get_time: 14:05 CET"');
    expect(answer.choices[0]?.message.tool_calls ?? []).toEqual([]);
  });
});

function resultOf(response: ChatResult | EventStream<ChatStreamChunk>): ChatResult {
  if (response instanceof EventStream) throw new Error('expected a JSON completion');
  return response;
}

describe('reasoning details', () => {
  it('signs Claude\'s thinking, seals Gemini\'s with an encrypted entry and summarizes OpenAI\'s; @openrouter/sdk parses each', async () => {
    const ask = (model: string) => openrouter.chat.send({ chatRequest: { model, reasoning: { effort: 'low' }, messages: [{ role: 'user', content: 'Plan a trip to Oslo' }] } });
    const claude = resultOf(await ask('anthropic/claude-sonnet-5')).choices[0]?.message.reasoningDetails;
    expect(claude).toEqual([expect.objectContaining({ type: 'reasoning.text', format: 'anthropic-claude-v1', signature: expect.any(String), text: expect.stringMatching(/\S/) })]);
    const gemini = resultOf(await ask('google/gemini-3.5-flash')).choices[0]?.message.reasoningDetails;
    expect(gemini?.map((detail) => [detail.type, (detail as { format?: string }).format])).toEqual([
      ['reasoning.text', 'google-gemini-v1'],
      ['reasoning.encrypted', 'google-gemini-v1'],
    ]);
    const gpt = resultOf(await ask('openai/gpt-5.5')).choices[0]?.message.reasoningDetails;
    expect(gpt?.map((detail) => detail.type)).toEqual(['reasoning.summary', 'reasoning.encrypted']);
    const plain = resultOf(await ask('deepseek/deepseek-r1')).choices[0]?.message.reasoningDetails;
    expect(plain).toEqual([expect.objectContaining({ type: 'reasoning.text', format: 'unknown' })]);
  });

  it('streams the details in pieces, closed by the signature, which @openrouter/sdk parses', async () => {
    const response = await openrouter.chat.send({ chatRequest: { model: 'anthropic/claude-sonnet-5', stream: true, reasoning: { effort: 'low' }, messages: [{ role: 'user', content: 'Plan a trip to Oslo' }] } });
    if (!(response instanceof EventStream)) throw new Error('expected a stream');
    const details = [];
    for await (const chunk of response) details.push(...(chunk.choices[0]?.delta.reasoningDetails ?? []));
    expect(details.length).toBeGreaterThan(2);
    expect(details.every((detail) => detail.type === 'reasoning.text' && detail.index === 0)).toBe(true);
    expect(details.filter((detail) => detail.type === 'reasoning.text' && detail.signature)).toHaveLength(1);
  });

  for (const [model, provider, words] of [
    ['google/gemini-3.5-flash', 'Google Vertex', 'missing a thought_signature'],
    ['anthropic/claude-sonnet-5', 'Anthropic', 'must start with a thinking block'],
  ] as const) {
    it(`${provider}: a tool-call continuation is refused without the reasoning details, and answered with them`, async () => {
      const first = await openai.chat.completions.create({ model, tools: TOOLS, reasoning_effort: 'low', messages: [{ role: 'user', content: 'Use get_weather for Oslo' }] });
      const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_details?: unknown[] };
      expect(message.tool_calls).toHaveLength(1);
      expect(message.reasoning_details?.length).toBeGreaterThan(0);
      const call = message.tool_calls![0]!;
      const turn = (assistant: Record<string, unknown>) =>
        openai.chat.completions.create({
          model,
          tools: TOOLS,
          reasoning_effort: 'low',
          messages: [{ role: 'user', content: 'Use get_weather for Oslo' }, assistant as unknown as ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: 'Sunny' }],
        });
      const refused = await rejectionOf(turn({ role: 'assistant', content: null, tool_calls: message.tool_calls }));
      expect(refused).toBeInstanceOf(BadRequestError);
      expect((refused as BadRequestError).error).toMatchObject({ message: 'Provider returned error', metadata: { provider_name: provider, raw: expect.stringContaining(words) } });
      // A forged signature or blob is refused too.
      const forged = (message.reasoning_details ?? []).map((detail) => ({ ...(detail as object), signature: 'forged', data: 'Zm9yZ2Vk' }));
      await expect(turn({ role: 'assistant', content: null, tool_calls: message.tool_calls, reasoning_details: forged })).rejects.toBeInstanceOf(BadRequestError);
      const answered = await turn({ role: 'assistant', content: null, tool_calls: message.tool_calls, reasoning_details: message.reasoning_details });
      expect(answered.choices[0]?.message.content).toContain('The tool returned: "Sunny"');
      // The same details on another provider of the model: its signature is not theirs.
      const elsewhere = await rejectionOf(
        openai.chat.completions.create({
          model,
          tools: TOOLS,
          reasoning_effort: 'low',
          provider: { ignore: [provider] },
          messages: [{ role: 'user', content: 'Use get_weather for Oslo' }, { role: 'assistant', content: null, tool_calls: message.tool_calls, reasoning_details: message.reasoning_details } as unknown as ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: 'Sunny' }],
        } as OpenAI.ChatCompletionCreateParamsNonStreaming),
      );
      expect((elsewhere as BadRequestError).error).toMatchObject({ metadata: { raw: expect.stringMatching(/Corrupted thought signature|Invalid `signature`/) } });
    });
  }
});

describe('web search', () => {
  const SEARCH = { type: 'openrouter:web_search', parameters: { max_results: 3 } } as unknown as ChatCompletionTool;

  it('cites its results as url_citation annotations whose [n] markers stand where they say, and bills each result', async () => {
    const question = 'Latest Oslo tram timetable';
    const plain = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', seed: 7, messages: [{ role: 'user', content: question }] });
    const searched = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', seed: 7, tools: [SEARCH], messages: [{ role: 'user', content: question }] });
    const message = searched.choices[0]!.message;
    const content = message.content ?? '';
    expect(message.annotations).toHaveLength(3);
    message.annotations?.forEach((annotation, index) => {
      expect(annotation.type).toBe('url_citation');
      expect(annotation.url_citation.url).toMatch(/^https:\/\/example\.org\/latest-oslo-tram-timetable\/\d$/);
      expect(content.slice(annotation.url_citation.start_index, annotation.url_citation.end_index)).toBe(`[${index + 1}]`);
    });
    expect(message.tool_calls ?? []).toEqual([]);
    const usage = searched.usage as unknown as { cost: number; server_tool_use_details?: { web_search_requests: number } };
    const plainCost = (plain.usage as unknown as { cost: number }).cost;
    const tokenCost = usage.cost - 3 * 0.004;
    // The sources add a few tokens; the three results add $0.012.
    expect(tokenCost).toBeGreaterThanOrEqual(plainCost);
    expect(tokenCost).toBeLessThan(plainCost + 0.001);
    expect(usage.server_tool_use_details).toMatchObject({ web_search_requests: 1 });
  });

  it('streams the annotations after the text, and the older `web` plugin searches too; @openrouter/sdk parses both', async () => {
    const response = await openrouter.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Oslo weather' }], plugins: [{ id: 'web', maxResults: 2 }] } as never });
    if (!(response instanceof EventStream)) throw new Error('expected a stream');
    let usage: ChatStreamChunk['usage'];
    for await (const chunk of response) usage = chunk.usage ?? usage;
    expect(usage?.serverToolUseDetails?.webSearchRequests).toBe(1);
    const stream = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, tools: [SEARCH], messages: [{ role: 'user', content: 'Oslo weather' }] });
    const annotations: unknown[] = [];
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; annotations?: unknown[] } | undefined;
      if (delta?.annotations) {
        expect(text).toContain('Sources: [1] [2] [3]');
        annotations.push(...delta.annotations);
      }
      text += delta?.content ?? '';
    }
    expect(annotations).toHaveLength(3);
  });
});

describe('provider routing', () => {
  const served = async (model: string, provider: Record<string, unknown>) => {
    const answer = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], provider } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    return (answer as unknown as { provider: string }).provider;
  };

  it('picks the provider the `provider` object asks for: order, only, ignore, sort', async () => {
    expect(await served('anthropic/claude-sonnet-4', {})).toBe('Anthropic');
    expect(await served('anthropic/claude-sonnet-4', { order: ['amazon bedrock'] })).toBe('Amazon Bedrock');
    expect(await served('anthropic/claude-sonnet-4', { only: ['Google Vertex'] })).toBe('Google Vertex');
    expect(await served('anthropic/claude-sonnet-4', { ignore: ['Anthropic'] })).toBe('Amazon Bedrock');
    expect(await served('anthropic/claude-sonnet-4', { order: ['Groq'], allow_fallbacks: true })).toBe('Anthropic');
    const sorted = await served('meta-llama/llama-3.3-70b-instruct', { sort: 'price' });
    expect(['Groq', 'DeepInfra', 'Together']).toContain(sorted);
    expect(await served('meta-llama/llama-3.3-70b-instruct', { sort: 'price' })).toBe(sorted);
    // The probe agrees with the answer.
    expect(emulator.generations().at(-1)?.provider).toBe(sorted);
  });

  it('answers OpenRouter\'s 404 when nothing is left: no fallbacks, zero retention, no data collection, a price ceiling', async () => {
    for (const [model, provider] of [
      ['anthropic/claude-sonnet-4', { order: ['Groq'], allow_fallbacks: false }],
      ['meta-llama/llama-3.3-70b-instruct', { zdr: true }],
      ['anthropic/claude-sonnet-4', { max_price: { prompt: 1 } }],
      ['anthropic/claude-sonnet-4', { only: ['Anthropic'], ignore: ['Anthropic'] }],
    ] as const) {
      const refused = await rejectionOf(served(model, provider));
      expect(refused, JSON.stringify(provider)).toBeInstanceOf(NotFoundError);
      expect((refused as NotFoundError).message).toContain('No allowed providers are available for the selected model.');
    }
  });
});

describe('provider prices', () => {
  const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
  type Endpoint = { provider_name: string; tag: string; pricing: Record<string, string> & { overrides?: Array<{ min_prompt_tokens: number; prompt: string }> }; throughput_last_30m: { p50: number }; latency_last_30m: { p50: number } };
  const endpointsOf = async (model: string) => ((await (await fetch(`${emulator.url}/models/${model}/endpoints`)).json()) as { data: { endpoints: Endpoint[] } }).data.endpoints;
  /** What one request cost, the provider that served it and its prompt and completion tokens. */
  const billed = async (model: string, provider?: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const answer = await openai.chat.completions.create({ model, max_tokens: 20, messages: [{ role: 'user', content: 'How far is Bergen from Oslo?' }], ...(provider ? { provider } : {}) } as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers });
    const usage = answer.usage as unknown as { cost: number; prompt_tokens: number; completion_tokens: number };
    return { provider: (answer as unknown as { provider: string }).provider, cost: usage.cost, prompt: usage.prompt_tokens, completion: usage.completion_tokens };
  };
  const at = (pricing: Record<string, string>, use: { prompt: number; completion: number }) => use.prompt * Number(pricing['prompt']) + use.completion * Number(pricing['completion']);

  it('lists an open-weights model\'s hosts at their own prices: the first at the list price, later ones dearer', async () => {
    const listed = emulator.catalog.find(LLAMA)!.pricing;
    const endpoints = await endpointsOf(LLAMA);
    expect(endpoints.map((endpoint) => endpoint.provider_name)).toEqual(['Groq', 'DeepInfra', 'Together']);
    expect(endpoints.map((endpoint) => Number(endpoint.pricing['completion']) / Number(listed.completion))).toEqual([1, 1.5, 2]);
    expect(endpoints[2]!.pricing['prompt']).toBe('0.00000026');
    // A first-party model costs the same on every cloud that resells it.
    const claude = await endpointsOf('anthropic/claude-sonnet-4');
    expect(new Set(claude.map((endpoint) => endpoint.pricing['completion']))).toEqual(new Set([emulator.catalog.find('anthropic/claude-sonnet-4')!.pricing.completion]));
    // Tiers are the host's too.
    const tiers = (await endpointsOf('qwen/qwen3-max'))[1]!.pricing.overrides!;
    const listedTiers = emulator.catalog.find('qwen/qwen3-max')!.pricing.overrides!;
    expect(tiers.map((tier) => tier.min_prompt_tokens)).toEqual(listedTiers.map((tier) => tier.min_prompt_tokens));
    tiers.forEach((tier, index) => expect(Number(tier.prompt)).toBeCloseTo(1.5 * Number(listedTiers[index]!.prompt), 15));
  });

  it('bills each request at the prices of the provider that served it, whatever routed it there', async () => {
    const endpoints = await endpointsOf(LLAMA);
    const priceOf = (provider: string) => endpoints.find((endpoint) => endpoint.provider_name === provider)!.pricing;
    const fastest = [...endpoints].sort((a, b) => b.throughput_last_30m.p50 - a.throughput_last_30m.p50)[0]!.provider_name;
    const routes = [
      [undefined, {}],
      [{ sort: 'throughput' }, {}],
      [{ sort: { by: 'latency' } }, {}],
      [{ order: ['together'] }, {}],
      [{ only: ['deepinfra'] }, {}],
      // OpenRouter's own load balancing, as a scenario: a provider the request did not choose.
      [undefined, { 'x-emulator-scenario': 'provider=DeepInfra' }],
    ] as const;
    const served: string[] = [];
    for (const [provider, headers] of routes) {
      const answer = await billed(LLAMA, provider, headers);
      served.push(answer.provider);
      expect(answer.cost, JSON.stringify(provider ?? headers)).toBeCloseTo(at(priceOf(answer.provider), answer), 15);
      expect(emulator.generations().at(-1)?.billed?.cost).toBe(answer.cost);
    }
    expect(fastest).toBe('Together');
    expect(served).toEqual(['Groq', 'Together', 'Together', 'Together', 'DeepInfra', 'DeepInfra']);
    // The dearest host bills twice what the list price would.
    const dear = await billed(LLAMA, { sort: 'throughput' });
    expect(dear.cost).toBeCloseTo(2 * at(emulator.catalog.find(LLAMA)!.pricing as unknown as Record<string, string>, dear), 15);
  });

  it('sort: "price" picks the cheapest host, and max_price leaves out only the hosts dearer than it', async () => {
    expect((await billed(LLAMA, { sort: 'price', order: [] })).provider).toBe('Groq');
    const listed = emulator.catalog.find(LLAMA)!.pricing;
    const perMillion = (value: string, factor: number) => Number(value) * factor * 1_000_000;
    // Under 1.75 times the list price: Together (twice) is left out, DeepInfra (1.5 times) stays.
    expect((await billed(LLAMA, { order: ['Together', 'DeepInfra'], max_price: { completion: perMillion(listed.completion, 1.75) } })).provider).toBe('DeepInfra');
    expect((await billed(LLAMA, { sort: 'throughput', max_price: { prompt: String(perMillion(listed.prompt, 1.25)) } })).provider).toBe('Groq');
    const refused = await rejectionOf(billed(LLAMA, { max_price: { completion: perMillion(listed.completion, 0.5) } }));
    expect((refused as NotFoundError).message).toContain('No allowed providers are available for the selected model.');
  });

  it('charges the credit check at the serving host\'s prices', async () => {
    const listed = emulator.catalog.find(LLAMA)!.pricing;
    // Credit for 1,000 output tokens at the list price, not at twice it.
    const key = emulator.addKey({ limit: 1_000 * Number(listed.completion) * 1.2 });
    const client = new OpenAI({ baseURL: emulator.url, apiKey: key.key, maxRetries: 0 });
    const ask = (provider: Record<string, unknown>) => client.chat.completions.create({ model: LLAMA, max_tokens: 1_000, messages: [{ role: 'user', content: 'Hi' }], provider } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect((await ask({ order: ['Groq'] })).choices).toHaveLength(1);
    expect(await rejectionOf(ask({ order: ['Together'] }))).toMatchObject({ status: 402 });
  });
});

describe('prompt caching', () => {
  const LONG = `You answer questions about the Oslo tram network. ${'Line 11 runs from Kjelsås to Majorstuen every ten minutes. '.repeat(150)}`;
  type Usage = { cost: number; prompt_tokens: number; prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number } };
  const usageOf = (answer: OpenAI.ChatCompletion) => answer.usage as unknown as Usage;

  it('cache_control writes a prefix once, then reads it at the cache price; /generation reports the discount', async () => {
    const body = {
      model: 'anthropic/claude-sonnet-4',
      messages: [
        { role: 'system', content: [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'When does line 11 run?' },
      ],
    } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const first = usageOf(await openai.chat.completions.create(body));
    expect(first.prompt_tokens_details.cache_write_tokens).toBeGreaterThan(1_024);
    expect(first.prompt_tokens_details.cached_tokens).toBe(0);
    const second = await openai.chat.completions.create(body);
    const reused = usageOf(second);
    expect(reused.prompt_tokens_details).toMatchObject({ cached_tokens: first.prompt_tokens_details.cache_write_tokens, cache_write_tokens: 0 });
    expect(reused.prompt_tokens).toBe(first.prompt_tokens);
    // Claude reads at a tenth of the prompt price and writes at 1.25 times it.
    expect(reused.cost).toBeLessThan(first.cost / 3);
    const generation = await fetch(`${emulator.url}/generation?id=${second.id}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
    const record = ((await generation.json()) as { data: { cache_discount: number; native_tokens_cached: number } }).data;
    expect(record.native_tokens_cached).toBe(reused.prompt_tokens_details.cached_tokens);
    expect(record.cache_discount).toBeGreaterThan(0);
  });

  it('OpenAI models cache a long prefix on their own; a short one is never cached', async () => {
    const messages = [
      { role: 'user' as const, content: LONG },
      { role: 'assistant' as const, content: 'Ask me anything about the trams.' },
      { role: 'user' as const, content: 'When does line 11 run?' },
    ];
    const first = usageOf(await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }));
    expect(first.prompt_tokens_details).toMatchObject({ cached_tokens: 0, cache_write_tokens: 0 });
    const again = usageOf(await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages }));
    expect(again.prompt_tokens_details.cached_tokens).toBeGreaterThan(1_024);
    expect(again.cost).toBeLessThan(first.cost);
    const short = [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello' }, { role: 'user' as const, content: 'Again' }];
    await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: short });
    expect(usageOf(await openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: short })).prompt_tokens_details.cached_tokens).toBe(0);
  });
});

describe('context compression and :online', () => {
  it('middle-out (or the context-compression plugin) fits a prompt the context would refuse, billed as what fit', async () => {
    const messages = [{ role: 'user' as const, content: 'Summarize: ' + 'the tram runs late again today '.repeat(4_000) }];
    const refused = await rejectionOf(openai.chat.completions.create({ model: 'microsoft/phi-4', max_tokens: 100, messages }));
    expect((refused as BadRequestError).message).toContain('maximum context length is 16384 tokens');
    for (const extra of [{ transforms: ['middle-out'] }, { plugins: [{ id: 'context-compression' }] }]) {
      const answer = await openai.chat.completions.create({ model: 'microsoft/phi-4', max_tokens: 100, messages, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      expect(answer.usage?.prompt_tokens).toBe(16_384 - 100);
    }
  });

  it('the plugin turned off (`enabled: false`) compresses nothing; @openrouter/sdk sends it with its engine', async () => {
    const messages = [{ role: 'user' as const, content: 'Summarize: ' + 'the tram runs late again today '.repeat(4_000) }];
    const off = await rejectionOf(openai.chat.completions.create({ model: 'microsoft/phi-4', max_tokens: 100, messages, plugins: [{ id: 'context-compression', enabled: false }] } as OpenAI.ChatCompletionCreateParamsNonStreaming));
    expect((off as BadRequestError).message).toContain('maximum context length is 16384 tokens');
    const compressed = resultOf(await openrouter.chat.send({ chatRequest: { model: 'microsoft/phi-4', maxTokens: 100, messages, plugins: [{ id: 'context-compression', engine: 'middle-out' }] } }));
    expect(compressed.usage?.promptTokens).toBe(16_384 - 100);
    expect((emulator.generations().at(-1)?.request as Record<string, unknown> | undefined)?.['plugins']).toEqual([{ id: 'context-compression', engine: 'middle-out' }]);
  });

  it('a context of 8,192 tokens or less compresses by default, as OpenRouter does, unless `transforms: []` says not to', async () => {
    const messages = [{ role: 'user' as const, content: 'Summarize: ' + 'the tram runs late again today '.repeat(2_000) }];
    const answer = await openai.chat.completions.create({ model: 'openai/gpt-4', max_tokens: 100, messages });
    expect(answer.usage?.prompt_tokens).toBe(8_191 - 100);
    const refused = await rejectionOf(openai.chat.completions.create({ model: 'openai/gpt-4', max_tokens: 100, messages, transforms: [] } as OpenAI.ChatCompletionCreateParamsNonStreaming));
    expect((refused as BadRequestError).message).toContain('maximum context length is 8191 tokens');
    // A larger context is never compressed unasked.
    await expect(openai.chat.completions.create({ model: 'microsoft/phi-4', max_tokens: 100, messages: [{ role: 'user', content: 'x '.repeat(40_000) }] })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('the :online suffix searches the web', async () => {
    const answer = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini:online', messages: [{ role: 'user', content: 'Oslo news' }] });
    expect(answer.choices[0]?.message.annotations).toHaveLength(5);
  });
});

describe('@openrouter/sdk parses each new answer', () => {
  it('parallel tool calls streamed, an answer to attachments, cached usage, and routing and continuity refusals', async () => {
    const stream = await openrouter.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', stream: true, tools: TOOLS as never, messages: [{ role: 'user', content: ASK_BOTH }] } });
    if (!(stream instanceof EventStream)) throw new Error('expected a stream');
    const indexes = new Set<number>();
    for await (const chunk of stream) for (const call of chunk.choices[0]?.delta.toolCalls ?? []) indexes.add(call.index);
    expect([...indexes]).toEqual([0, 1]);

    const png = `data:image/png;base64,${renderImage({ prompt: 'a tram', width: 32, height: 32 }).toString('base64')}`;
    const pdf = `data:application/pdf;base64,${renderPdf(2).toString('base64')}`;
    const attached = resultOf(
      await openrouter.chat.send({
        chatRequest: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', imageUrl: { url: png } }, { type: 'file', file: { filename: 'a.pdf', fileData: pdf } }] }] } as never,
      }),
    );
    expect(attached.choices[0]?.message.content).toContain('I received an image of 32×32 pixels, a PDF of 2 pages');

    const long = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Tram facts. '.repeat(600) }, { role: 'assistant' as const, content: 'Noted.' }, { role: 'user' as const, content: 'Line 11?' }] };
    await openrouter.chat.send({ chatRequest: long });
    const cached = resultOf(await openrouter.chat.send({ chatRequest: long }));
    expect(cached.usage?.promptTokensDetails?.cachedTokens).toBeGreaterThan(1_024);

    const noProvider = await rejectionOf(openrouter.chat.send({ chatRequest: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], provider: { only: ['Groq'] } } }));
    expect(noProvider).toBeInstanceOf(NotFoundResponseError);
  });
});

describe('models fallback', () => {
  it('tries the next of `models` when one is down or rate limited, and fails with the last', async () => {
    const served = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini#status=503', messages: [{ role: 'user', content: 'Hi' }], models: ['openai/gpt-4o-mini#status=503', 'mistralai/mistral-small-3.2-24b-instruct#status=429', 'anthropic/claude-sonnet-4'] } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(served.model).toBe('anthropic/claude-sonnet-4');
    expect(emulator.generations().at(-1)?.model).toBe('anthropic/claude-sonnet-4');
    // A client error does not fall back; nor does a fault of every model (the header's).
    const refused = await rejectionOf(openai.chat.completions.create({ model: 'openai/gpt-4o-mini#status=400', messages: [{ role: 'user', content: 'Hi' }], models: ['anthropic/claude-sonnet-4'] } as OpenAI.ChatCompletionCreateParamsNonStreaming));
    expect((refused as BadRequestError).status).toBe(400);
    const down = await rejectionOf(openai.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], models: ['anthropic/claude-sonnet-4'] } as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers: { 'X-Emulator-Scenario': 'status=503' } }));
    expect((down as { status: number }).status).toBe(503);
  });
});
