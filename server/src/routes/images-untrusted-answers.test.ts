import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';

// An upstream whose image answers the test writes: pictures that are not what their media_type says, and base64 that
// is not base64. Every answer is billed (a cost and a generation id), as a provider that made something would.
let images: unknown[] | undefined;
/** The image requests the scripted upstream answered. */
let imagePosts = 0;
const USAGE = { prompt_tokens: 9, completion_tokens: 1290, total_tokens: 1299, cost: 0.04 };

/** A 1×1 PNG and the first bytes of a JPEG, as canonical base64. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex').toString('base64');

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path }) => {
    if (method !== 'POST' || path !== '/images' || images === undefined) return undefined;
    imagePosts += 1;
    return { headers: { 'content-type': 'application/json', 'x-generation-id': 'gen-liar-image' }, reads: [JSON.stringify({ created: 1, data: images, usage: USAGE })] };
  }, () => harness.emulator.url);
  harness = await startHarness({
    upstream: { baseUrl: upstream.baseUrl },
    features: [...DEFAULT_FEATURES, { name: 'image-with-fallback', modality: 'image', model: 'black-forest-labs/flux.2-pro', fallbackModels: ['google/gemini-3.1-flash-image'] }],
  });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});
afterEach(() => {
  images = undefined;
});

const post = (path: string, body: unknown, token = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** The records of one request, by the id it was answered with. */
const recordsOf = (response: Response) => harness.usage.records.filter((record) => record.requestId === response.headers.get('x-request-id'));

describe('an upstream whose media_type is not the image it sent', () => {
  const lying = () => [
    { b64_json: PNG, media_type: 'image/png\r\nX-Injected: 1' },
    { b64_json: JPEG, media_type: 'image/png' },
    { b64_json: PNG },
    { b64_json: PNG, media_type: 'text/html' },
  ];

  it('answers data URLs typed by the bytes: no CR, LF or made-up type reaches them', async () => {
    images = lying();
    const response = await post('/api/ai/image/generation', { prompt: 'a liar', numImages: 4 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { images: Array<{ imageUrl: string }>; count: number };
    expect(body.images.map((image) => image.imageUrl)).toEqual([`data:image/png;base64,${PNG}`, `data:image/jpeg;base64,${JPEG}`, `data:image/png;base64,${PNG}`, `data:image/png;base64,${PNG}`]);
    expect(body.count).toBe(4);
  });

  it('keeps stored images under the type of their bytes, answering signed URLs rather than data URLs', async () => {
    images = lying();
    const response = await post('/v1/images/generations', { prompt: 'a liar', n: 4, response_format: 'url' });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: Array<{ url: string }> };
    const types: Array<string | null> = [];
    for (const image of data) {
      expect(image.url).toMatch(new RegExp(`^${harness.url}/api/ai/files/`));
      types.push((await fetch(image.url)).headers.get('content-type'));
    }
    expect(types).toEqual(['image/png', 'image/jpeg', 'image/png', 'image/png']);
    expect(recordsOf(response)).toEqual([expect.objectContaining({ status: 'ok', imageCount: 4, costUsd: 0.04 })]);
  });
});

describe('an upstream whose b64_json is not an image', () => {
  it.each([
    ['empty', ''],
    ['not base64', 'not base64 at all!'],
    ['base64 of bytes that are no image', 'QUJD'],
    ['base64 with stray bits', 'QUJ='],
    ['a PNG with a character Node would skip', `${PNG.slice(0, 20)}*${PNG.slice(20)}`],
  ])('%s: a 502 saying the answer cannot be read, recorded once with the cost the provider reported', async (_name, b64) => {
    images = [{ b64_json: b64, media_type: 'image/png' }];
    const response = await post('/v1/images/generations', { prompt: 'a broken picture' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({ code: 'upstream_error', message: 'The model provider sent an answer the gateway cannot read.' });
    expect(recordsOf(response)).toEqual([
      expect.objectContaining({ endpoint: 'images', status: 'error', errorCode: 'upstream_error', costUsd: 0.04, promptTokens: 9, completionTokens: 1290, generationId: 'gen-liar-image', attempts: 1 }),
    ]);
  });

  it('is a 502 on InsForge\'s route too, where it answered a 0-byte data URL', async () => {
    images = [{ b64_json: '@@@@', media_type: 'image/png' }];
    const response = await post('/api/ai/image/generation', { prompt: 'a broken picture' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    expect(recordsOf(response)).toEqual([expect.objectContaining({ status: 'error', costUsd: 0.04 })]);
  });

  it('counts the reported cost against the spend cap', async () => {
    const policy = async (project: Record<string, number>, version: number) => {
      const put = await fetch(`${harness.url}/api/ai/limits/policy`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version, policy: { project, features: {}, users: { default: {}, overrides: {} } } }),
      });
      expect(put.status).toBe(200);
      return ((await put.json()) as { version: number }).version;
    };
    const spent = async () => {
      const { data } = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: Array<{ kind: string; used: number }> };
      return data.find((entry) => entry.kind === 'spendPerDayUsd')?.used ?? 0;
    };
    const version = await policy({ spendPerDayUsd: 100 }, 0);
    try {
      const before = await spent();
      images = [{ b64_json: 'QUJD', media_type: 'image/png' }];
      expect((await post('/v1/images/generations', { prompt: 'a broken picture' })).status).toBe(502);
      await expect.poll(spent).toBeCloseTo(before + 0.04, 9);
    } finally {
      await policy({}, version);
    }
  });
});

describe('an upstream that bills an answer without an image', () => {
  it.each([
    ['no items', []],
    ['items without b64_json', [{}, { url: 'https://cdn.example/picture.png' }]],
    ['a string for an item', ['abc']],
  ])('%s: a 502 whose record keeps the cost, with no second generation from a fallback', async (_name, data) => {
    images = data;
    const posts = imagePosts;
    const response = await post('/v1/images/generations', { prompt: 'nothing to see', model: 'image-with-fallback' });
    expect(response.status).toBe(502);
    expect(recordsOf(response)).toEqual([expect.objectContaining({ status: 'error', errorCode: 'upstream_error', costUsd: 0.04, generationId: 'gen-liar-image', attempts: 1 })]);
    expect(imagePosts - posts).toBe(1);
  });
});

describe('an upstream that sends some readable images and some not', () => {
  it('answers the readable ones, records what it answered with the whole cost, and logs the rest', async () => {
    images = [{ b64_json: PNG, media_type: 'image/png' }, { b64_json: '', media_type: 'image/png' }, { b64_json: JPEG, media_type: 'image/jpeg' }];
    const logged = harness.logs.length;
    const response = await post('/v1/images/generations', { prompt: 'three pictures', n: 3 });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: Array<{ b64_json: string }> };
    expect(data.map((image) => image.b64_json)).toEqual([PNG, JPEG]);
    expect(recordsOf(response)).toEqual([expect.objectContaining({ status: 'ok', imageCount: 2, costUsd: 0.04 })]);
    expect(harness.logs.slice(logged)).toEqual([expect.stringMatching(/^warn the model provider sent images the gateway cannot read .*"unreadable":1,"of":3/)]);
  });

  it('answers the images it has when another item carries none', async () => {
    images = [{ b64_json: PNG, media_type: 'image/png' }, { url: 'https://cdn.example/picture.png' }];
    const response = await post('/api/ai/image/generation', { prompt: 'two pictures', numImages: 2 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { images: Array<{ imageUrl: string }>; count: number };
    expect(body.images).toEqual([{ type: 'imageUrl', imageUrl: `data:image/png;base64,${PNG}` }]);
    expect(body.count).toBe(1);
    expect(recordsOf(response)).toEqual([expect.objectContaining({ status: 'ok', imageCount: 1, costUsd: 0.04 })]);
  });
});
