import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import { estimateEmbeddings } from './quota-estimate.js';

// A catalog that prices one model at $1 per token, one at $3, and one as variable (-1), so costs read as tokens.
const listed: Record<string, { pricing: Record<string, string> }> = {
  'embed/one-dollar': { pricing: { prompt: '1' } },
  'embed/three-dollars': { pricing: { prompt: '3' } },
  'openrouter/auto': { pricing: { prompt: '-1' } },
};
const context = {
  catalog: { find: async (id: string) => listed[id], dearest: async () => ({ prompt: 3 }) },
} as unknown as GatewayContext;
const unreachable = { catalog: { find: async () => null, dearest: async () => null } } as unknown as GatewayContext;

describe('estimateEmbeddings', () => {
  it('counts a token array by its length, where its JSON would read as about half of it', async () => {
    const tokens = Array.from({ length: 4_000 }, (_, index) => index % 7);
    expect(await estimateEmbeddings(context, ['embed/one-dollar'], tokens)).toEqual({ tokens: 4_000, costUsd: 4_000 });
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], [tokens, tokens.slice(0, 10)])).tokens).toBe(4_010);
  });

  it('counts text four characters a token, beside token arrays in the same input', async () => {
    const text = 'x'.repeat(398);
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], text)).tokens).toBe(100);
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], [[1, 2, 3], text])).tokens).toBe(3 + Math.ceil(JSON.stringify([text]).length / 4));
  });
});

describe('a price the catalog does not know', () => {
  it('counts a model it does not list, or lists at a variable price, at the dearest listed price', async () => {
    expect(await estimateEmbeddings(context, ['openrouter/auto'], [1, 2, 3, 4])).toEqual({ tokens: 4, costUsd: 12 });
    expect(await estimateEmbeddings(context, ['someone/unlisted'], [1, 2])).toEqual({ tokens: 2, costUsd: 6 });
    expect(await estimateEmbeddings(context, ['embed/one-dollar'], [1, 2])).toEqual({ tokens: 2, costUsd: 2 });
  });

  it('counts prices as 0 only when the catalog cannot be had', async () => {
    expect(await estimateEmbeddings(unreachable, ['embed/one-dollar'], [1, 2])).toEqual({ tokens: 2, costUsd: 0 });
  });
});

describe('prices read from catalog entries', () => {
  it('counts a refreshed entry\'s prices at once, and variable prices at the dearest price of the moment', async () => {
    const catalog: Record<string, { pricing: Record<string, string> }> = { 'embed/priced': { pricing: { prompt: '1' } }, 'embed/variable': { pricing: { prompt: '-1' } } };
    let dearest = { prompt: 3 };
    const refreshing = { catalog: { find: async (id: string) => catalog[id], dearest: async () => dearest } } as unknown as GatewayContext;
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(2);
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(2);
    catalog['embed/priced'] = { pricing: { prompt: '5' } };
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(10);
    expect((await estimateEmbeddings(refreshing, ['embed/variable'], [1, 2])).costUsd).toBe(6);
    dearest = { prompt: 7 };
    expect((await estimateEmbeddings(refreshing, ['embed/variable'], [1, 2])).costUsd).toBe(14);
  });
});
