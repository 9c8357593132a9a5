import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import { modelResponseFromJSON, type ChatResult, type ChatStreamChunk, type Model } from '@openrouter/sdk/models';
import { OpenRouterDefaultError, ResponseValidationError, type OpenRouterError } from '@openrouter/sdk/models/errors';
import { listEndpointsResponseFromJSON, type SendChatCompletionRequestResponse } from '@openrouter/sdk/models/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// The official OpenRouter SDK validates every answer with zod schemas: an answer it parses has OpenRouter's shape.

let harness: Harness;
let client: OpenRouter;
const clientWithKey = (apiKey: string, url = harness.url) => new OpenRouter({ apiKey, serverURL: `${url}/v1`, retryConfig: { strategy: 'none' } });

beforeAll(async () => {
  harness = await startHarness();
  client = clientWithKey(CLIENT_KEY);
});
afterAll(() => harness.close());

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

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => expect.unreachable('expected the request to fail'), (error: unknown) => error);
}

const user = (content: string) => [{ role: 'user' as const, content }];

describe('OpenRouter SDK: models', () => {
  it('lists the features under their names with the OpenRouter fields of the model each serves', async () => {
    const { result } = await client.models.list();
    expect(result.data.map((model) => model.id)).toEqual(DEFAULT_FEATURES.map((feature) => feature.name));
    expect(result.totalCount).toBe(DEFAULT_FEATURES.length);
    const chat = result.data.find((model) => model.id === 'chat');
    const served = harness.emulator.catalog.find('openai/gpt-4o-mini')!;
    expect(chat).toMatchObject({
      name: served.name,
      canonicalSlug: 'openai/gpt-4o-mini',
      created: served.created,
      contextLength: served.context_length,
      pricing: { prompt: served.pricing.prompt, completion: served.pricing.completion },
      architecture: { inputModalities: served.architecture.input_modalities, outputModalities: ['text'] },
      topProvider: { maxCompletionTokens: served.top_provider.max_completion_tokens },
    } satisfies Partial<Record<keyof Model, unknown>>);
    expect(result.data.find((model) => model.id === 'image')?.architecture.outputModalities).toEqual(['image']);
  });

  it('pages the list by the limit it asks for', async () => {
    const pages: Model[][] = [];
    for await (const page of await client.models.list({ limit: 3 })) pages.push(page.result.data);
    expect(pages.map((page) => page.length)).toEqual([3, 1]);
    expect(pages.flat().map((model) => model.id)).toEqual(DEFAULT_FEATURES.map((feature) => feature.name));
  });

  it('lists every raw model where the project allows them, and a feature whose model the catalog does not know', async () => {
    const raw = await startHarness({ allowRawModels: true, features: [...DEFAULT_FEATURES, { name: 'mystery', model: 'acme/not-listed' }] });
    try {
      const { result } = await clientWithKey(CLIENT_KEY, raw.url).models.list();
      expect(result.data).toHaveLength(DEFAULT_FEATURES.length + 1 + raw.emulator.catalog.all().length);
      expect(result.data.find((model) => model.id === 'anthropic/claude-sonnet-4')?.name).toBe(raw.emulator.catalog.find('anthropic/claude-sonnet-4')?.name);
      // Nothing is known of its model: OpenRouter's fields are filled in, prices as OpenRouter lists variable ones.
      expect(result.data.find((model) => model.id === 'mystery')).toMatchObject({ name: 'acme/not-listed', contextLength: null, pricing: { prompt: '-1', completion: '-1' } });
    } finally {
      await raw.close();
    }
  });
});

describe('OpenRouter SDK: one model, its endpoints and the count', () => {
  let raw: Harness;
  let rawClient: OpenRouter;
  beforeAll(async () => {
    raw = await startHarness({ allowRawModels: true });
    rawClient = clientWithKey(CLIENT_KEY, raw.url);
  });
  afterAll(() => raw.close());

  /** A GET of the gateway's answer, parsed with the SDK's own schema for it (a feature's name is one path segment). */
  async function parsedGet<T>(url: string, parse: (json: string) => { ok: true; value: T } | { ok: false; error: unknown }): Promise<T> {
    const response = await fetch(url, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(response.status).toBe(200);
    const parsed = parse(await response.text());
    if (!parsed.ok) throw parsed.error;
    return parsed.value;
  }

  it('counts what the list holds for the caller: the features, and the raw models where the project allows them', async () => {
    expect((await client.models.count()).data.count).toBe(DEFAULT_FEATURES.length);
    expect((await rawClient.models.count()).data.count).toBe(DEFAULT_FEATURES.length + raw.emulator.catalog.all().length);
  });

  it('lists the models for the user as the list does, paged by the limit it asks for', async () => {
    const pages: Model[][] = [];
    for await (const page of await client.models.listForUser({ bearer: CLIENT_KEY }, { limit: 3 })) pages.push(page.result.data);
    expect(pages.map((page) => page.length)).toEqual([3, 1]);
    expect(pages.flat().map((model) => model.id)).toEqual(DEFAULT_FEATURES.map((feature) => feature.name));
  });

  it('gets one raw model by author and slug where the project allows them, and answers 404 where it does not', async () => {
    const { data } = await rawClient.models.get({ author: 'anthropic', slug: 'claude-sonnet-4' });
    const served = raw.emulator.catalog.find('anthropic/claude-sonnet-4')!;
    expect(data).toMatchObject({ id: 'anthropic/claude-sonnet-4', name: served.name, contextLength: served.context_length });
    const refused = await rejectionOf(client.models.get({ author: 'anthropic', slug: 'claude-sonnet-4' }));
    expect((refused as OpenRouterError).statusCode).toBe(404);
  });

  it('gets a feature under its name, with the fields of the model it serves', async () => {
    const { data } = await parsedGet(`${harness.url}/v1/model/chat`, modelResponseFromJSON);
    expect(data).toMatchObject({ id: 'chat', canonicalSlug: 'openai/gpt-4o-mini', name: harness.emulator.catalog.find('openai/gpt-4o-mini')!.name });
  });

  it('lists a raw model\'s endpoints as OpenRouter lists them', async () => {
    const { data } = await rawClient.endpoints.list({ author: 'openai', slug: 'gpt-4o-mini' });
    const upstream = (await (await fetch(`${raw.emulator.url}/models/openai/gpt-4o-mini/endpoints`)).json()) as { data: { endpoints: Array<{ provider_name: string }> } };
    expect(data.id).toBe('openai/gpt-4o-mini');
    expect(data.endpoints.map((endpoint) => endpoint.providerName)).toEqual(upstream.data.endpoints.map((endpoint) => endpoint.provider_name));
    expect(data.endpoints.every((endpoint) => endpoint.modelId === 'openai/gpt-4o-mini')).toBe(true);
    const refused = await rejectionOf(client.endpoints.list({ author: 'openai', slug: 'gpt-4o-mini' }));
    expect((refused as OpenRouterError).statusCode).toBe(404);
  });

  it('lists a feature\'s endpoints: those of the model it serves, under the feature\'s name', async () => {
    const { data } = await parsedGet(`${harness.url}/v1/models/chat/endpoints`, listEndpointsResponseFromJSON);
    expect(data.id).toBe('chat');
    expect(data.endpoints.length).toBeGreaterThan(0);
    expect(data.endpoints.every((endpoint) => endpoint.modelId === 'openai/gpt-4o-mini')).toBe(true);
  });
});

describe('OpenRouter SDK: chat', () => {
  it('parses a JSON completion of a feature', async () => {
    const completion = resultOf(await client.chat.send({ chatRequest: { model: 'chat', messages: user('Name a grey cat') } }));
    expect(completion.model).toBe('openai/gpt-4o-mini');
    expect(completion.choices[0]?.message.content).toContain('You asked: "Name a grey cat".');
    expect(completion.usage?.totalTokens).toBeGreaterThan(0);
  });

  it('parses a stream of a feature, with the usage chunk it asks for', async () => {
    const chunks = await chunksOf(await client.chat.send({ chatRequest: { model: 'chat', stream: true, streamOptions: { includeUsage: true }, messages: user('Describe a quiet morning') } }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toContain('You asked: "Describe a quiet morning".');
    expect(chunks.map((chunk) => chunk.choices[0]?.finishReason).filter(Boolean)).toEqual(['stop']);
    expect(chunks.at(-1)?.usage?.completionTokens).toBeGreaterThan(0);
  });

  it('embeds through embeddings.generate with a feature', async () => {
    const response = await client.embeddings.generate({ requestBody: { model: 'embed', input: ['north wind', 'south wind'] } });
    if (typeof response === 'string') throw new Error('expected a JSON body');
    expect(response.data.map((entry) => entry.index)).toEqual([0, 1]);
    expect(Array.isArray(response.data[0]?.embedding) && response.data[0]?.embedding.length).toBe(1536);
  });

  // The SDK's error schemas require a numeric `error.code` (the HTTP status); the gateway's codes are OpenAI's strings
  // (`invalid_parameter`), which the OpenAI SDK and the React client read. The SDK's error still carries the status
  // and the body, whose JSON holds the gateway's message and code.
  it('throws an OpenRouterError with the status and the gateway\'s error body for a refused request', async () => {
    const error = await rejectionOf(client.chat.send({ chatRequest: { model: 'chat', messages: [] } }));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as OpenRouterError).statusCode).toBe(400);
    expect(JSON.parse((error as OpenRouterError).body)).toMatchObject({ error: { code: 'invalid_parameter', param: 'messages', message: expect.stringContaining('messages') } });
    const unauthorized = await rejectionOf(clientWithKey('ik_not_a_key').models.list());
    expect(unauthorized).toBeInstanceOf(OpenRouterDefaultError);
    expect((unauthorized as OpenRouterError).statusCode).toBe(401);
    expect((unauthorized as OpenRouterError).message).toContain('"code":"unauthorized"');
  });

  it('ends a stream\'s iteration with a validation error when the stream fails midway, after the chunks before it', async () => {
    harness.emulator.addRule({ match: { contains: 'fail midway' }, scenario: 'error-after=3;error-code=429' });
    const stream = await client.chat.send({ chatRequest: { model: 'chat', stream: true, messages: user('fail midway') } });
    if (!(stream instanceof EventStream)) throw new Error('expected a stream');
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(() => undefined, (caught: unknown) => caught);
    expect(text.length).toBeGreaterThan(0);
    expect((error as Error | undefined)?.name).toBe('ZodError');
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'rate_limit_exceeded' });
  });
});
