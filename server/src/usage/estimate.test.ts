import { describe, expect, it } from 'vitest';
import { MemoryFeatureStore } from '../features/feature-store.js';
import type { ModelCatalog } from '../upstream/model-catalog.js';
import { catalogPrices, estimateCost, pricesOf } from './estimate.js';
import type { UsageRecord } from './usage-record.js';

const record: UsageRecord = { requestId: 'r1', endpoint: 'chat', projectId: 'p1', requestedModel: 'chat', status: 'ok', streamed: true, promptTokens: 1_000, completionTokens: 500, reasoningTokens: 100, latencyMs: 10, attempts: 1, startedAt: new Date() };

describe('cost estimates', () => {
  it('reads OpenRouter prices (strings of USD per token), reasoning at the completion price unless listed', () => {
    expect(pricesOf({ id: 'm', pricing: { prompt: '0.000001', completion: '0.000002', request: '0.01', image: '0' } })).toEqual({ prompt: 0.000001, completion: 0.000002, reasoning: 0.000002, request: 0.01 });
    expect(pricesOf({ id: 'm', pricing: { prompt: '0', completion: '0', internal_reasoning: '0.000003', request: '-1' } })).toEqual({ prompt: 0, completion: 0, reasoning: 0.000003, request: 0 });
    expect(pricesOf({ id: 'm' })).toBeUndefined();
    expect(pricesOf(null)).toBeUndefined();
  });

  it('prices tokens, reasoning apart, plus the per-request price', () => {
    const prices = { prompt: 0.000001, completion: 0.000002, reasoning: 0.000004, request: 0.001 };
    expect(estimateCost(record, prices)).toBeCloseTo(1_000 * 0.000001 + 400 * 0.000002 + 100 * 0.000004 + 0.001, 15);
  });

  it('falls back to about four characters a token when the counts are missing, and to 0 when nothing reached OpenRouter', () => {
    const prices = { prompt: 0.000001, completion: 0.000002, reasoning: 0.000002, request: 0 };
    const cancelled = { ...record, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, promptCharacters: 401, completionCharacters: 80 };
    expect(estimateCost(cancelled, prices)).toBeCloseTo(101 * 0.000001 + 20 * 0.000002, 15);
    expect(estimateCost({ ...record, attempts: 0 }, prices)).toBe(0);
    expect(estimateCost({ ...record, cacheHit: true }, prices)).toBe(0);
    expect(estimateCost(record, undefined)).toBe(0);
  });

  it("prices the served model, else the feature's model, from the catalog", async () => {
    const models = new Map([
      ['openai/gpt-4o-mini', { id: 'openai/gpt-4o-mini', pricing: { prompt: '0.00000015', completion: '0.0000006' } }],
      ['anthropic/claude-sonnet-4', { id: 'anthropic/claude-sonnet-4', pricing: { prompt: '0.000003', completion: '0.000015' } }],
    ]);
    const catalog = { find: async (id: string) => models.get(id) } as unknown as ModelCatalog;
    const features = new MemoryFeatureStore({ p1: [{ name: 'chat', model: 'anthropic/claude-sonnet-4' }] });
    const lookup = catalogPrices(catalog, features);
    expect((await lookup({ ...record, servedModel: 'openai/gpt-4o-mini', feature: 'chat' }))?.prompt).toBe(0.00000015);
    expect((await lookup({ ...record, feature: 'chat' }))?.prompt).toBe(0.000003);
    expect(await lookup({ ...record, requestedModel: 'unknown/model' })).toBeUndefined();
  });
});
