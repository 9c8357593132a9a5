import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// `POST /api/ai/estimate` is asked while a user types: it must answer from the gateway alone (no request reaches
// OpenRouter once the catalog is read), fast, and refuse anything a client can send with a 4xx in the OpenAI shape.

let harness: Harness;
/** Every request the emulator (OpenRouter here) received, by path. */
const upstreamRequests: string[] = [];

beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'listen', model: 'google/gemini-2.5-flash', params: { max_tokens: 256 } },
      { name: 'strict', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 }, extensions: { attachments: { image: false, audio: false, file: { maxCount: 1 } } } },
      { name: 'searching', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 }, extensions: { serverTools: { web_search: 'allow' } } },
    ],
  });
  harness.emulator.server.on('request', (request: { url?: string }) => upstreamRequests.push(request.url ?? ''));
});
afterAll(() => harness.close());

type ErrorShape = { message: string; type: string; code: string; param: string | null };
type Estimate = { estimate: { tokens: number; costUsd: number }; admitted: boolean; stopped: boolean; stopReason: string | null; error?: ErrorShape };

async function estimate(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Estimate; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${harness.url}/api/ai/estimate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Estimate, ms: performance.now() - started };
}

const user = (content: unknown) => ({ model: 'chat', messages: [{ role: 'user', content }] });
const PNG = `data:image/png;base64,${renderImage({ prompt: 'a harbour', width: 1024, height: 1024, seed: 1 }).toString('base64')}`;
const PDF = `data:application/pdf;base64,${renderPdf(4).toString('base64')}`;
/** About a second of 16 kHz, 16-bit mono audio, as base64 (the gateway prices audio by its length). */
const audio = (kilobytes: number) => Buffer.alloc(kilobytes * 1024, 7).toString('base64');
const internalErrors = () => harness.logs.filter((line) => line.includes('unhandled error'));

describe('POST /api/ai/estimate', () => {
  it('answers from the gateway alone, quickly: nothing reaches OpenRouter once the catalog and the models\' providers are read', async () => {
    const bodies = [
      user('What does a tram pass cost?'),
      user([{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: PNG } }]),
      user([{ type: 'text', text: 'Summarise' }, { type: 'file', file: { filename: 'plan.pdf', file_data: PDF } }]),
      { ...user('Latest tram news?'), model: 'searching', tools: [{ type: 'openrouter:web_search' }] },
      { ...user('Transcribe'), model: 'listen', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: audio(32), format: 'wav' } }] }] },
    ];
    // The first estimates may read the model catalog and each model's providers (prices); those reads are shared and kept.
    for (const body of bodies) expect((await estimate(body)).status).toBe(200);
    // The listener hears OpenRouter's traffic (the catalog read at the latest, and the providers of the feature's model).
    expect(upstreamRequests.some((path) => path.endsWith('/models'))).toBe(true);
    expect(upstreamRequests).toContain('/api/v1/models/google/gemini-2.5-flash/endpoints');
    const before = upstreamRequests.length;
    const generations = harness.emulator.generations().length;
    const times: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      for (const body of bodies) {
        const answer = await estimate(body);
        expect(answer.status, JSON.stringify(answer.json)).toBe(200);
        times.push(answer.ms);
      }
    }
    expect(upstreamRequests.slice(before)).toEqual([]);
    expect(harness.emulator.generations()).toHaveLength(generations);
    // Generous for a loaded test machine: the work is parsing, policy and arithmetic (a model call takes seconds).
    times.sort((a, b) => a - b);
    expect(times[Math.floor(times.length / 2)]).toBeLessThan(150);
  });

  it('prices each kind of attachment by what it holds: a linked image at the most an image costs, audio by its length', async () => {
    const text = (await estimate(user([{ type: 'text', text: 'Hi' }]))).json.estimate.tokens;
    const linked = (await estimate(user([{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'https://example.com/tram.png' } }]))).json.estimate.tokens;
    expect(linked - text).toBeGreaterThanOrEqual(1_600);
    const listen = (kilobytes: number) => estimate({ model: 'listen', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: audio(kilobytes), format: 'wav' } }] }] });
    const short = await listen(16);
    const long = await listen(512);
    expect(short.status).toBe(200);
    expect(long.json.estimate.tokens).toBeGreaterThan(short.json.estimate.tokens);
    expect(long.json.estimate.costUsd).toBeGreaterThan(short.json.estimate.costUsd);
    // What the feature does not take is refused here as it would be on send, naming the part.
    const refused = await estimate({ model: 'strict', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: PNG } }] }] });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'messages.0.content.0' });
  });

  it('is not admitted while an administrator has stopped the project, and says why', async () => {
    const stop = (body: unknown) =>
      fetch(`${harness.url}/api/ai/emergency-stop`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await stop({ stopped: true, reason: 'Incident 42' })).status).toBe(200);
    try {
      const answer = await estimate(user('Hello'));
      expect(answer.json).toMatchObject({ admitted: false, blockedBy: null, stopped: true, stopReason: 'Incident 42' });
    } finally {
      await stop({ stopped: false });
    }
    expect((await estimate(user('Hello'))).json).toMatchObject({ admitted: true, stopped: false, stopReason: null });
  });

  it('refuses every hostile body with a 4xx in the OpenAI error shape, never a 500', async () => {
    const part = (value: unknown) => JSON.stringify(user([value]));
    const bodies: Array<[string, string]> = [
      ['empty', ''],
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"text"'],
      ['a number', '12'],
      ['cut short', '{"model":'],
      ['no model', '{"messages":[{"role":"user","content":"hi"}]}'],
      ['no messages', '{"model":"chat"}'],
      ['no message at all', '{"model":"chat","messages":[]}'],
      ['messages as an object', '{"model":"chat","messages":{}}'],
      ['an unknown feature', JSON.stringify({ ...user('hi'), model: 'nope' })],
      ['an image feature', JSON.stringify({ ...user('hi'), model: 'image' })],
      ['an unknown role', '{"model":"chat","messages":[{"role":"wizard","content":"hi"}]}'],
      ['content as a number', '{"model":"chat","messages":[{"role":"user","content":12}]}'],
      ['a part without a type', part({ text: 'hi' })],
      ['image_url as a string', part({ type: 'image_url', image_url: 'https://example.com/a.png' })],
      ['an image url that is a number', part({ type: 'image_url', image_url: { url: 42 } })],
      ['an image of broken base64', part({ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@@' } })],
      ['an image data URL without a comma', part({ type: 'image_url', image_url: { url: 'data:image/png;base64' } })],
      ['a file that is null', part({ type: 'file', file: null })],
      ['a PDF with a header only', part({ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } })],
      ['audio data as an object', part({ type: 'input_audio', input_audio: { data: { a: 1 }, format: 'wav' } })],
      ['a file reference nobody holds', part({ type: 'image_url', image_url: { url: `insforge-file:${'a'.repeat(64)}` } })],
      ['a forbidden server tool', JSON.stringify({ ...user('hi'), tools: [{ type: 'openrouter:web_search' }] })],
      ['tools as a string', JSON.stringify({ ...user('hi'), tools: 'search' })],
      ['a function tool without a function', JSON.stringify({ ...user('hi'), tools: [{ type: 'function' }] })],
      ['a negative max_tokens', JSON.stringify({ ...user('hi'), max_tokens: -1 })],
      ['a max_tokens out of range', '{"model":"chat","messages":[{"role":"user","content":"hi"}],"max_tokens":1e309}'],
      ['a reasoning budget in words', JSON.stringify({ ...user('hi'), reasoning: { max_tokens: 'lots' } })],
      ['forbidden plugins', JSON.stringify({ ...user('hi'), plugins: [{ id: 'web' }] })],
      ['provider as a string', JSON.stringify({ ...user('hi'), provider: 'openai' })],
      ['stream as a word', JSON.stringify({ ...user('hi'), stream: 'yes' })],
      ['too many messages', JSON.stringify({ model: 'chat', messages: Array.from({ length: 10_001 }, () => ({ role: 'user', content: 'x' })) })],
      ['a lone surrogate', '{"model":"chat","messages":[{"role":"user","content":"\\ud800"}]}'],
      ['a NUL character', JSON.stringify(user('a\u0000b'))],
      ['a prototype key', '{"model":"chat","messages":[{"role":"user","content":"hi"}],"__proto__":{"admitted":true}}'],
      ['deep nesting', `{"model":"chat","messages":${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
      ['not JSON', 'x'.repeat(1_000)],
      ['a body past the size cap', JSON.stringify(user('x'.repeat(12 * 1024 * 1024)))],
    ];
    const failures: string[] = [];
    for (const [name, body] of bodies) {
      const { status, json } = await estimate(body);
      const shape = json.error;
      if (status >= 500) failures.push(`${name} → ${status} ${JSON.stringify(json).slice(0, 160)}`);
      else if (status >= 400 && !(shape && ['message', 'type', 'code', 'param'].every((field) => field in shape))) failures.push(`${name} → ${status} not in the OpenAI error shape`);
      else if (status >= 400 && shape && !shape.message) failures.push(`${name} → ${status} without a message`);
    }
    // A content type it cannot read, too.
    const plain = await estimate(JSON.stringify(user('hi')), { 'content-type': 'text/plain' });
    if (plain.status >= 500) failures.push(`text/plain → ${plain.status}`);
    expect(failures.join('\n')).toBe('');
    expect(internalErrors()).toEqual([]);
  }, 60_000);

  it('names the field at fault', async () => {
    expect((await estimate({ model: 'chat' })).json.error).toMatchObject({ code: 'invalid_parameter', param: 'messages' });
    expect((await estimate({ ...user('hi'), max_tokens: -1 })).json.error).toMatchObject({ param: 'max_tokens' });
    expect((await estimate({ ...user('hi'), plugins: [{ id: 'web' }] })).json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'plugins' });
    expect((await estimate({ ...user('hi'), model: 'nope' })).json.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const missing = await estimate(user([{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: `insforge-file:${'a'.repeat(64)}` } }]));
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ param: expect.stringMatching(/^messages\.0\.content\.1/) as string });
  });

  it('counts web_search_options at the dearest search it may run, and a predicted output as output, in the reservation', async () => {
    const base = { ...user('Latest tram news?'), model: 'searching' };
    const plain = (await estimate(base)).json.estimate;
    const searched = await estimate({ ...base, web_search_options: { search_context_size: 'high' } });
    expect(searched.status).toBe(200);
    expect(searched.json.estimate.costUsd - plain.costUsd).toBeGreaterThanOrEqual(0.05 - 1e-9);
    const predicted = await estimate({ ...base, prediction: { type: 'content', content: 'x'.repeat(4_000) } });
    // The prediction's 1,000 tokens count as output (its unused tokens are billed so), beyond its length in the prompt.
    expect(predicted.json.estimate.tokens - plain.tokens).toBeGreaterThanOrEqual(1_000 + 1_000);
    // Web search options where the feature allows no search: the same 400 as the request would get.
    const refused = await estimate({ ...user('news?'), web_search_options: {} });
    expect([refused.status, refused.json.error?.param]).toEqual([400, 'web_search_options']);
  });
});
