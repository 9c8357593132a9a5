import { describe, expect, it } from 'vitest';
import { closestListedModels, isListedModel } from './listed-models.js';
import type { CatalogSnapshot, UpstreamModel } from './model-catalog.js';

const snapshotOf = (models: Array<UpstreamModel & { canonical_slug?: string }>): CatalogSnapshot => ({ models, byId: new Map(models.map((model) => [model.id, model])), fetchedAt: 0 });

const catalog = snapshotOf([
  { id: 'openai/gpt-4o-mini', canonical_slug: 'openai/gpt-4o-mini-2024-07-18' },
  { id: 'openai/gpt-4o' },
  { id: 'openai/gpt-4.1-mini' },
  { id: 'openrouter/auto' },
  { id: '~anthropic/claude-sonnet-latest' },
  { id: 'meta-llama/llama-3.3-70b-instruct:free' },
  { id: 'anthropic/claude-sonnet-4' },
]);

describe('isListedModel', () => {
  it('takes listed ids, routers, aliases, free variants and canonical slugs as they are listed', () => {
    for (const id of ['openai/gpt-4o-mini', 'openrouter/auto', '~anthropic/claude-sonnet-latest', 'meta-llama/llama-3.3-70b-instruct:free', 'openai/gpt-4o-mini-2024-07-18']) {
      expect(isListedModel(catalog, id), id).toBe(true);
    }
  });

  it('takes a routing variant after a listed id, as OpenRouter serves it', () => {
    for (const id of ['openai/gpt-4o:online', 'openai/gpt-4o-mini:nitro', 'anthropic/claude-sonnet-4:floor', 'openai/gpt-4o:exacto', 'anthropic/claude-sonnet-4:thinking']) {
      expect(isListedModel(catalog, id), id).toBe(true);
    }
  });

  it('refuses a misspelt id, a variant after one, and a free variant the catalog does not list', () => {
    for (const id of ['openai/gpt-4o-mimi', 'openai/gpt-4o-mimi:online', 'openai/gpt-4o:free', 'openai/gpt-4o:typo', 'OpenAI/GPT-4o']) {
      expect(isListedModel(catalog, id), id).toBe(false);
    }
  });
});

describe('closestListedModels', () => {
  it('offers the listed ids a few edits away, closest first, and none when nothing is near', () => {
    expect(closestListedModels(catalog, 'openai/gpt-4o-mimi')).toEqual(['openai/gpt-4o-mini', 'openai/gpt-4.1-mini']);
    expect(closestListedModels(catalog, 'anthropic/claude-sonet-4')).toEqual(['anthropic/claude-sonnet-4']);
    expect(closestListedModels(catalog, 'mistralai/mistral-large')).toEqual([]);
  });
});
