import { describe, expect, it } from 'vitest';
import type { ModelEntry } from '../../core/chat-types.js';
import { filterModels, groupModelsByProvider, isFreeModel, providersOf, sortModels } from './model-filters.js';

function entry(id: string, fields: Partial<ModelEntry> = {}): ModelEntry {
  const provider = id.slice(0, id.indexOf('/'));
  return { id, kind: 'model', name: id, provider, model: id, modalities: ['text'], inputModalities: [], outputModalities: [], pricing: {}, supportedParameters: [], ...fields };
}

const mini = entry('openai/gpt-4o-mini', { name: 'OpenAI: GPT-4o-mini', contextLength: 128_000, pricing: { promptPerMillion: 0.15, completionPerMillion: 0.6 } });
const sonnet = entry('anthropic/claude-sonnet-4', { name: 'Anthropic: Claude Sonnet 4', contextLength: 200_000, pricing: { promptPerMillion: 3, completionPerMillion: 15 } });
const free = entry('meta-llama/llama-3.3-70b:free', { name: 'Meta: Llama 3.3 70B (free)', contextLength: 65_000, pricing: { promptPerMillion: 0, completionPerMillion: 0 } });
const flux = entry('black-forest-labs/flux.2-pro', { name: 'Flux 2 Pro', modalities: ['image'], pricing: { perImage: 0.03 } });
const catalog = [sonnet, mini, free, flux];

describe('model filters', () => {
  it('a model is free when it costs nothing or is a :free variant, never when its price is unknown', () => {
    expect(isFreeModel(free)).toBe(true);
    expect(isFreeModel(entry('x/y:free'))).toBe(true);
    expect(isFreeModel(mini)).toBe(false);
    expect(isFreeModel(entry('x/unknown'))).toBe(false);
    expect(isFreeModel(entry('x/per-image', { pricing: { promptPerMillion: 0, completionPerMillion: 0, perImage: 0.04 } }))).toBe(false);
  });

  it('search needs every word somewhere in the id, name or provider, in any case', () => {
    expect(filterModels(catalog, { search: 'CLAUDE anthropic' })).toEqual([sonnet]);
    expect(filterModels(catalog, { search: '4o mini' })).toEqual([mini]);
    expect(filterModels(catalog, { search: 'nothing-like-this' })).toEqual([]);
    expect(filterModels(catalog, { search: '   ' })).toEqual(catalog);
  });

  it('filters by modality, provider, input price ceiling and minimum context', () => {
    expect(filterModels(catalog, { modality: 'image' })).toEqual([flux]);
    expect(filterModels(catalog, { provider: 'openai' })).toEqual([mini]);
    expect(filterModels(catalog, { maxPrice: 1 })).toEqual([mini, free]);
    expect(filterModels(catalog, { maxPrice: 0 })).toEqual([free]);
    expect(filterModels([entry('x/paid-output', { pricing: { promptPerMillion: 0, completionPerMillion: 2 } })], { maxPrice: 0 })).toEqual([]);
    expect(filterModels(catalog, { minContext: 128_000 })).toEqual([sonnet, mini]);
    expect(filterModels(catalog, { minContext: 100_000, maxPrice: 1 })).toEqual([mini]);
  });

  it('sorts by price, context, provider and newest (created, else the catalog order), stably', () => {
    expect(sortModels(catalog, 'price').map((model) => model.id)).toEqual([free.id, mini.id, sonnet.id, flux.id]);
    expect(sortModels(catalog, 'context').map((model) => model.id)).toEqual([sonnet.id, mini.id, free.id, flux.id]);
    expect(sortModels(catalog, 'provider').map((model) => model.provider)).toEqual(['anthropic', 'black-forest-labs', 'meta-llama', 'openai']);
    expect(sortModels(catalog, 'newest')).toEqual(catalog);
    const dated = [{ ...mini, created: 100 }, { ...sonnet, created: 300 }, { ...free, created: 200 }];
    expect(sortModels(dated, 'newest').map((model) => model.id)).toEqual([sonnet.id, free.id, mini.id]);
  });

  it('groups by provider where each provider first appears, labelled as its models name it', () => {
    const groups = groupModelsByProvider(sortModels([...catalog, entry('openai/gpt-5', { name: 'OpenAI: GPT-5', pricing: { promptPerMillion: 0.01 } })], 'price'));
    expect(groups.map((group) => [group.label, group.models.map((model) => model.id)])).toEqual([
      ['Meta', [free.id]],
      ['OpenAI', ['openai/gpt-5', mini.id]],
      ['Anthropic', [sonnet.id]],
      ['Black Forest Labs', [flux.id]],
    ]);
    expect(providersOf(catalog).map((provider) => provider.label)).toEqual(['Anthropic', 'Black Forest Labs', 'Meta', 'OpenAI']);
  });

  it("lists each provider once with its name: OpenRouter's ~ aliases and Meta's two slugs joined, unprefixed names named", () => {
    const aliased = [
      entry('~anthropic/claude-sonnet-latest', { name: 'Claude Sonnet Latest' }),
      entry('meta/llama-4', { name: 'Meta: Llama 4' }),
      entry('~google/gemini-pro-latest', { name: 'Gemini Pro Latest' }),
      entry('google/gemini-2.5-pro', { name: 'Google: Gemini 2.5 Pro' }),
      entry('anthracite-org/magnum-v4-72b', { name: 'Magnum v4 72B' }),
      entry('~x-ai/grok-latest', { name: 'xAI: Grok Latest' }),
      entry('x-ai/grok-4', { name: 'xAI: Grok 4' }),
      entry('deep-cogito/cogito', { name: 'Cogito' }),
    ];
    const providers = providersOf([...catalog, ...aliased]);
    expect(providers.map(({ provider, label }) => [provider, label])).toEqual([
      ['anthracite-org', 'Anthracite'],
      ['anthropic', 'Anthropic'],
      ['black-forest-labs', 'Black Forest Labs'],
      ['deep-cogito', 'Deep Cogito'],
      ['google', 'Google'],
      ['meta', 'Meta'],
      ['openai', 'OpenAI'],
      ['x-ai', 'xAI'],
    ]);
    expect(filterModels(aliased, { provider: 'anthropic' }).map((model) => model.id)).toEqual(['~anthropic/claude-sonnet-latest']);
    expect(filterModels([...catalog, ...aliased], { provider: 'meta' }).map((model) => model.id)).toEqual([free.id, 'meta/llama-4']);
    expect(groupModelsByProvider(aliased.slice(2, 4)).map((group) => [group.label, group.models.length])).toEqual([['Google', 2]]);
  });
});
