import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const post = (path: string, body: unknown, key = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The JSON of each `data:` event of an SSE body, in order; comments (heartbeats) are skipped. */
async function readEvents(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as unknown);
}

function pngSize(base64: string): { width: number; height: number } {
  const buffer = Buffer.from(base64, 'base64');
  if (buffer.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

const upstreamRequestOf = (generationId: string | undefined) => harness.emulator.probe(generationId!)!.request as Record<string, unknown>;

interface InsforgeUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

describe('POST /api/ai/chat/completion', () => {
  it('answers {response, model, usage}, with the feature\'s system prompt and the client\'s ignored', async () => {
    const before = harness.usage.records.length;
    const response = await post('/api/ai/chat/completion', {
      model: 'chat',
      messages: [{ role: 'user', content: 'Hello InsForge' }],
      temperature: 0.3,
      maxTokens: 64,
      topP: 0.9,
      systemPrompt: 'You are a pirate.',
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { response: string; model: string; usage: InsforgeUsage };
    expect(body.response).toContain('Hello InsForge');
    expect(body.model).toBe('openai/gpt-4o-mini');
    expect(body.usage.totalTokens).toBe(body.usage.promptTokens + body.usage.completionTokens);
    expect(body.usage.completionTokens).toBeGreaterThan(0);
    const [record] = harness.usage.records.slice(before);
    expect(record).toMatchObject({ endpoint: 'chat', status: 'ok', feature: 'chat', streamed: false, promptTokens: body.usage.promptTokens, completionTokens: body.usage.completionTokens });
    const upstream = upstreamRequestOf(record?.generationId);
    expect(upstream).toMatchObject({ temperature: 0.3, max_tokens: 64, top_p: 0.9, user: 'user-1' });
    expect(upstream['messages']).toEqual([
      { role: 'system', content: 'You are the chat assistant of Acme.' },
      { role: 'user', content: 'Hello InsForge' },
    ]);
    expect(JSON.stringify(upstream)).not.toContain('pirate');
  });

  it('sends message images upstream as image_url parts', async () => {
    const before = harness.usage.records.length;
    const url = `data:image/png;base64,${renderImage({ prompt: 'a cat', width: 8, height: 8 }).toString('base64')}`;
    const response = await post('/api/ai/chat/completion', { model: 'chat', messages: [{ role: 'user', content: 'What is this?', images: [{ url }] }] });
    expect(response.status).toBe(200);
    const [record] = harness.usage.records.slice(before);
    expect((upstreamRequestOf(record?.generationId)['messages'] as unknown[])[1]).toEqual({
      role: 'user',
      content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }],
    });
  });

  it('takes OpenAI\'s message parts (an image, a PDF) and runs a tool loop, answering toolCalls in its own words', async () => {
    const image = `data:image/png;base64,${renderImage({ prompt: 'a tram', width: 64, height: 48 }).toString('base64')}`;
    const pdf = `data:application/pdf;base64,${renderPdf(3).toString('base64')}`;
    const send = async (body: unknown) => {
      const response = await post('/api/ai/chat/completion', body);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const parts = await send({
      model: 'chat',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What are these?' }, { type: 'image_url', image_url: { url: image } }, { type: 'file', file: { filename: 'timetable.pdf', file_data: pdf } }] }],
    });
    expect(parts.status).toBe(200);
    expect((parts.body as { response: string }).response).toContain('I received an image of 64×48 pixels, a PDF of 3 pages ("timetable.pdf"');

    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const ask = { role: 'user', content: 'Use get_weather for Oslo.' };
    const first = await send({ model: 'chat', tools, messages: [ask] });
    const calls = (first.body as { toolCalls?: Array<{ id: string; function: { name: string } }> }).toolCalls;
    expect(calls?.map((call) => call.function.name)).toEqual(['get_weather']);
    const second = await send({ model: 'chat', tools, messages: [ask, { role: 'assistant', content: null, tool_calls: calls }, { role: 'tool', tool_call_id: calls![0]!.id, content: 'Sunny' }] });
    expect(second.status).toBe(200);
    expect((second.body as { response: string; toolCalls?: unknown }).response).toContain('The tool returned: "Sunny"');
    expect((second.body as { toolCalls?: unknown }).toolCalls).toBeUndefined();
    const badChoice = await send({ model: 'chat', tools, toolChoice: 'sometimes', messages: [ask] });
    expect((badChoice.body as { error: { param: string } }).error.param).toBe('toolChoice');
  });

  it('streams {chunk} events, then {done, tokenUsage}', async () => {
    const before = harness.usage.records.length;
    const response = await post('/api/ai/chat/completion', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'Stream InsForge' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    const chunks = events.slice(0, -1) as Array<{ chunk: string }>;
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((event) => Object.keys(event).join() === 'chunk' && event.chunk !== '')).toBe(true);
    expect(chunks.map((event) => event.chunk).join('')).toContain('Stream InsForge');
    const done = events.at(-1) as { done: boolean; model: string; tokenUsage: InsforgeUsage };
    expect(done).toMatchObject({ done: true, model: 'openai/gpt-4o-mini' });
    expect(done.tokenUsage.promptTokens).toBeGreaterThan(0);
    expect(done.tokenUsage.totalTokens).toBe(done.tokenUsage.promptTokens + done.tokenUsage.completionTokens);
    expect(harness.usage.records.slice(before)).toEqual([
      expect.objectContaining({ endpoint: 'chat', streamed: true, status: 'ok', promptTokens: done.tokenUsage.promptTokens, completionTokens: done.tokenUsage.completionTokens }),
    ]);
  });

  it('ends a stream that fails mid-way with an error event, never {done}', async () => {
    harness.emulator.addRule({ match: { kind: 'chat', contains: 'break-midway' }, scenario: 'error-after=3', times: 1 });
    const response = await post('/api/ai/chat/completion', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'break-midway' }] });
    expect(response.status).toBe(200);
    const events = (await readEvents(response)) as Array<Record<string, unknown>>;
    expect(events.some((event) => 'chunk' in event)).toBe(true);
    expect(events.some((event) => 'done' in event)).toBe(false);
    expect(events.at(-1)).toMatchObject({ error: true, code: 'upstream_error', message: expect.any(String) });
  });

  it('answers invalid input with a 400 naming the parameter as the client spelled it', async () => {
    for (const [body, param] of [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'chat', messages: [] }, 'messages'],
      [{ model: 'chat', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
      [{ model: 'chat', messages: [{ role: 'user', content: 'x' }], maxTokens: 0 }, 'maxTokens'],
      [{ model: 'code', messages: [{ role: 'user', content: 'x' }], topP: 0.5 }, 'topP'],
      [{ model: 'code', messages: [{ role: 'user', content: 'x' }], temperature: 1.5 }, 'temperature'],
    ] as const) {
      const response = await post('/api/ai/chat/completion', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = (await response.json()) as { error: { param: string; message: string; type: string } };
      expect(error.param, JSON.stringify(body)).toBe(param);
      expect(error.type).toBe('invalid_request_error');
    }
  });

  // InsForge's SDK sends these; dropped, a user who asked for a web search got an answer from the model's memory.
  it('sends webSearch, fileParser, thinking and parallelToolCalls as OpenRouter names them', async () => {
    const research = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'research', model: 'openai/gpt-4o-mini', extensions: { pluginsById: { web: 'allow', 'file-parser': 'allow' } } }] });
    try {
      const before = research.usage.records.length;
      const response = await fetch(`${research.url}/api/ai/chat/completion`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'research', messages: [{ role: 'user', content: 'news?' }], webSearch: { enabled: true, engine: 'exa', maxResults: 3, searchPrompt: 'Sources:' }, fileParser: { enabled: true, pdf: { engine: 'pdf-text' } }, thinking: true, parallelToolCalls: false }),
      });
      expect(response.status).toBe(200);
      const [record] = research.usage.records.slice(before);
      expect(research.emulator.probe(record!.generationId!)!.request).toMatchObject({
        plugins: [{ id: 'web', engine: 'exa', max_results: 3, search_prompt: 'Sources:' }, { id: 'file-parser', pdf: { engine: 'pdf-text' } }],
        reasoning: { enabled: true },
        parallel_tool_calls: false,
      });
    } finally {
      await research.close();
    }
  });

  it('refuses a webSearch the feature does not allow and a field it does not take, rather than answer without them', async () => {
    const before = harness.emulator.generations().length;
    const search = await post('/api/ai/chat/completion', { model: 'chat', messages: [{ role: 'user', content: 'news?' }], webSearch: { enabled: true } });
    expect(search.status).toBe(400);
    expect(await search.json()).toMatchObject({ error: { code: 'parameter_not_allowed' } });
    const unknown = await post('/api/ai/chat/completion', { model: 'chat', messages: [{ role: 'user', content: 'x' }], maxTokenz: 10 });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'invalid_parameter', param: 'maxTokenz' } });
    expect(harness.emulator.generations()).toHaveLength(before);
    // Turned off, they ask for nothing: the request goes through as without them.
    const off = await post('/api/ai/chat/completion', { model: 'chat', messages: [{ role: 'user', content: 'x' }], webSearch: { enabled: false }, fileParser: { enabled: false }, thinking: false });
    expect(off.status).toBe(200);
  });

  it('answers an unknown model with 400 model_not_found and no identity with 401', async () => {
    const unknown = await post('/api/ai/chat/completion', { model: 'anthropic/claude-3.5-haiku', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
    const anonymous = await post('/api/ai/chat/completion', { model: 'chat', messages: [{ role: 'user', content: 'x' }] }, 'not-a-key');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('POST /api/ai/image/generation', () => {
  it('answers {model, images:[{type, imageUrl}], count, usage} with data URLs', async () => {
    const before = harness.usage.records.length;
    const response = await post('/api/ai/image/generation', { prompt: 'a paper boat', size: '512x512', numImages: 2, quality: 'hd', style: 'natural' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model: string; images: Array<{ type: string; imageUrl: string }>; count: number; usage: InsforgeUsage & { imageCount: number } };
    expect(body.model).toBe('black-forest-labs/flux.2-pro');
    expect(body.count).toBe(2);
    expect(body.images).toHaveLength(2);
    for (const image of body.images) {
      expect(image.type).toBe('imageUrl');
      expect(image.imageUrl).toMatch(/^data:image\/png;base64,/);
      expect(pngSize(image.imageUrl.slice(image.imageUrl.indexOf(',') + 1))).toEqual({ width: 512, height: 512 });
    }
    expect(body.usage).toMatchObject({ imageCount: 2, promptTokens: expect.any(Number), completionTokens: expect.any(Number) });
    const [record] = harness.usage.records.slice(before);
    expect(record).toMatchObject({ endpoint: 'images', status: 'ok', feature: 'image', imageCount: 2, imageResolution: '512x512', promptTokens: body.usage.promptTokens });
    expect(upstreamRequestOf(record?.generationId)).toMatchObject({ n: 2, size: '512x512', quality: 'high', prompt: expect.stringMatching(/^a paper boat\n\nStyle: natural/) });
  });

  it('answers invalid input with a 400 naming the parameter', async () => {
    for (const [body, param] of [
      [{}, 'prompt'],
      [{ prompt: 'x', numImages: 5 }, 'numImages'],
      [{ prompt: 'x', size: 'huge' }, 'size'],
      // InsForge's SDK sends reference images this way; the gateway generates from the prompt alone.
      [{ prompt: 'x', images: [{ url: 'https://example.com/a.png' }] }, 'images'],
      [{ prompt: 'x', n: 2 }, 'n'],
    ] as const) {
      const response = await post('/api/ai/image/generation', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    const wrongModality = await post('/api/ai/image/generation', { model: 'embed', prompt: 'x' });
    expect(wrongModality.status).toBe(400);
    expect(await wrongModality.json()).toMatchObject({ error: { code: 'invalid_request', param: 'model' } });
  });
});
