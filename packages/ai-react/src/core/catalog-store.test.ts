import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createCatalogStore, selectModels } from './catalog-store.js';
import type { ModelEntry } from './chat-types.js';
import { createAiClient, type AiClient } from './client.js';

let harness: Harness;
let admin: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  admin = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
});
afterAll(() => harness.close());

/** The client with its `models.list` calls counted. */
function counted(client: AiClient) {
  const calls: unknown[] = [];
  return { calls, client: { models: { list: (query?: Parameters<AiClient['models']['list']>[0]) => (calls.push(query), client.models.list(query)) } } };
}

describe('createCatalogStore', () => {
  it('fetches once for concurrent loads, serves the cache within the TTL, and fetches again after it', async () => {
    let time = 0;
    const { calls, client } = counted(admin);
    const store = createCatalogStore({ client, ttlMs: 1_000, now: () => time });
    const [a, b] = await Promise.all([store.getState().load({ modality: 'image' }), store.getState().load({ modality: 'image' })]);
    expect(a).toBe(b);
    expect(calls).toHaveLength(1);
    expect(store.getState()).toMatchObject({ status: 'ready', fetchedAt: 0, query: { modality: 'image' } });
    expect(a.every((model) => model.modalities.includes('image'))).toBe(true);
    time = 999;
    expect(await store.getState().load({ modality: 'image' })).toBe(a);
    expect(calls).toHaveLength(1);
    time = 1_000;
    await store.getState().load({ modality: 'image' });
    expect(calls).toHaveLength(2);
    await store.getState().load({ modality: 'image' }, { force: true });
    expect(calls).toHaveLength(3);
  });

  it('keeps caches per store: two providers share nothing', async () => {
    const first = counted(admin);
    const second = counted(admin);
    await createCatalogStore({ client: first.client }).getState().load();
    await createCatalogStore({ client: second.client }).getState().load();
    expect([first.calls.length, second.calls.length]).toEqual([1, 1]);
  });

  it('shows a failure in the state without rejecting', async () => {
    const anonymous = createAiClient({ baseUrl: harness.url });
    const store = createCatalogStore({ client: anonymous });
    expect(await store.getState().load()).toEqual([]);
    expect(store.getState()).toMatchObject({ status: 'error', error: { code: 'unauthorized' } });
  });

  it('lists a user\'s features', async () => {
    const user = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    const models = await createCatalogStore({ client: user }).getState().load({ modality: 'text' });
    expect(models.map((model) => model.id)).toEqual(['chat', 'code']);
  });
});

describe('selectModels', () => {
  const entry = (id: string, name: string, prompt: number, context: number): ModelEntry => ({
    id,
    kind: 'model',
    name,
    provider: id.split('/')[0]!,
    model: id,
    modalities: ['text'],
    inputModalities: ['text'],
    outputModalities: ['text'],
    contextLength: context,
    pricing: { promptPerMillion: prompt, completionPerMillion: prompt * 4 },
    supportedParameters: [],
  });
  const models = [entry('openai/gpt-4o', 'GPT-4o', 2.5, 128_000), entry('openai/gpt-4o-mini', 'GPT-4o mini', 0.15, 128_000), entry('google/gemini', 'Gemini', 1, 1_000_000)];

  it('searches the id, name and provider, and sorts by name, price or context', () => {
    expect(selectModels(models, { search: '4O-MINI' }).map((model) => model.id)).toEqual(['openai/gpt-4o-mini']);
    expect(selectModels(models, { search: 'google' })).toHaveLength(1);
    expect(selectModels(models, { sort: 'price' }).map((model) => model.name)).toEqual(['GPT-4o mini', 'Gemini', 'GPT-4o']);
    expect(selectModels(models, { sort: 'context' })[0]!.id).toBe('google/gemini');
    expect(selectModels(models, { sort: 'name' }).map((model) => model.name)).toEqual(['Gemini', 'GPT-4o', 'GPT-4o mini']);
    expect(selectModels(models)[0]).toBe(models[0]);
  });
});
