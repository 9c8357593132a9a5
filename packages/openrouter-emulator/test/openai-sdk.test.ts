import OpenAI, { APIError, AuthenticationError, BadRequestError, InternalServerError, RateLimitError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricesFor, startEmulator, type Emulator } from '../src/index.js';
import { addToolCallDelta, rejectionOf, type AssembledToolCall } from './client.js';

// The official openai SDK, pointed at the emulator, must parse every response it sends and surface every
// failure as its typed errors. OpenRouter's extra fields (`provider`, `usage.cost`) pass through untyped.

const MODEL = 'openai/gpt-4o-mini';
const EMBEDDING_MODEL = 'openai/text-embedding-3-small';
const SCENARIO = 'X-Emulator-Scenario';

interface OpenRouterUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost: number;
  cost_details: { upstream_inference_cost: number | null };
}

let emulator: Emulator;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
});

afterAll(() => emulator.close());

const clientWithKey = (apiKey: string) => new OpenAI({ baseURL: emulator.url, apiKey, maxRetries: 0 });

function expectedCost(model: string, usage: OpenRouterUsage): number {
  const pricing = emulator.catalog.find(model)?.pricing;
  if (!pricing) throw new Error(`${model} is not in the catalog`);
  const prices = pricesFor(pricing, usage.prompt_tokens);
  return usage.prompt_tokens * prices.prompt + usage.completion_tokens * prices.completion + prices.request;
}

/** Reads a stream the way a client would: text, tool calls by index, the chunk that carried usage. */
async function readStream(stream: AsyncIterable<ChatCompletionChunk>) {
  let text = '';
  let contentDeltas = 0;
  let finishReason: string | null = null;
  let usageChunk: ChatCompletionChunk | undefined;
  const toolCalls = new Map<number, AssembledToolCall>();
  for await (const chunk of stream) {
    if (chunk.usage) usageChunk = chunk;
    for (const choice of chunk.choices) {
      if (choice.delta.content) {
        text += choice.delta.content;
        contentDeltas += 1;
      }
      finishReason = choice.finish_reason ?? finishReason;
      for (const call of choice.delta.tool_calls ?? []) addToolCallDelta(toolCalls, call);
    }
  }
  return { text, contentDeltas, finishReason, usageChunk, toolCalls: [...toolCalls.values()] };
}

describe('openai SDK: chat completions', () => {
  it('parses a completion with the last user message, provider, finish reason and usage with cost', async () => {
    const question = 'How often should I water succulent plants?';
    const { data: completion, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: question }] })
      .withResponse();
    expect(completion.id).toMatch(/^gen-\d+-[A-Za-z0-9]{20}$/);
    expect(response.headers.get('x-generation-id')).toBe(completion.id);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(MODEL);
    expect((completion as unknown as { provider: string }).provider).toBe('OpenAI');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.role).toBe('assistant');
    expect(completion.choices[0]?.message.content).toContain(`You asked: "${question}".`);
    const usage = completion.usage as unknown as OpenRouterUsage;
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.cost).toBeGreaterThan(0);
    expect(usage.cost).toBeCloseTo(expectedCost(MODEL, usage), 15);
    expect(usage.cost_details.upstream_inference_cost).toBe(usage.cost);
  });

  it('streams deltas that join into the same text as the JSON answer, with usage in form A', async () => {
    const request = { model: MODEL, seed: 7, messages: [{ role: 'user' as const, content: 'Plan a weekend hiking trip' }] };
    const json = await client.chat.completions.create(request);
    const streamed = await readStream(await client.chat.completions.create({ ...request, stream: true }));
    expect(streamed.text).toBe(json.choices[0]?.message.content);
    expect(streamed.finishReason).toBe('stop');
    // Form A: the usage rides on a last chunk that still has one empty choice.
    expect(streamed.usageChunk?.choices).toHaveLength(1);
    expect(streamed.usageChunk?.choices[0]?.finish_reason).toBeNull();
    const usage = streamed.usageChunk?.usage as unknown as OpenRouterUsage;
    expect(usage.completion_tokens).toBe(streamed.contentDeltas);
    expect(usage.cost).toBeCloseTo(expectedCost(MODEL, usage), 15);
  });

  it('returns logprobs for each token of the answer, JSON and streamed, when the model supports them', async () => {
    const request = { model: MODEL, seed: 3, logprobs: true, top_logprobs: 2, messages: [{ role: 'user' as const, content: 'Name a river' }] };
    const json = await client.chat.completions.create(request);
    const choice = json.choices[0];
    const tokens = choice?.logprobs?.content ?? [];
    expect(tokens.length).toBe(json.usage?.completion_tokens);
    expect(tokens.map((entry) => entry.token).join('')).toBe(choice?.message.content);
    for (const entry of tokens) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token)]);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]).toMatchObject({ token: entry.token, logprob: entry.logprob });
      expect(entry.top_logprobs[1]?.logprob).toBeLessThanOrEqual(entry.logprob);
    }
    const streamed: Array<{ token: string; logprob: number }> = [];
    for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
      const delta = chunk.choices[0];
      if (delta?.delta.content) streamed.push(...(delta.logprobs?.content ?? []));
    }
    expect(streamed).toEqual(tokens);
    const unsupported = await client.chat.completions.create({ ...request, model: 'openai/gpt-4.1' });
    expect(unsupported.choices[0]?.logprobs).toBeNull();
  });

  it('reads usage from a form B chunk with no choices', async () => {
    const stream = await client.chat.completions.create(
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'Summarise the history of tea' }] },
      { headers: { [SCENARIO]: 'usage=b' } },
    );
    const streamed = await readStream(stream);
    expect(streamed.text).toContain('You asked: "Summarise the history of tea".');
    expect(streamed.usageChunk?.choices).toEqual([]);
    const usage = streamed.usageChunk?.usage as unknown as OpenRouterUsage;
    expect(usage.completion_tokens).toBe(streamed.contentDeltas);
    expect(usage.cost).toBeGreaterThan(0);
  });

  it('assembles streamed tool-call deltas into one call with valid JSON arguments', async () => {
    const tools: ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
            required: ['city', 'unit'],
          },
        },
      },
    ];
    const stream = await client.chat.completions.create({ model: MODEL, stream: true, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const streamed = await readStream(stream);
    expect(streamed.finishReason).toBe('tool_calls');
    expect(streamed.text).toBe('');
    expect(streamed.toolCalls).toHaveLength(1);
    const [call] = streamed.toolCalls;
    expect(call?.id).toMatch(/^call_/);
    expect(call?.name).toBe('get_weather');
    const args = JSON.parse(call?.arguments ?? '') as { city: unknown; unit: unknown };
    expect(typeof args.city).toBe('string');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
  });

  it("accumulates a tool call with the SDK's own stream helper", async () => {
    const runner = client.chat.completions.stream({
      model: MODEL,
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } }],
      messages: [{ role: 'user', content: 'Find the opening hours of the library' }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? call.function.name : undefined).toBe('lookup');
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ query: expect.any(String) });
  });

  it('throws an APIError from the stream iteration when an error event arrives mid-stream', async () => {
    const stream = await client.chat.completions.create(
      { model: MODEL, stream: true, messages: [{ role: 'user', content: 'Tell me about rivers' }] },
      { headers: { [SCENARIO]: 'error-after=3' } },
    );
    const deltas: string[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).code).toBe(502);
    expect((error as APIError).message).toContain('Provider returned error');
    expect(deltas.filter(Boolean)).toHaveLength(3);
  });
});

describe('openai SDK: models, embeddings, account', () => {
  it('lists the whole catalog with string prices', async () => {
    const page = await client.models.list();
    expect(page.data.length).toBeGreaterThanOrEqual(345);
    expect(page.hasNextPage()).toBe(false);
    const model = page.data.find((entry) => entry.id === MODEL) as unknown as { pricing: Record<string, unknown> } | undefined;
    expect(model?.pricing).toMatchObject({ prompt: '0.00000015', completion: '0.0000006' });
    for (const entry of page.data as unknown as Array<{ pricing: { prompt: unknown; completion: unknown } }>) {
      expect(typeof entry.pricing.prompt).toBe('string');
      expect(Number.isFinite(Number(entry.pricing.completion))).toBe(true);
    }
  });

  it('decodes base64 embeddings (the default) to the same deterministic vectors as the float format', async () => {
    const input = ['the quick brown fox', 'a lazy dog'];
    const base64 = await client.embeddings.create({ model: EMBEDDING_MODEL, input });
    const float = await client.embeddings.create({ model: EMBEDDING_MODEL, input, encoding_format: 'float' });
    const again = await client.embeddings.create({ model: EMBEDDING_MODEL, input });
    expect(base64.data).toHaveLength(2);
    expect(base64.data.map((entry) => entry.embedding.length)).toEqual([1536, 1536]);
    expect(base64.data[0]?.embedding).toEqual(float.data[0]?.embedding);
    expect(again.data[1]?.embedding).toEqual(base64.data[1]?.embedding);
    expect(base64.data[0]?.embedding).not.toEqual(base64.data[1]?.embedding);
    const norm = Math.hypot(...(base64.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(base64.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('shortens embeddings to the requested dimensions', async () => {
    const result = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'short vector', dimensions: 256 });
    expect(result.data[0]?.embedding).toHaveLength(256);
  });

  it('reads /key and /generation through the generic client.get', async () => {
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi there' }] });
    const key = await client.get<{ data: { label: string; limit: number | null; usage: number } }>('/key');
    expect(key.data.limit).toBeNull();
    expect(key.data.usage).toBeGreaterThan(0);
    const generation = await client.get<{ data: { id: string; model: string; total_cost: number } }>('/generation', { query: { id: completion.id } });
    expect(generation.data).toMatchObject({ id: completion.id, model: MODEL });
    expect(generation.data.total_cost).toBeCloseTo((completion.usage as unknown as OpenRouterUsage).cost, 15);
  });
});

describe('openai SDK: typed errors', () => {
  const ask = (api: OpenAI, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}, headers: Record<string, string> = {}) =>
    api.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], ...extra }, { headers });

  it('400 for an unknown model is a BadRequestError', async () => {
    const error = await rejectionOf(ask(client, { model: 'acme/no-such-model' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).status).toBe(400);
    expect((error as BadRequestError).message).toContain('acme/no-such-model is not a valid model ID');
  });

  it('400 for an out-of-range temperature is a BadRequestError naming the parameter', async () => {
    const error = await rejectionOf(ask(client, { temperature: 5 }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).error).toMatchObject({ code: 400, metadata: { param: 'temperature' } });
  });

  it('401 for an unknown key is an AuthenticationError', async () => {
    const error = await rejectionOf(ask(clientWithKey(`sk-or-v1-${'0'.repeat(64)}`)));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
  });

  it('402 for a key without credit is a plain APIError with status 402', async () => {
    const error = await rejectionOf(ask(clientWithKey(emulator.addKey({ limit: 0 }).key)));
    expect(error).toBeInstanceOf(APIError);
    expect(error).not.toBeInstanceOf(BadRequestError);
    expect((error as APIError).status).toBe(402);
    expect((error as APIError).message).toContain('Insufficient credits');
  });

  it('402 when the remaining credit cannot cover max_tokens, while a smaller max_tokens passes', async () => {
    const poor = clientWithKey(emulator.addKey({ limit: 0.0001 }).key);
    const error = await rejectionOf(ask(poor, { max_tokens: 10_000 }));
    expect((error as APIError).status).toBe(402);
    expect((error as APIError).message).toMatch(/You requested up to 10000 tokens, but can only afford \d+\./);
    const small = await ask(poor, { max_tokens: 20 });
    expect(small.choices[0]?.finish_reason).toBe('length');
    expect(small.usage?.completion_tokens).toBe(20);
  });

  it('429 is a RateLimitError carrying Retry-After and rate-limit headers', async () => {
    const error = await rejectionOf(ask(client, {}, { [SCENARIO]: 'status=429;retry-after=2' }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).headers.get('retry-after')).toBe('2');
    expect((error as RateLimitError).headers.get('x-ratelimit-remaining')).toBe('0');
    expect((error as RateLimitError).error).toMatchObject({ metadata: { retry_after_seconds: 2 } });
  });

  it('retries a 429 after its Retry-After and then succeeds', async () => {
    const retrying = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 1 });
    const started = performance.now();
    const completion = await ask(retrying, {}, { [SCENARIO]: 'status=429;retry-after=1;times=1' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(completion.choices[0]?.message.content).toContain('You asked: "Hello".');
  });

  it('503 is an InternalServerError', async () => {
    const error = await rejectionOf(ask(client, {}, { [SCENARIO]: 'status=503' }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(503);
  });
});
