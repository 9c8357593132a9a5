import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseFeature } from '../features/feature.js';
import { openGatewayStores } from '../store/gateway-stores.js';
import type { ListedModel } from './models.js';

const OTHER_PROJECT_KEY = 'ik_test_other_project_key_0123';

let harness: Harness;
let openai: OpenAI;
beforeAll(async () => {
  harness = await startHarness();
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());

async function listAll(client: OpenAI): Promise<ListedModel[]> {
  const models: ListedModel[] = [];
  for await (const model of client.models.list()) models.push(model as unknown as ListedModel);
  return models;
}

describe('GET /v1/models', () => {
  it('lists the project\'s features as models, with the OpenRouter fields and details of the model each serves', async () => {
    const models = await listAll(openai);
    expect(models.map((model) => model.id)).toEqual(DEFAULT_FEATURES.map((feature) => feature.name));
    const chat = models.find((model) => model.id === 'chat')!;
    const upstream = harness.emulator.catalog.find('openai/gpt-4o-mini')!;
    // OpenRouter's model object of the model it serves (for the OpenRouter SDK) under the feature's name, OpenAI's fields.
    expect(chat).toEqual({
      ...upstream,
      id: 'chat',
      object: 'model',
      created: upstream.created,
      owned_by: 'insforge',
      details: {
        kind: 'feature',
        modality: 'text',
        model: 'openai/gpt-4o-mini',
        fallback_models: ['anthropic/claude-sonnet-4'],
        name: upstream.name,
        context_length: upstream.context_length,
        max_output_tokens: upstream.top_provider.max_completion_tokens,
        pricing: upstream.pricing,
        input_modalities: upstream.architecture.input_modalities,
        output_modalities: upstream.architecture.output_modalities,
        supported_parameters: upstream.supported_parameters,
        // What the feature accepts, defaults filled in: attachments up to 10 of 10 MB, but no audio, which
        // gpt-4o-mini does not hear, and no video (refused until the policy names it); no server tools or options.
        accepts: {
          attachments: { image: { maxCount: 10, maxBytes: 10_485_760 }, file: { maxCount: 10, maxBytes: 10_485_760 }, audio: false, video: false },
          serverTools: {},
          options: { plugins: false, provider: false, models: false, transforms: false, cache_control: true },
        },
      },
    });
    expect(models.find((model) => model.id === 'embed')?.details.accepts).toBeUndefined();
    expect(models.find((model) => model.id === 'embed')?.details).toMatchObject({ modality: 'embedding', model: 'openai/text-embedding-3-small', output_modalities: ['embeddings'] });
    expect(models.find((model) => model.id === 'image')?.details).toMatchObject({ modality: 'image', model: 'black-forest-labs/flux.2-pro', output_modalities: ['image'] });
  });

  it('never lists raw models when the project does not allow them', async () => {
    const models = await listAll(openai);
    expect(models.every((model) => model.owned_by === 'insforge' && model.details.kind === 'feature')).toBe(true);
  });

  it('retrieves one feature, and answers 404 for an unknown id or a raw id the project does not allow', async () => {
    const chat = (await openai.models.retrieve('code')) as unknown as ListedModel;
    expect(chat).toMatchObject({ id: 'code', object: 'model', owned_by: 'insforge', details: { model: 'anthropic/claude-sonnet-4', fallback_models: [] } });
    for (const id of ['nope', 'openai/gpt-4o-mini']) {
      const error = await openai.models.retrieve(id).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ code: 'not_found', type: 'invalid_request_error', message: expect.stringContaining(id) });
    }
  });

  it('pages the list by offset and limit, with the total and the next page\'s link, and refuses a limit that is no whole number', async () => {
    const page = async (query: string) => fetch(`${harness.url}/v1/models?${query}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(await (await page('limit=2')).json()).toMatchObject({ data: [{ id: 'chat' }, { id: 'code' }], total_count: 4, links: { next: '/ai/v1/models?offset=2&limit=2' } });
    expect(await (await page('offset=2&limit=2')).json()).toMatchObject({ data: [{ id: 'embed' }, { id: 'image' }], total_count: 4, links: { next: null } });
    const refused = await page('limit=0');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_parameter', param: 'limit' } });
  });

  it('answers 401 without a key', async () => {
    const response = await fetch(`${harness.url}/v1/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('GET /v1/models where the project allows raw model ids', () => {
  let raw: Harness;
  let client: OpenAI;
  beforeAll(async () => {
    raw = await startHarness({
      allowRawModels: (projectId) => projectId === 'default',
      clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }, { key: OTHER_PROJECT_KEY, projectId: 'other' }],
    });
    client = new OpenAI({ baseURL: `${raw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  afterAll(() => raw.close());

  it('lists the features first, then every catalog model', async () => {
    const models = await listAll(client);
    const catalog = raw.emulator.catalog.all();
    expect(models).toHaveLength(DEFAULT_FEATURES.length + catalog.length);
    expect(models.slice(0, DEFAULT_FEATURES.length).map((model) => model.id)).toEqual(DEFAULT_FEATURES.map((feature) => feature.name));
    const listedRaw = models.slice(DEFAULT_FEATURES.length);
    expect(listedRaw.map((model) => model.id)).toEqual(catalog.map((model) => model.id));
    expect(listedRaw.find((model) => model.id === 'openai/text-embedding-3-large')?.details).toMatchObject({ kind: 'model', modality: 'embedding' });
    expect(listedRaw.find((model) => model.id === 'bytedance-seed/seedream-4.5')?.details).toMatchObject({ kind: 'model', modality: 'image' });
  });

  it('retrieves a raw model whose id holds a slash', async () => {
    const model = (await client.models.retrieve('anthropic/claude-sonnet-4')) as unknown as ListedModel;
    const upstream = raw.emulator.catalog.find('anthropic/claude-sonnet-4')!;
    expect(model).toMatchObject({ id: 'anthropic/claude-sonnet-4', object: 'model', owned_by: 'anthropic', created: upstream.created, details: { kind: 'model', modality: 'text', context_length: upstream.context_length } });
    const unencoded = await fetch(`${raw.url}/v1/models/openai/gpt-4o-mini`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(await unencoded.json()).toMatchObject({ id: 'openai/gpt-4o-mini', owned_by: 'openai' });
    const unknown = await fetch(`${raw.url}/v1/models/acme/not-a-model`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(unknown.status).toBe(404);
  });

  it('answers the count, user and endpoints paths beside the ids, and features named count and user are still retrieved under their names', async () => {
    const get = (path: string, url = raw.url) => fetch(`${url}/v1/models/${path}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    expect(await (await get('count')).json()).toEqual({ data: { count: DEFAULT_FEATURES.length + raw.emulator.catalog.all().length } });
    expect(await (await get('openai/gpt-4o-mini/endpoints')).json()).toMatchObject({ data: { id: 'openai/gpt-4o-mini', endpoints: expect.arrayContaining([expect.objectContaining({ model_id: 'openai/gpt-4o-mini' })]) } });
    expect((await get('acme/not-a-model/endpoints')).status).toBe(404);
    expect(await (await get('user?limit=1')).json()).toMatchObject({ data: [{ id: DEFAULT_FEATURES[0]!.name }], links: { next: '/ai/v1/models/user?offset=1&limit=1' } });
    // The names are reserved now: features stored under them before keep their paths.
    const folder = mkdtempSync(join(tmpdir(), 'reserved-models-'));
    const database = join(folder, 'ai.db');
    const stored = await openGatewayStores({ database, defaultProjectId: 'default' });
    for (const name of ['count', 'User']) {
      const record = await stored.features.create('default', parseFeature({ name: 'placeholder', model: 'openai/gpt-4o-mini' }), 'alice');
      await stored.database.db.updateTable('features').set({ name, config: JSON.stringify({ ...record.feature, name }) }).where('id', '=', record.id).execute();
    }
    await stored.close();
    const named = await startHarness({ database, features: [] });
    try {
      const namedClient = new OpenAI({ baseURL: `${named.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
      for (const name of ['count', 'User']) {
        expect((await namedClient.models.retrieve(name)) as unknown as ListedModel).toMatchObject({ id: name, details: { kind: 'feature', model: 'openai/gpt-4o-mini' } });
      }
      expect(await (await get('count/endpoints', named.url)).json()).toMatchObject({ data: { id: 'count' } });
      // The lower-case path is the SDK's: no feature is named exactly `user`.
      expect(await (await get('user', named.url)).json()).toMatchObject({ object: 'list', data: [{ id: 'User' }, { id: 'count' }] });
      expect(named.logs.filter((line) => line.includes('/v1/models/count'))).toEqual([expect.stringMatching(/^warn features named like .*"User" in project "default", "count" in project "default".*rename them/)]);
    } finally {
      await named.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('applies the policy per project: another project sees only its own (no) features', async () => {
    const other = new OpenAI({ baseURL: `${raw.url}/v1`, apiKey: OTHER_PROJECT_KEY, maxRetries: 0 });
    expect(await listAll(other)).toEqual([]);
    await expect(other.models.retrieve('chat')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

// Every text feature /v1/models lists must be usable as is by the AI SDK's OpenAI-compatible provider.
describe('listed text features through the AI SDK', () => {
  const provider = () => createOpenAICompatible({ name: 'insforge', baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, includeUsage: true });
  const textFeatures = async () => (await listAll(openai)).filter((model) => model.details.modality === 'text');

  it('answers generateText for each, with usage and the real model', async () => {
    const features = await textFeatures();
    expect(features.map((model) => model.id)).toEqual(['chat', 'code']);
    for (const feature of features) {
      const result = await generateText({ model: provider()(feature.id), prompt: `Hello from ${feature.id}`, maxRetries: 0 });
      expect(result.text).toContain(`Hello from ${feature.id}`);
      expect(result.response.modelId).toBe(feature.details.model);
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
    }
  });

  it('streams with streamText, usage included', async () => {
    const before = harness.usage.records.length;
    const result = streamText({ model: provider()('chat'), prompt: 'Stream through the AI SDK', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toContain('Stream through the AI SDK');
    const usage = await result.usage;
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(harness.usage.records.slice(before)).toEqual([
      expect.objectContaining({ endpoint: 'chat', feature: 'chat', streamed: true, status: 'ok', promptTokens: usage.inputTokens, completionTokens: usage.outputTokens }),
    ]);
  });
});
