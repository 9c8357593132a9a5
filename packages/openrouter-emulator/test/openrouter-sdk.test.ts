import { imageTypeOf } from '@insforge/ai-protocol';
import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatResult, ChatStreamChunk } from '@openrouter/sdk/models';
import {
  BadRequestResponseError,
  ForbiddenResponseError,
  OpenRouterError,
  PaymentRequiredResponseError,
  TooManyRequestsResponseError,
  UnauthorizedResponseError,
} from '@openrouter/sdk/models/errors';
import type { SendChatCompletionRequestResponse } from '@openrouter/sdk/models/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { rejectionOf } from './client.js';

// The official OpenRouter SDK validates every response with zod schemas, so a response it parses is a response
// whose shape matches OpenRouter's published API. Its schemas strip unknown fields: `provider` on a completion
// never reaches the caller, so the provider is checked on the emulator's probe instead.

const MODEL = 'openai/gpt-4o-mini';
const REASONING_MODEL = 'deepseek/deepseek-r1';
const EMBEDDING_MODEL = 'openai/text-embedding-3-small';
const SCENARIO = 'X-Emulator-Scenario';

let emulator: Emulator;
let client: OpenRouter;

const clientWithKey = (apiKey: string) => new OpenRouter({ apiKey, serverURL: emulator.url, retryConfig: { strategy: 'none' } });

beforeAll(async () => {
  emulator = await startEmulator();
  client = clientWithKey(emulator.apiKey);
});

afterAll(() => emulator.close());

function resultOf(response: SendChatCompletionRequestResponse): ChatResult {
  if (response instanceof EventStream) throw new Error('expected a JSON completion, got a stream');
  return response;
}

async function chunksOf(response: SendChatCompletionRequestResponse): Promise<ChatStreamChunk[]> {
  if (!(response instanceof EventStream)) throw new Error('expected a stream, got a JSON completion');
  const chunks: ChatStreamChunk[] = [];
  for await (const chunk of response) chunks.push(chunk);
  return chunks;
}

const contentOf = (chunks: ChatStreamChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');

const user = (content: string) => [{ role: 'user' as const, content }];

describe('OpenRouter SDK: chat', () => {
  it('parses a completion with the last user message, finish reason and usage with cost details', async () => {
    const question = 'What is a good name for a grey cat?';
    const completion = resultOf(await client.chat.send({ chatRequest: { model: MODEL, messages: user(question) } }));
    expect(completion.id).toMatch(/^gen-\d+-[A-Za-z0-9]{20}$/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(MODEL);
    expect(completion.systemFingerprint).toMatch(/^fp_/);
    const choice = completion.choices[0];
    expect(choice?.finishReason).toBe('stop');
    expect(choice?.message.role).toBe('assistant');
    expect(choice?.message.content).toContain(`You asked: "${question}".`);
    const usage = completion.usage;
    expect(usage?.totalTokens).toBe((usage?.promptTokens ?? 0) + (usage?.completionTokens ?? 0));
    expect(usage?.cost).toBeGreaterThan(0);
    expect(usage?.isByok).toBe(false);
    expect(usage?.costDetails?.upstreamInferenceCost).toBe(usage?.cost);
    expect((usage?.costDetails?.upstreamInferencePromptCost ?? 0) + (usage?.costDetails?.upstreamInferenceCompletionsCost ?? 0)).toBeCloseTo(usage?.cost ?? 0, 15);
    expect(usage?.promptTokensDetails?.cachedTokens).toBe(0);
    expect(emulator.probe(completion.id)?.provider).toBe('OpenAI');
  });

  it('streams deltas that join into the JSON answer, with usage in form A', async () => {
    const chatRequest = { model: MODEL, seed: 11, messages: user('Describe a quiet morning in the mountains') };
    const json = resultOf(await client.chat.send({ chatRequest }));
    const chunks = await chunksOf(await client.chat.send({ chatRequest: { ...chatRequest, stream: true } }));
    expect(contentOf(chunks)).toBe(json.choices[0]?.message.content);
    expect(chunks.map((chunk) => chunk.choices[0]?.finishReason).filter(Boolean)).toEqual(['stop']);
    const last = chunks.at(-1);
    expect(last?.choices).toHaveLength(1);
    expect(last?.usage?.completionTokens).toBe(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length);
    expect(last?.usage?.cost).toBeCloseTo(json.usage?.cost ?? 0, 15);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('reads usage from a form B chunk with no choices (header passed per call)', async () => {
    const response = await client.chat.send(
      { chatRequest: { model: MODEL, stream: true, messages: user('List three uses for baking soda') } },
      { headers: { [SCENARIO]: 'usage=b' } },
    );
    const chunks = await chunksOf(response);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completionTokens).toBe(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length);
    expect(last?.usage?.costDetails?.upstreamInferenceCost).toBe(last?.usage?.cost);
    expect(contentOf(chunks)).toContain('You asked: "List three uses for baking soda".');
  });

  it('streams tool-call deltas that assemble into valid JSON arguments', async () => {
    const response = await client.chat.send({
      chatRequest: {
        model: MODEL,
        stream: true,
        messages: user('Book a table for two tonight'),
        tools: [
          {
            type: 'function',
            function: {
              name: 'book_table',
              parameters: { type: 'object', properties: { guests: { type: 'integer' }, time: { type: 'string' } }, required: ['guests', 'time'] },
            },
          },
        ],
      },
    });
    const calls = (await chunksOf(response)).flatMap((chunk) => chunk.choices[0]?.delta.toolCalls ?? []);
    const start = calls.find((call) => call.id !== undefined);
    expect(start).toMatchObject({ index: 0, type: 'function', function: { name: 'book_table' } });
    expect(start?.id).toMatch(/^call_/);
    expect(calls.every((call) => call.index === 0)).toBe(true);
    const args = JSON.parse(calls.map((call) => call.function?.arguments ?? '').join('')) as { guests: unknown; time: unknown };
    expect(Number.isInteger(args.guests)).toBe(true);
    expect(typeof args.time).toBe('string');
  });

  it('streams reasoning deltas with reasoning details, counted in usage', async () => {
    const response = await client.chat.send({
      chatRequest: { model: REASONING_MODEL, stream: true, reasoning: { effort: 'low' }, messages: user('Why is the sky blue?') },
    });
    const chunks = await chunksOf(response);
    const reasoning = chunks.filter((chunk) => chunk.choices[0]?.delta.reasoning);
    expect(reasoning).toHaveLength(16);
    expect(reasoning.map((chunk) => chunk.choices[0]?.delta.reasoning).join('')).toContain('Why is the sky blue?');
    expect(reasoning[0]?.choices[0]?.delta.reasoningDetails?.[0]).toMatchObject({ type: 'reasoning.text', format: 'unknown' });
    expect(chunks.at(-1)?.usage?.completionTokensDetails?.reasoningTokens).toBe(16);
    expect(contentOf(chunks)).toContain('You asked: "Why is the sky blue?".');
  });

  it('parses a mid-stream error chunk (model-id suffix scenario) and the stream then ends', async () => {
    const response = await client.chat.send({ chatRequest: { model: `${MODEL}#error-after=3`, stream: true, messages: user('Tell me about rivers') } });
    const chunks = await chunksOf(response);
    expect(chunks).toHaveLength(4);
    const last = chunks.at(-1);
    expect(last?.error).toMatchObject({ code: 502, message: 'Provider returned error', metadata: { errorType: 'provider_unavailable' } });
    expect(last?.choices[0]?.finishReason).toBe('error');
    expect(contentOf(chunks.slice(0, 3)).length).toBeGreaterThan(0);
  });
});

describe('OpenRouter SDK: models, embeddings, account', () => {
  it('lists the whole catalog in one page with string prices', async () => {
    const page = await client.models.list();
    const models = page.result.data;
    expect(models.length).toBeGreaterThanOrEqual(345);
    expect(page.next()).toBeNull();
    expect(models.find((model) => model.id === MODEL)?.pricing).toMatchObject({ prompt: '0.00000015', completion: '0.0000006' });
    for (const model of models) {
      expect(typeof model.pricing.prompt).toBe('string');
      expect(Number.isFinite(Number(model.pricing.completion))).toBe(true);
    }
  });

  it('counts the catalog through models.count and pages the key\'s models through models.listForUser', async () => {
    const { data } = await client.models.count();
    expect(data.count).toBe(345);
    const pages = [];
    for await (const page of await client.models.listForUser({ bearer: emulator.apiKey }, { limit: 200 })) pages.push(page.result);
    expect(pages.map((page) => page.data.length)).toEqual([200, 145]);
    expect(pages[0]?.totalCount).toBe(345);
    const listed = (await client.models.list()).result.data.map((model) => model.id);
    expect(pages.flatMap((page) => page.data.map((model) => model.id))).toEqual(listed);
    const refused = await rejectionOf(client.models.listForUser({ bearer: 'sk-or-v1-unknown' }));
    expect(refused).toBeInstanceOf(UnauthorizedResponseError);
  });

  it('lists a model\'s endpoints through endpoints.list, each with its tool choice support and uptimes', async () => {
    const { data } = await client.endpoints.list({ author: 'openai', slug: 'gpt-4o-mini' });
    expect(data.id).toBe(MODEL);
    expect(data.endpoints.length).toBeGreaterThan(0);
    for (const endpoint of data.endpoints) {
      expect(endpoint.supportsToolChoice).toEqual({ auto: true, none: true, required: true, function: true });
      expect(endpoint.uptimeLast5m).toBeGreaterThan(90);
      expect(endpoint.uptimeLast1d).toBeGreaterThan(90);
    }
    const embedding = await client.endpoints.list({ author: 'openai', slug: 'text-embedding-3-small' });
    expect(embedding.data.endpoints[0]?.supportsToolChoice).toEqual({ auto: false, none: false, required: false, function: false });
  });

  it('lists the image models through images.listModels, each with its parameters and where its endpoints are', async () => {
    const { data } = await client.images.listModels();
    const flux = data.find((model) => model.id === 'black-forest-labs/flux.2-pro');
    expect(flux).toMatchObject({ endpoints: '/api/v1/models/black-forest-labs/flux.2-pro/endpoints', supportsStreaming: true });
    expect(flux?.supportedParameters['seed']).toMatchObject({ type: 'range' });
    expect(flux?.architecture.outputModalities).toContain('image');
  });

  it('generates images in the output format asked through images.generate, named by their media type', async () => {
    for (const [outputFormat, mediaType] of [['webp', 'image/webp'], ['jpeg', 'image/jpeg']] as const) {
      const response = await client.images.generate({ imageGenerationRequest: { model: 'black-forest-labs/flux.2-pro', prompt: 'a paper crane', size: '64x64', outputFormat, outputCompression: 80 } });
      if (response instanceof EventStream) throw new Error('expected a JSON answer, got a stream');
      const [image] = response.data;
      expect(image?.mediaType).toBe(mediaType);
      expect(imageTypeOf(Buffer.from(image?.b64Json ?? '', 'base64'))).toBe(mediaType);
    }
  });

  it('returns deterministic float embeddings of the requested dimensions', async () => {
    const generate = async (input: string | string[], dimensions?: number) => {
      const response = await client.embeddings.generate({ requestBody: { model: EMBEDDING_MODEL, input, encodingFormat: 'float', ...(dimensions ? { dimensions } : {}) } });
      if (typeof response === 'string') throw new Error('expected a JSON body');
      return response;
    };
    const first = await generate(['north wind', 'south wind']);
    const again = await generate('north wind');
    const short = await generate('north wind', 128);
    expect(first.object).toBe('list');
    expect(first.model).toBe(EMBEDDING_MODEL);
    expect(first.data.map((entry) => entry.index)).toEqual([0, 1]);
    const [north, south] = first.data.map((entry) => entry.embedding);
    expect(Array.isArray(north) && north.length).toBe(1536);
    expect(again.data[0]?.embedding).toEqual(north);
    expect(south).not.toEqual(north);
    expect(Array.isArray(short.data[0]?.embedding) && short.data[0]?.embedding.length).toBe(128);
    expect(first.usage?.promptTokens).toBeGreaterThan(0);
  });

  it('returns base64 embeddings as the same little-endian float32 bytes', async () => {
    const response = await client.embeddings.generate({ requestBody: { model: EMBEDDING_MODEL, input: 'east wind', encodingFormat: 'base64' } });
    const floats = await client.embeddings.generate({ requestBody: { model: EMBEDDING_MODEL, input: 'east wind', encodingFormat: 'float' } });
    if (typeof response === 'string' || typeof floats === 'string') throw new Error('expected JSON bodies');
    const encoded = response.data[0]?.embedding;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded as string, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)]).toEqual(floats.data[0]?.embedding);
  });

  it('reads the current key through apiKeys.getCurrentKeyMetadata', async () => {
    const account = emulator.addKey({ limit: 5, label: 'sdk-test' });
    const { data } = await clientWithKey(account.key).apiKeys.getCurrentKeyMetadata();
    expect(data).toMatchObject({ label: 'sdk-test', limit: 5, limitRemaining: 5, usage: 0, isFreeTier: false, isManagementKey: false });
  });

  it('reads the account\'s credits through credits.getCredits with a management key, which cannot chat, and refuses an inference key', async () => {
    const spender = emulator.addKey({ limit: 1 });
    await clientWithKey(spender.key).chat.send({ chatRequest: { model: MODEL, messages: user('Count my spend') } });
    const management = emulator.addKey({ management: true });
    const { data } = await clientWithKey(management.key).credits.getCredits();
    expect(data.totalCredits).toBe(100);
    expect(data.totalUsage).toBeGreaterThan(0);
    expect(data.totalUsage).toBeCloseTo(emulator.billedTotal().cost, 12);
    const key = await clientWithKey(management.key).apiKeys.getCurrentKeyMetadata();
    expect(key.data.isManagementKey).toBe(true);
    const refused = await rejectionOf(clientWithKey(management.key).chat.send({ chatRequest: { model: MODEL, messages: user('Run a model') } }));
    expect(refused).toBeInstanceOf(UnauthorizedResponseError);
    expect((refused as UnauthorizedResponseError).error).toMatchObject({ code: 401, message: 'User not found.' });
    const error = await rejectionOf(clientWithKey(spender.key).credits.getCredits());
    expect(error).toBeInstanceOf(ForbiddenResponseError);
    expect((error as ForbiddenResponseError).error.code).toBe(403);
  });

  it('reads a finished generation through generations.getGeneration', async () => {
    const completion = resultOf(await client.chat.send({ chatRequest: { model: MODEL, messages: user('Good morning') } }));
    await emulator.waitForGeneration(completion.id);
    const { data } = await client.generations.getGeneration({ id: completion.id });
    expect(data).toMatchObject({ id: completion.id, model: MODEL, providerName: 'OpenAI', apiType: 'completions', streamed: false, cancelled: false });
    expect(data.totalCost).toBeCloseTo(completion.usage?.cost ?? 0, 15);
    expect(data.tokensCompletion).toBe(completion.usage?.completionTokens);
  });
});

describe('OpenRouter SDK: typed errors', () => {
  const send = (api: OpenRouter, extra: { model?: string; temperature?: number; maxTokens?: number } = {}, headers: Record<string, string> = {}) =>
    api.chat.send({ chatRequest: { model: MODEL, messages: user('Hello'), ...extra } }, { headers });

  it('400 for an unknown model is a BadRequestResponseError', async () => {
    const error = await rejectionOf(send(client, { model: 'acme/no-such-model' }));
    expect(error).toBeInstanceOf(BadRequestResponseError);
    expect((error as BadRequestResponseError).statusCode).toBe(400);
    expect((error as BadRequestResponseError).error).toMatchObject({ code: 400, message: 'acme/no-such-model is not a valid model ID' });
  });

  it('400 for an out-of-range temperature is a BadRequestResponseError naming the parameter', async () => {
    const error = await rejectionOf(send(client, { temperature: 5 }));
    expect(error).toBeInstanceOf(BadRequestResponseError);
    expect((error as BadRequestResponseError).error.metadata).toEqual({ param: 'temperature' });
  });

  it('401 for an unknown key is an UnauthorizedResponseError', async () => {
    const error = await rejectionOf(send(clientWithKey(`sk-or-v1-${'0'.repeat(64)}`)));
    expect(error).toBeInstanceOf(UnauthorizedResponseError);
    expect((error as UnauthorizedResponseError).statusCode).toBe(401);
    expect((error as UnauthorizedResponseError).error.code).toBe(401);
  });

  it('402 for a key without credit is a PaymentRequiredResponseError', async () => {
    const error = await rejectionOf(send(clientWithKey(emulator.addKey({ limit: 0 }).key)));
    expect(error).toBeInstanceOf(PaymentRequiredResponseError);
    expect((error as PaymentRequiredResponseError).statusCode).toBe(402);
    expect((error as PaymentRequiredResponseError).message).toContain('Insufficient credits');
  });

  it('402 when the remaining credit cannot cover max_tokens', async () => {
    const error = await rejectionOf(send(clientWithKey(emulator.addKey({ limit: 0.0001 }).key), { maxTokens: 10_000 }));
    expect(error).toBeInstanceOf(PaymentRequiredResponseError);
    expect((error as PaymentRequiredResponseError).message).toMatch(/You requested up to 10000 tokens, but can only afford \d+\./);
  });

  it('403 is a ForbiddenResponseError in the words and metadata of a moderation refusal', async () => {
    const error = await rejectionOf(send(client, {}, { [SCENARIO]: 'status=403' }));
    expect(error).toBeInstanceOf(ForbiddenResponseError);
    const forbidden = error as ForbiddenResponseError;
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.message).toBe(`${MODEL} requires moderation on OpenAI. Your input was flagged for "harassment". No credits were charged.`);
    expect(forbidden.error.metadata).toEqual({ reasons: ['harassment'], flagged_input: 'Hello', provider_name: 'OpenAI', model_slug: MODEL });
  });

  it('429 is a TooManyRequestsResponseError with Retry-After and retry metadata', async () => {
    const error = await rejectionOf(send(client, {}, { [SCENARIO]: 'status=429;retry-after=2' }));
    expect(error).toBeInstanceOf(TooManyRequestsResponseError);
    expect(error).toBeInstanceOf(OpenRouterError);
    const rateLimited = error as TooManyRequestsResponseError;
    expect(rateLimited.statusCode).toBe(429);
    expect(rateLimited.headers.get('retry-after')).toBe('2');
    expect(rateLimited.error.metadata).toMatchObject({ retry_after_seconds: 2, provider_name: 'OpenAI' });
  });
});
