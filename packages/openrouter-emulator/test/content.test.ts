import { imageSize, imageTypeOf } from '@insforge/ai-protocol';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { chatBody, json, post } from './client.js';
import { parseSse } from './sse.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const chat = async (body: Record<string, unknown>) => json(await post(emulator, '/chat/completions', body));
const get = async (path: string) => json(await fetch(`${emulator.url}${path}`));
const decodePng = (base64: string) => PNG.sync.read(Buffer.from(base64, 'base64'));

describe('chat content', () => {
  it('derives the answer from the prompt, deterministically, and rewords a repeated prompt', async () => {
    const body = chatBody('Explain vector clocks', { seed: 7 });
    const first = await chat(body);
    expect(first.choices[0].message.content).toContain('Explain vector clocks');
    expect((await chat(body)).choices[0].message.content).toBe(first.choices[0].message.content);
    const unseeded = chatBody('Explain lamport clocks');
    expect((await chat(unseeded)).choices[0].message.content).not.toBe((await chat(unseeded)).choices[0].message.content);
  });

  it('acknowledges the system prompt the request carried', async () => {
    const answer = await chat({ model: 'openai/gpt-4o-mini', messages: [{ role: 'system', content: 'Answer like a pirate.' }, { role: 'user', content: 'hello' }] });
    expect(answer.choices[0].message.content).toContain('Answer like a pirate.');
  });

  it('stops at a stop sequence', async () => {
    const answer = await chat(chatBody('stop here', { stop: ['asked'] }));
    expect(answer.choices[0].message.content).toBe('You ');
    expect(answer.choices[0].finish_reason).toBe('stop');
  });

  it('returns JSON that fits a json_schema response format', async () => {
    const schema = { type: 'object', properties: { title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, score: { type: 'integer', minimum: 3 } } };
    const answer = await chat(chatBody('a headline', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }));
    const parsed = JSON.parse(answer.choices[0].message.content);
    expect(parsed).toMatchObject({ title: expect.any(String), tags: [expect.any(String)], score: 3 });
  });

  it('writes no more JSON than max_tokens holds, however many items a schema asks for, and answers others meanwhile', async () => {
    const strings = { type: 'array', items: { type: 'string' }, minItems: 100_000_000 };
    const nested = { type: 'array', items: { type: 'array', items: { type: 'integer' }, minItems: 5_000 }, minItems: 5_000 };
    for (const schema of [strings, nested]) {
      const started = performance.now();
      const [answer, models] = await Promise.all([
        chat(chatBody('a list', { max_tokens: 200, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } })),
        fetch(`${emulator.url}/models`).then((response) => response.status),
      ]);
      expect(models).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(answer.choices[0].finish_reason).toBe('length');
      expect(answer.usage.completion_tokens).toBe(200);
      expect(answer.choices[0].message.content).toMatch(/^\[/);
    }
    // Without max_tokens, the model's own output limit bounds it (gpt-4o-mini writes at most 16,384 tokens).
    const unbounded = await chat(chatBody('a list', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: strings } } }));
    expect(unbounded.choices[0].finish_reason).toBe('length');
    expect(unbounded.usage.completion_tokens).toBe(16_384);
  });

  it('calls the named tool with arguments that fit its schema, and answers a tool result', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } }];
    const parsed = parseSse(await (await post(emulator, '/chat/completions', chatBody('Weather in Oslo?', { tools, stream: true }))).text());
    const calls = parsed.chunks.flatMap((chunk) => chunk.choices?.[0]?.delta?.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    const args = JSON.parse(calls.map((call) => call.function.arguments).join(''));
    expect(args).toEqual({ city: 'Weather in Oslo?', days: 1 });
    expect(parsed.chunks.at(-2)?.choices[0].finish_reason).toBe('tool_calls');
    const answer = await chat({
      model: 'anthropic/claude-sonnet-4',
      tools,
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21°C' },
      ],
    });
    expect(answer.choices[0].message.content).toContain('Sunny, 21°C');
    expect(answer.choices[0].native_finish_reason).toBe('end_turn');
  });

  it('streams reasoning before the answer and bills it, or hides it with exclude', async () => {
    const parsed = parseSse(await (await post(emulator, '/chat/completions', chatBody('think', { stream: true, reasoning: { effort: 'low' } }))).text());
    const reasoning = parsed.chunks.map((chunk) => chunk.choices?.[0]?.delta?.reasoning ?? '').join('');
    expect(reasoning).toContain('The user is asking');
    const usage = parsed.chunks.at(-1)?.usage;
    expect(usage.completion_tokens_details.reasoning_tokens).toBe(16);
    const hidden = await chat(chatBody('think', { reasoning: { effort: 'low', exclude: true } }));
    expect(hidden.choices[0].message.reasoning).toBeNull();
    expect(hidden.usage.completion_tokens_details.reasoning_tokens).toBe(16);
  });

  it('returns a PNG of the requested aspect ratio through modalities', async () => {
    const answer = await chat({ model: 'google/gemini-2.5-flash-image', modalities: ['image', 'text'], image_config: { aspect_ratio: '16:9' }, messages: [{ role: 'user', content: 'a lighthouse' }] });
    const url: string = answer.choices[0].message.images[0].image_url.url;
    const png = decodePng(url.replace('data:image/png;base64,', ''));
    expect([png.width, png.height]).toEqual([1024, 576]);
    expect(answer.usage.completion_tokens_details.image_tokens).toBe(1290);
    const textOnly = await post(emulator, '/chat/completions', chatBody('a lighthouse', { modalities: ['image'] }));
    expect(textOnly.status).toBe(404);
  });

  it('routes openrouter/auto to a concrete model and prices :free models at zero', async () => {
    expect((await chat(chatBody('route', { model: 'openrouter/auto' }))).model).toBe('openai/gpt-4o-mini');
    expect((await chat(chatBody('free', { model: 'openai/gpt-oss-20b:free' }))).usage.cost).toBe(0);
  });

  it('applies pricing.overrides tiers to long prompts', async () => {
    const model = emulator.catalog.find('openai/gpt-5.6-terra')!;
    const tier = model.pricing.overrides![0]!;
    const long = 'word '.repeat(tier.min_prompt_tokens!);
    const answer = await chat({ model: model.id, max_tokens: 5, messages: [{ role: 'user', content: long }] });
    expect(answer.usage.cost_details.upstream_inference_prompt_cost).toBeCloseTo(answer.usage.prompt_tokens * Number(tier.prompt), 12);
  });

  it('refuses a prompt over the context length with context_length_exceeded', async () => {
    const response = await post(emulator, '/chat/completions', chatBody('x', { model: 'google/gemini-2.5-flash-image', max_tokens: 40_000 }));
    expect(response.status).toBe(400);
    expect((await json(response)).error.metadata.error_type).toBe('context_length_exceeded');
  });
});

describe('embeddings', () => {
  it('returns unit vectors of the requested dimension, equal for equal input', async () => {
    const body = { model: 'openai/text-embedding-3-small', input: ['the cat sat', 'the cat sat', 'quantum flux'], dimensions: 256 };
    const result = await json(await post(emulator, '/embeddings', body));
    const [a, b, c] = result.data.map((entry: { embedding: number[] }) => entry.embedding);
    expect(a).toHaveLength(256);
    expect(a).toEqual(b);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(a).not.toEqual(c);
    expect(result.usage.cost).toBeCloseTo(result.usage.prompt_tokens * 0.00000002, 15);
  });

  it('encodes base64 floats, takes token arrays, and rejects what the model cannot do', async () => {
    const float = await json(await post(emulator, '/embeddings', { model: 'openai/text-embedding-3-large', input: 'hello' }));
    const base64 = await json(await post(emulator, '/embeddings', { model: 'openai/text-embedding-3-large', input: 'hello', encoding_format: 'base64' }));
    const bytes = Buffer.from(base64.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual(float.data[0].embedding);
    expect(float.data[0].embedding).toHaveLength(3072);
    expect((await json(await post(emulator, '/embeddings', { model: 'openai/text-embedding-3-small', input: [[1, 2, 3]] }))).usage.prompt_tokens).toBe(3);
    expect((await post(emulator, '/embeddings', { model: 'mistralai/mistral-embed-2312', input: 'x', dimensions: 8 })).status).toBe(400);
    expect((await post(emulator, '/embeddings', { model: 'openai/gpt-4o-mini', input: 'x' })).status).toBe(404);
    expect((await post(emulator, '/embeddings', { model: 'openai/text-embedding-3-small', input: 42 })).status).toBe(400);
  });
});

describe('images endpoint', () => {
  it('generates n PNGs of the requested size, billed per image', async () => {
    const result = await json(await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'a red fox', n: 2, size: '512x256' }));
    expect(result.data).toHaveLength(2);
    const png = decodePng(result.data[0].b64_json);
    expect([png.width, png.height]).toEqual([512, 256]);
    expect(result.data[0].media_type).toBe('image/png');
    expect(result.usage.cost).toBeGreaterThan(0);
    expect(result.data[0].b64_json).not.toBe(result.data[1].b64_json);
  });

  it('encodes JPEG and WebP as output_format asks, named by media_type, JPEG at output_compression\'s quality', async () => {
    const generate = async (extra: Record<string, unknown>) => json(await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'a lighthouse', size: '96x64', ...extra }));
    for (const [format, mediaType] of [['jpeg', 'image/jpeg'], ['webp', 'image/webp'], ['png', 'image/png']] as const) {
      const [image] = (await generate({ output_format: format })).data;
      const bytes = Buffer.from(image.b64_json, 'base64');
      expect(image.media_type).toBe(mediaType);
      expect(imageTypeOf(bytes)).toBe(mediaType);
      expect(imageSize(bytes)).toEqual({ width: 96, height: 64 });
    }
    const fine = Buffer.from((await generate({ output_format: 'jpeg' })).data[0].b64_json, 'base64');
    const coarse = Buffer.from((await generate({ output_format: 'jpeg', output_compression: 10 })).data[0].b64_json, 'base64');
    expect(coarse.length).toBeLessThan(fine.length);
    const streamed = parseSse(await (await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'a lighthouse', size: '32x32', output_format: 'webp', stream: true })).text());
    expect(streamed.chunks.map((event) => imageTypeOf(Buffer.from(event.b64_json, 'base64')))).toEqual(['image/webp', 'image/webp']);
    expect(streamed.chunks.map((event) => event.media_type)).toEqual(['image/webp', 'image/webp']);
    for (const [field, value] of [['output_format', 'gif'], ['output_compression', 101]] as const) {
      const refused = await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'a lighthouse', [field]: value });
      expect(refused.status).toBe(400);
      expect((await json(refused)).error.metadata).toEqual({ param: field });
    }
  });

  it('streams partial and completed image events, then [DONE]', async () => {
    const response = await post(emulator, '/images', { model: 'bytedance-seed/seedream-4.5', prompt: 'a boat', n: 1, size: '64x64', stream: true });
    const parsed = parseSse(await response.text());
    expect(parsed.events).toEqual(['image_generation.partial_image', 'image_generation.completed']);
    expect(parsed.chunks[1]?.usage.cost).toBeGreaterThan(0);
    expect(parsed.data.at(-1)).toBe('[DONE]');
  });

  it('costs nothing when the generation fails', async () => {
    const response = await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'fail', size: '64x64' }, { 'x-emulator-scenario': 'error-body' });
    expect(response.status).toBe(502);
    const probe = emulator.probe(response.headers.get('x-generation-id')!);
    expect(probe).toMatchObject({ status: 'failed', billed: { cost: 0 } });
  });
});

describe('catalog routes', () => {
  it('lists the snapshot in /models and keeps embedding and image-only models apart', async () => {
    const models = await get('/models');
    expect(models.data).toHaveLength(345);
    expect(models.data.some((model: { id: string }) => model.id.startsWith('openai/text-embedding'))).toBe(false);
    const embeddings = await get('/embeddings/models');
    expect(embeddings.data.map((model: { id: string }) => model.id)).toEqual(expect.arrayContaining(['openai/text-embedding-3-small', 'openai/text-embedding-3-large']));
    expect((await get('/images/models')).data.length).toBeGreaterThanOrEqual(3);
  });

  it('filters by supported parameters and modalities', async () => {
    const tools = await get('/models?supported_parameters=tools,response_format');
    expect(tools.data.every((model: { supported_parameters: string[] }) => model.supported_parameters.includes('tools') && model.supported_parameters.includes('response_format'))).toBe(true);
    const images = await get('/models?output_modalities=image');
    expect(images.data.map((model: { id: string }) => model.id)).toEqual(expect.arrayContaining(['google/gemini-2.5-flash-image', 'black-forest-labs/flux.2-pro']));
  });

  it('counts in /models/count the models /models lists under the same filters', async () => {
    expect(await get('/models/count')).toEqual({ data: { count: 345 } });
    for (const filter of ['output_modalities=image', 'output_modalities=all', 'supported_parameters=tools&input_modalities=image']) {
      expect((await get(`/models/count?${filter}`)).data.count).toBe((await get(`/models?${filter}`)).data.length);
    }
  });

  it('lists the key\'s models in /models/user, a page at a time when limit is given, and needs a key', async () => {
    const asUser = (query = '', key = emulator.apiKey) => fetch(`${emulator.url}/models/user${query}`, { headers: { authorization: `Bearer ${key}` } });
    const everything = await get('/models');
    const whole = await json(await asUser());
    expect(whole).toEqual({ data: everything.data, total_count: 345, links: { next: null } });
    const first = await json(await asUser('?output_modalities=text&limit=200'));
    expect(first.data).toEqual(everything.data.slice(0, 200));
    expect(first.links.next).toBe('/api/v1/models/user?output_modalities=text&limit=200&offset=200');
    const second = await json(await fetch(`${emulator.origin}${first.links.next}`, { headers: { authorization: `Bearer ${emulator.apiKey}` } }));
    expect(second).toEqual({ data: everything.data.slice(200), total_count: 345, links: { next: null } });
    expect((await json(await asUser('?output_modalities=embeddings'))).data.map((model: { id: string }) => model.id)).toContain('openai/text-embedding-3-small');
    expect((await asUser('?limit=0')).status).toBe(400);
    expect((await asUser('', 'sk-or-v1-unknown')).status).toBe(401);
    expect((await fetch(`${emulator.url}/models/user`)).status).toBe(401);
  });

  it('lists a model\'s endpoints by id or canonical slug', async () => {
    const byId = await get('/models/anthropic/claude-opus-5-fast/endpoints');
    const bySlug = await get('/models/anthropic/claude-opus-5-fast-20260723/endpoints');
    expect(byId.data.endpoints[0]).toMatchObject({ provider_name: 'Anthropic', context_length: 1000000 });
    expect(bySlug.data.id).toBe(byId.data.id);
    expect((await fetch(`${emulator.url}/models/nobody/nothing/endpoints`)).status).toBe(404);
  });
});
