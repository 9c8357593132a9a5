import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embed, embedMany } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
let openai: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());

const norm = (vector: number[]) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
const generationIdOf = (response: unknown) => (response as { id: string }).id;
const post = (body: unknown, key = CLIENT_KEY) =>
  fetch(`${harness.url}/v1/embeddings`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/embeddings', () => {
  it('400 naming the route of a feature of another modality, in plain words in the SDK\'s error message', async () => {
    const embedding = await openai.chat.completions.create({ model: 'embed', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(embedding).toBeInstanceOf(OpenAI.BadRequestError);
    expect((embedding as Error).message).toBe('400 "embed" is an embedding feature; call /v1/embeddings with it.');
    const image = await openai.embeddings.create({ model: 'image', input: 'x' }).catch((error: unknown) => error);
    expect((image as Error).message).toBe('400 "image" is an image feature; call /v1/images/generations with it.');
    const text = await openai.embeddings.create({ model: 'chat', input: 'x' }).catch((error: unknown) => error);
    expect((text as Error).message).toBe('400 "chat" is a text feature; call /v1/chat/completions with it.');
  });

  it('answers float vectors through the feature, with the real model', async () => {
    const response = await openai.embeddings.create({ model: 'embed', input: 'the quick brown fox', encoding_format: 'float' });
    expect(response.model).toBe('openai/text-embedding-3-small');
    expect(response.data).toHaveLength(1);
    const vector = response.data[0]!.embedding;
    expect(vector).toHaveLength(1536);
    expect(norm(vector)).toBeCloseTo(1, 5);
    expect(response.usage.prompt_tokens).toBeGreaterThan(0);
    const probe = harness.emulator.probe(generationIdOf(response))!;
    expect(probe.request).toMatchObject({ model: 'openai/text-embedding-3-small', encoding_format: 'float', user: 'user-1' });
  });

  it('passes the SDK\'s default base64 encoding through, decoding to the same vectors', async () => {
    const input = ['alpha beta gamma', 'delta epsilon'];
    const asBase64 = await openai.embeddings.create({ model: 'embed', input });
    const asFloat = await openai.embeddings.create({ model: 'embed', input, encoding_format: 'float' });
    expect((harness.emulator.probe(generationIdOf(asBase64))!.request as { encoding_format?: string }).encoding_format).toBe('base64');
    expect(asBase64.data.map((item) => item.index)).toEqual([0, 1]);
    for (const [index, item] of asBase64.data.entries()) {
      const expected = asFloat.data[index]!.embedding;
      expect(item.embedding).toHaveLength(expected.length);
      item.embedding.forEach((value, position) => expect(value).toBeCloseTo(expected[position]!, 6));
    }
  });

  it('shortens vectors with dimensions and accepts token arrays', async () => {
    const short = await openai.embeddings.create({ model: 'embed', input: 'short vector', dimensions: 256, encoding_format: 'float' });
    expect(short.data[0]!.embedding).toHaveLength(256);
    const tokens = await openai.embeddings.create({ model: 'embed', input: [[1, 2, 3], [4, 5]], encoding_format: 'float' });
    expect(tokens.data).toHaveLength(2);
    expect(tokens.usage.prompt_tokens).toBe(5);
  });

  it('forwards the upstream body as it came, with its length and no ETag', async () => {
    const response = await post({ model: 'embed', input: 'as it came', encoding_format: 'float' });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.byteLength);
    expect(response.headers.get('etag')).toBeNull();
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ object: 'list', model: 'openai/text-embedding-3-small', usage: { prompt_tokens: expect.any(Number) } });
  });

  it('sends only known fields upstream', async () => {
    const response = await post({ model: 'embed', input: 'allow list', encoding_format: 'float' });
    expect(response.status).toBe(200);
    const probe = harness.emulator.probe(((await response.json()) as { id: string }).id)!;
    expect(Object.keys(probe.request as object).sort()).toEqual(['encoding_format', 'input', 'model', 'user']);
  });

  // Dropped, `provider: { only: [...] }` would send the text to a provider the client had excluded, and `input_type`
  // would embed a query as a document, each without a word.
  it('refuses a field it would not send on with a 400 naming it, before anything is embedded', async () => {
    const before = harness.emulator.generations().length;
    for (const [body, param] of [
      [{ model: 'embed', input: 'x', provider: { only: ['x'] } }, 'provider'],
      [{ model: 'embed', input: 'x', input_type: 'query' }, 'input_type'],
    ] as const) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param, code: 'invalid_parameter' });
    }
    expect(harness.emulator.generations()).toHaveLength(before);
  });

  it('records usage for the embeddings endpoint', async () => {
    const before = harness.usage.records.length;
    const response = await openai.embeddings.create({ model: 'embed', input: 'count my tokens', encoding_format: 'float' });
    const record = harness.usage.records.slice(before).find((candidate) => candidate.generationId === generationIdOf(response));
    expect(record).toMatchObject({
      endpoint: 'embeddings',
      status: 'ok',
      feature: 'embed',
      requestedModel: 'embed',
      servedModel: 'openai/text-embedding-3-small',
      userId: 'user-1',
      promptTokens: response.usage.prompt_tokens,
      completionTokens: 0,
      attempts: 1,
      streamed: false,
    });
    expect(record?.costUsd).toBeGreaterThan(0);
  });

  it('works with the AI SDK\'s embed and embedMany', async () => {
    const provider = createOpenAICompatible({ name: 'insforge', baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY });
    const model = provider.embeddingModel('embed');
    const single = await embed({ model, value: 'sunny day at the beach', maxRetries: 0 });
    expect(single.embedding).toHaveLength(1536);
    const many = await embedMany({ model, values: ['sunny day at the beach', 'rainy night in the city'], maxRetries: 0 });
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[0]).toEqual(single.embedding);
    expect(many.usage.tokens).toBeGreaterThan(0);
  });

  it('retries a failing upstream, then answers', async () => {
    harness.emulator.addRule({ match: { kind: 'embeddings', contains: 'flaky-embedding' }, scenario: 'status=503', times: 1 });
    const before = harness.usage.records.length;
    const response = await openai.embeddings.create({ model: 'embed', input: 'flaky-embedding', encoding_format: 'float' });
    expect(response.data).toHaveLength(1);
    expect(harness.usage.records.slice(before)).toEqual([expect.objectContaining({ endpoint: 'embeddings', status: 'ok', attempts: 2 })]);
  });

  it('stops the upstream request when the client disconnects', async () => {
    harness.emulator.addRule({ match: { kind: 'embeddings', contains: 'slow-embedding' }, scenario: 'stall=3000', times: 1 });
    const upstreamClosed = new Promise<number>((resolve) => {
      const onRequest = (req: { url?: string }, res: { on(event: 'close', listener: () => void): void }) => {
        if (!req.url?.endsWith('/embeddings')) return;
        harness.emulator.server.off('request', onRequest);
        res.on('close', () => resolve(performance.now()));
      };
      harness.emulator.server.on('request', onRequest);
    });
    const before = harness.usage.records.length;
    const abort = new AbortController();
    const request = fetch(`${harness.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input: 'slow-embedding' }),
      signal: abort.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const abortedAt = performance.now();
    abort.abort();
    await expect(request).rejects.toThrow();
    expect((await upstreamClosed) - abortedAt).toBeLessThan(100);
    await expect.poll(() => harness.usage.records.slice(before)).toEqual([expect.objectContaining({ endpoint: 'embeddings', status: 'cancelled' })]);
  });
});

describe('POST /v1/embeddings errors', () => {
  it('rejects a text feature with a 400 naming model', async () => {
    const error = await openai.embeddings.create({ model: 'chat', input: 'hello' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_request', param: 'model' });
  });

  it('rejects an unknown model with 400 model_not_found, and raw ids the project does not allow', async () => {
    for (const model of ['nope', 'openai/text-embedding-3-large']) {
      const response = await post({ model, input: 'hello' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: { message: expect.stringContaining('Available: embed'), type: 'invalid_request_error', code: 'model_not_found', param: 'model' } });
    }
  });

  it('rejects invalid input with a 400 naming the parameter, and records it as rejected', async () => {
    const before = harness.usage.records.length;
    for (const [body, param] of [
      [{ model: 'embed', input: '' }, 'input'],
      [{ model: 'embed', input: [1.5, 2] }, 'input'],
      [{ model: 'embed', input: 'x', encoding_format: 'hex' }, 'encoding_format'],
      [{ model: 'embed', input: 'x', dimensions: 0 }, 'dimensions'],
      [{ input: 'x' }, 'model'],
    ] as const) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    expect(harness.usage.records.slice(before).map((record) => record.status)).toEqual(Array(5).fill('rejected'));
  });

  it('answers 401 without a key', async () => {
    const response = await post({ model: 'embed', input: 'x' }, 'wrong-key');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('maps an upstream 400 to a 400 and a rejected upstream key to 502 upstream_auth', async () => {
    const tooWide = await post({ model: 'embed', input: 'x', dimensions: 99_999 });
    expect(tooWide.status).toBe(400);
    harness.emulator.addRule({ match: { kind: 'embeddings', contains: 'key-rejected' }, scenario: 'status=401', times: 1 });
    const rejected = await post({ model: 'embed', input: 'key-rejected' });
    expect(rejected.status).toBe(502);
    expect(((await rejected.json()) as { error: { code: string } }).error.code).toBe('upstream_auth');
  });
});

describe('POST /v1/embeddings with raw model ids allowed', () => {
  let raw: Harness;
  beforeAll(async () => {
    raw = await startHarness({ allowRawModels: true });
  });
  afterAll(() => raw.close());

  it('serves a raw embedding model id', async () => {
    const client = new OpenAI({ baseURL: `${raw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const response = await client.embeddings.create({ model: 'openai/text-embedding-3-large', input: 'raw id', encoding_format: 'float' });
    expect(response.model).toBe('openai/text-embedding-3-large');
    expect(response.data[0]!.embedding).toHaveLength(3072);
    expect(raw.usage.records.at(-1)).toMatchObject({ endpoint: 'embeddings', requestedModel: 'openai/text-embedding-3-large', status: 'ok' });
    expect(raw.usage.records.at(-1)?.feature).toBeUndefined();
  });
});
