import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateImage } from 'ai';
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

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const buffer = Buffer.from(bytes);
  if (buffer.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a' || buffer.subarray(12, 16).toString('latin1') !== 'IHDR') throw new Error('not a PNG');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

const post = (body: unknown) =>
  fetch(`${harness.url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const upstreamRequestOf = (generationId: string | undefined) => harness.emulator.probe(generationId!)!.request as Record<string, unknown>;

describe('POST /v1/images/generations', () => {
  it('returns b64_json PNGs of the requested size and count, and records them', async () => {
    const before = harness.usage.records.length;
    const response = await openai.images.generate({ model: 'image', prompt: 'a red fox in the snow', n: 2, size: '512x512' });
    expect(response.data).toHaveLength(2);
    for (const image of response.data!) expect(pngSize(Buffer.from(image.b64_json!, 'base64'))).toEqual({ width: 512, height: 512 });
    expect(response.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    const [record] = harness.usage.records.slice(before);
    expect(record).toMatchObject({
      endpoint: 'images',
      status: 'ok',
      feature: 'image',
      servedModel: 'black-forest-labs/flux.2-pro',
      imageCount: 2,
      imageResolution: '512x512',
      userId: 'user-1',
      promptTokens: response.usage!.input_tokens,
      completionTokens: response.usage!.output_tokens,
      attempts: 1,
    });
    expect(record?.costUsd).toBeGreaterThan(0);
    expect(upstreamRequestOf(record?.generationId)).toEqual({ model: 'black-forest-labs/flux.2-pro', prompt: 'a red fox in the snow', n: 2, size: '512x512', user: 'user-1' });
  });

  it('keeps the images of response_format url in the file store and answers signed URLs, with style as a prompt suffix and quality passed through', async () => {
    const before = harness.usage.records.length;
    const response = await openai.images.generate({ prompt: 'a lighthouse at dusk', size: '1792x1024', quality: 'hd', style: 'vivid', response_format: 'url' });
    const [image] = response.data!;
    expect(image?.url).toMatch(new RegExp(`^${harness.url}/api/ai/files/[0-9a-f]{64}\\?expires=\\d+&owner=[\\w-]+&signature=[\\w-]{43}$`));
    // The URL works without credentials, as an <img src> would load it.
    const loaded = await fetch(image!.url!);
    expect(loaded.headers.get('content-type')).toBe('image/png');
    expect(pngSize(new Uint8Array(await loaded.arrayBuffer()))).toEqual({ width: 1792, height: 1024 });
    expect(image?.revised_prompt).toMatch(/^a lighthouse at dusk\n\nStyle: vivid/);
    const [record] = harness.usage.records.slice(before);
    expect(record).toMatchObject({ requestedModel: 'image', feature: 'image', imageCount: 1, imageResolution: '1792x1024' });
    const upstream = upstreamRequestOf(record?.generationId);
    // OpenRouter's quality is auto, low, medium or high: DALL·E 3's hd is its high.
    expect(upstream).toMatchObject({ prompt: image?.revised_prompt, quality: 'high', n: 1 });
    expect(upstream).not.toHaveProperty('response_format');
  });

  // What the gpt-image models take besides DALL·E's fields: each reaches OpenRouter in its own words, or is refused.
  it('sends background, output_format, output_compression and quality as OpenRouter takes them', async () => {
    const before = harness.usage.records.length;
    const response = await openai.images.generate({ prompt: 'a paper crane', background: 'transparent', output_format: 'webp', output_compression: 80, quality: 'low', moderation: 'auto', partial_images: 0 });
    expect(response.data).toHaveLength(1);
    const standard = await openai.images.generate({ prompt: 'a paper boat', quality: 'standard', output_format: 'png' });
    expect(standard.data).toHaveLength(1);
    const [first, second] = harness.usage.records.slice(before);
    expect(upstreamRequestOf(first?.generationId)).toEqual({ model: 'black-forest-labs/flux.2-pro', prompt: 'a paper crane', n: 1, size: '1024x1024', user: 'user-1', background: 'transparent', output_format: 'webp', output_compression: 80, quality: 'low' });
    expect(upstreamRequestOf(second?.generationId)).toMatchObject({ quality: 'medium', output_format: 'png' });
  });

  it('refuses response_format url with a 413 before generating when the caller\'s files are at their cap, and never loses an image it paid for', async () => {
    const small = await startHarness({ files: { maxFileBytes: 20_000, maxBytesPerOwner: 20_000 } });
    try {
      const send = (body: unknown) => fetch(`${small.url}/v1/images/generations`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const filled = (await (await fetch(`${small.url}/api/ai/files`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(20_000) })).json()) as { id: string };
      const refused = await send({ prompt: 'a boat', size: '256x256', response_format: 'url' });
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'request_too_large', param: 'response_format' });
      expect(small.usage.records.at(-1)).toMatchObject({ status: 'rejected', attempts: 0 });
      expect((await send({ prompt: 'a boat', size: '256x256' })).status).toBe(200);
      // Room again, but this image is past the file cap: it comes back as a data URL rather than being lost.
      await fetch(`${small.url}/api/ai/files/${filled.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${CLIENT_KEY}` } });
      const kept = await send({ prompt: 'a boat', size: '256x256', response_format: 'url' });
      expect(kept.status).toBe(200);
      const [image] = ((await kept.json()) as { data: Array<{ url: string }> }).data;
      expect(pngSize(Buffer.from(image!.url.slice(image!.url.indexOf(',') + 1), 'base64'))).toEqual({ width: 256, height: 256 });
      expect(small.logs.some((line) => line.includes('generated images could not be kept'))).toBe(true);
    } finally {
      await small.close();
    }
  });

  it('defaults to the "image" feature, one 1024x1024 picture, as b64_json', async () => {
    const response = await post({ prompt: 'a plain default' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ b64_json: string; revised_prompt?: string }>; model: string };
    expect(body.model).toBe('black-forest-labs/flux.2-pro');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.revised_prompt).toBeUndefined();
    expect(pngSize(Buffer.from(body.data[0]!.b64_json, 'base64'))).toEqual({ width: 1024, height: 1024 });
  });

  it('works with the AI SDK\'s generateImage', async () => {
    const provider = createOpenAICompatible({ name: 'insforge', baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY });
    const result = await generateImage({ model: provider.imageModel('image'), prompt: 'a watercolour teapot', n: 2, size: '256x256', maxRetries: 0 });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) expect(pngSize(image.uint8Array)).toEqual({ width: 256, height: 256 });
  });

  it('stops the upstream request when the client disconnects, and records it as cancelled', async () => {
    harness.emulator.addRule({ match: { kind: 'images', contains: 'slow-picture' }, scenario: 'ttft=3000', times: 1 });
    const before = harness.usage.records.length;
    const abort = new AbortController();
    const request = fetch(`${harness.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'slow-picture' }),
      signal: abort.signal,
    });
    await expect.poll(() => harness.emulator.generations({ kind: 'images', status: 'running' }).length).toBe(1);
    const [running] = harness.emulator.generations({ kind: 'images', status: 'running' });
    const abortedAt = performance.timeOrigin + performance.now();
    abort.abort();
    await expect(request).rejects.toThrow();
    const probe = await harness.emulator.waitForGeneration(running!.id, undefined, 2000);
    expect(probe.status).toBe('cancelled');
    expect(probe.clientClosedAt! - abortedAt).toBeLessThan(100);
    await expect.poll(() => harness.usage.records.slice(before)).toEqual([expect.objectContaining({ endpoint: 'images', status: 'cancelled' })]);
  });

  it('falls back to the next model of the feature when the first fails', async () => {
    const fallback = await startHarness({
      features: [{ name: 'image', modality: 'image', model: 'black-forest-labs/flux.2-pro', fallbackModels: ['bytedance-seed/seedream-4.5'] }],
    });
    try {
      fallback.emulator.addRule({ match: { kind: 'images', model: 'black-forest-labs/flux.2-pro' }, scenario: 'status=503' });
      const client = new OpenAI({ baseURL: `${fallback.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
      const response = await client.images.generate({ model: 'image', prompt: 'fallback please', size: '256x256' });
      expect((response as unknown as { model: string }).model).toBe('bytedance-seed/seedream-4.5');
      expect(fallback.usage.records.at(-1)).toMatchObject({ status: 'ok', servedModel: 'bytedance-seed/seedream-4.5', attempts: 4 });
    } finally {
      await fallback.close();
    }
  });
});

describe('POST /v1/images/generations errors', () => {
  it('rejects invalid parameters with a 400 naming each, and records them as rejected', async () => {
    const before = harness.usage.records.length;
    for (const [body, param] of [
      [{ model: 'image' }, 'prompt'],
      [{ prompt: 'x', n: 5 }, 'n'],
      [{ prompt: 'x', n: 0 }, 'n'],
      [{ prompt: 'x', size: 'big' }, 'size'],
      [{ prompt: 'x', size: '8x8' }, 'size'],
      [{ prompt: 'x', quality: 'ultra' }, 'quality'],
      [{ prompt: 'x', style: 'gothic' }, 'style'],
      [{ prompt: 'x', response_format: 'jpeg' }, 'response_format'],
    ] as const) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param, code: 'invalid_parameter' });
    }
    expect(harness.usage.records.slice(before).map((record) => `${record.endpoint}:${record.status}`)).toEqual(Array(8).fill('images:rejected'));
  });

  // Ignored, each would cost an image that is not the one asked for: a moderation level OpenRouter has no field for,
  // partial images of a stream the gateway does not send, a field no images API has (a typo of one that does).
  it('refuses a field it would not send on with a 400 naming it, before anything is generated', async () => {
    const before = harness.usage.records.length;
    const generations = harness.emulator.generations().length;
    for (const [body, param] of [
      [{ prompt: 'x', moderation: 'low' }, 'moderation'],
      [{ prompt: 'x', partial_images: 2 }, 'partial_images'],
      [{ prompt: 'x', output_compression: 101 }, 'output_compression'],
      [{ prompt: 'x', output_format: 'svg' }, 'output_format'],
      [{ prompt: 'x', backgorund: 'transparent' }, 'backgorund'],
      [{ prompt: 'x', aspect_ratio: '16:9' }, 'aspect_ratio'],
    ] as const) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as { error: { param: string; code: string; message: string } };
      expect(error, JSON.stringify(body)).toMatchObject({ param, code: 'invalid_parameter' });
      expect(error.message.startsWith(`${param}: `)).toBe(true);
    }
    expect(harness.usage.records.slice(before).map((record) => record.status)).toEqual(Array(6).fill('rejected'));
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  it('refuses stream: true with a 400 naming stream that the openai SDK throws, instead of a JSON body its stream reader reads as no events', async () => {
    const refusal = await openai.images.generate({ model: 'image', prompt: 'a cat', stream: true, partial_images: 1 }).then(async (stream) => {
      const events: unknown[] = [];
      for await (const event of stream) events.push(event);
      return events;
    }, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refusal).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'stream' });
    expect((refusal as Error).message).toContain('one JSON body');
    const unstreamed = await openai.images.generate({ model: 'image', prompt: 'a cat', stream: false });
    expect(unstreamed.data).toHaveLength(1);
  });

  it('rejects a feature of another modality and an unknown model', async () => {
    const chat = await openai.images.generate({ model: 'chat', prompt: 'x' }).catch((caught: unknown) => caught);
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chat as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_request', param: 'model' });
    const unknown = await post({ model: 'nope', prompt: 'x' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found', message: expect.stringContaining('Available: image') } });
  });

  it('answers 502 when the upstream keeps failing, after retries', async () => {
    harness.emulator.addRule({ match: { kind: 'images', contains: 'always-broken' }, scenario: 'status=502' });
    const before = harness.usage.records.length;
    const response = await post({ prompt: 'always-broken' });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_error', type: 'server_error' } });
    expect(harness.usage.records.slice(before)).toEqual([expect.objectContaining({ endpoint: 'images', status: 'error', errorCode: 'upstream_error', attempts: 3 })]);
  });

  it('answers 429 with Retry-After when the upstream rate limit outlasts the retry budget', async () => {
    harness.emulator.addRule({ match: { kind: 'images', contains: 'rate-limited' }, scenario: 'status=429;retry-after=30' });
    const response = await post({ prompt: 'rate-limited' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' } });
  });
});
