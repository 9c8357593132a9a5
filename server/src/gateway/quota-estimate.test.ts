import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import type { PreparedChat } from './chat.js';
import { estimateChat, estimateEmbeddings, estimateImages } from './quota-estimate.js';

// A catalog that prices one model at $1 per token, one at $3, and one as variable (-1), so costs read as tokens.
const listed: Record<string, { pricing: Record<string, string> }> = {
  'embed/one-dollar': { pricing: { prompt: '1' } },
  'embed/three-dollars': { pricing: { prompt: '3' } },
  'openrouter/auto': { pricing: { prompt: '-1' } },
};
const context = {
  catalog: { find: async (id: string) => listed[id], dearest: async () => ({ prompt: 3 }), endpoints: async () => null },
} as unknown as GatewayContext;
const unreachable = { catalog: { find: async () => null, dearest: async () => null, endpoints: async () => null } } as unknown as GatewayContext;

describe('estimateEmbeddings', () => {
  it('counts a token array by its length, where its JSON would read as about half of it', async () => {
    const tokens = Array.from({ length: 4_000 }, (_, index) => index % 7);
    expect(await estimateEmbeddings(context, ['embed/one-dollar'], tokens)).toEqual({ tokens: 4_000, promptTokens: 4_000, costUsd: 4_000 });
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], [tokens, tokens.slice(0, 10)])).tokens).toBe(4_010);
  });

  it('counts text a token per UTF-8 byte of its JSON, beside token arrays in the same input', async () => {
    const text = 'x'.repeat(398);
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], text)).tokens).toBe(400);
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], [[1, 2, 3], text])).tokens).toBe(3 + JSON.stringify([text]).length);
    // Three bytes a character of Chinese, four an emoji: a byte-level tokenizer may bill each byte.
    expect((await estimateEmbeddings(context, ['embed/one-dollar'], '你好😀')).tokens).toBe(2 + 3 + 3 + 4);
  });
});

describe('a price the catalog does not know', () => {
  it('counts a model it does not list, or lists at a variable price, at the dearest listed price', async () => {
    expect(await estimateEmbeddings(context, ['openrouter/auto'], [1, 2, 3, 4])).toEqual({ tokens: 4, promptTokens: 4, costUsd: 12 });
    expect(await estimateEmbeddings(context, ['someone/unlisted'], [1, 2])).toEqual({ tokens: 2, promptTokens: 2, costUsd: 6 });
    expect(await estimateEmbeddings(context, ['embed/one-dollar'], [1, 2])).toEqual({ tokens: 2, promptTokens: 2, costUsd: 2 });
  });

  it('counts prices as 0 only when the catalog cannot be had', async () => {
    expect(await estimateEmbeddings(unreachable, ['embed/one-dollar'], [1, 2])).toEqual({ tokens: 2, promptTokens: 2, costUsd: 0 });
  });
});

describe('prices read from catalog entries', () => {
  it('counts a refreshed entry\'s prices at once, and variable prices at the dearest price of the moment', async () => {
    const catalog: Record<string, { pricing: Record<string, string> }> = { 'embed/priced': { pricing: { prompt: '1' } }, 'embed/variable': { pricing: { prompt: '-1' } } };
    let dearest = { prompt: 3 };
    const refreshing = { catalog: { find: async (id: string) => catalog[id], dearest: async () => dearest, endpoints: async () => null } } as unknown as GatewayContext;
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(2);
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(2);
    catalog['embed/priced'] = { pricing: { prompt: '5' } };
    expect((await estimateEmbeddings(refreshing, ['embed/priced'], [1, 2])).costUsd).toBe(10);
    expect((await estimateEmbeddings(refreshing, ['embed/variable'], [1, 2])).costUsd).toBe(6);
    dearest = { prompt: 7 };
    expect((await estimateEmbeddings(refreshing, ['embed/variable'], [1, 2])).costUsd).toBe(14);
  });
});

describe('estimateChat', () => {
  // $1 a prompt token and $2 an output one, with a context of 1,000 tokens and at most 100 output tokens.
  const chatContext = {
    catalog: { find: async () => ({ pricing: { prompt: '1', completion: '2' }, context_length: 1_000, top_provider: { max_completion_tokens: 100 } }), dearest: async () => null, endpoints: async () => null },
    retry: { maxRetries: 0 },
  } as unknown as GatewayContext;
  const run = (promptBytes: number, body: Record<string, unknown> = {}) =>
    ({ target: { models: ['chat/model'], isFeature: false }, body, promptBytes, attachments: { tokens: 0, pdfPages: 0, videos: 0, writesCache: false } }) as unknown as PreparedChat;

  it('reserves the prompt\'s bytes, never more than the model\'s context', async () => {
    expect(await estimateChat(chatContext, run(300, { max_tokens: 10 }))).toEqual({ tokens: 310, promptTokens: 300, costUsd: 320 });
    expect(await estimateChat(chatContext, run(50_000, { max_tokens: 10 }))).toEqual({ tokens: 1_010, promptTokens: 1_000, costUsd: 1_020 });
  });

  it('counts the larger of max_tokens and max_completion_tokens, and every answer asked for', async () => {
    expect((await estimateChat(chatContext, run(0, { max_tokens: 10, max_completion_tokens: 40 }))).tokens).toBe(40);
    expect((await estimateChat(chatContext, run(0, { max_tokens: 10, n: 3 }))).tokens).toBe(30);
    expect((await estimateChat(chatContext, run(0, {}))).tokens).toBe(100);
  });

  it('counts a predicted output at its UTF-8 bytes, billed as output', async () => {
    expect((await estimateChat(chatContext, run(0, { max_tokens: 10, prediction: { type: 'content', content: '日本' } }))).tokens).toBe(16);
  });
});

describe('prices of the providers a request may be served by', () => {
  // Listed at $1 a prompt token and $2 an output one (the cheapest provider's); two more providers charge more, one of
  // them dearer still for a prompt of 1,000 tokens or more.
  const ENDPOINTS = [
    { provider_name: 'Cheap', tag: 'cheap', pricing: { prompt: '1', completion: '2' } },
    { provider_name: 'Middle', tag: 'middle', pricing: { prompt: '2', completion: '3' } },
    { provider_name: 'Dear', tag: 'dear', pricing: { prompt: '3', completion: '4', overrides: [{ min_prompt_tokens: 1_000, prompt: '5', completion: '6' }] } },
  ];
  let endpoints: unknown = ENDPOINTS;
  const context = {
    catalog: {
      find: async () => ({ id: 'chat/hosted', pricing: { prompt: '1', completion: '2' }, context_length: 100_000 }),
      dearest: async () => null,
      endpoints: async () => endpoints,
    },
    retry: { maxRetries: 0 },
  } as unknown as GatewayContext;
  const run = (promptBytes: number, body: Record<string, unknown> = {}) =>
    ({ target: { models: ['chat/hosted'], isFeature: false }, body: { max_tokens: 10, ...body }, promptBytes, attachments: { tokens: 0, pdfPages: 0, videos: 0, writesCache: false } }) as unknown as PreparedChat;

  it('counts the dearest provider the request may be routed to, not the price the catalog lists', async () => {
    expect((await estimateChat(context, run(100))).costUsd).toBe(100 * 3 + 10 * 4);
    expect((await estimateChat(context, run(100, { provider: { sort: 'throughput' } }))).costUsd).toBe(340);
    expect((await estimateChat(context, run(100, { provider: { ignore: ['dear'] } }))).costUsd).toBe(100 * 2 + 10 * 3);
    expect((await estimateChat(context, run(100, { provider: { order: ['cheap'], allow_fallbacks: false } }))).costUsd).toBe(100 * 1 + 10 * 2);
    expect(await estimateEmbeddings(context, ['chat/hosted'], [1, 2])).toEqual({ tokens: 2, promptTokens: 2, costUsd: 6 });
  });

  it('counts a tier\'s prices where the prompt may reach it', async () => {
    expect((await estimateChat(context, run(999))).costUsd).toBe(999 * 3 + 10 * 4);
    expect((await estimateChat(context, run(1_000))).costUsd).toBe(1_000 * 5 + 10 * 6);
    expect((await estimateChat(context, run(1_000, { provider: { ignore: ['dear'] } }))).costUsd).toBe(1_000 * 2 + 10 * 3);
  });

  it('counts the catalog\'s price when the endpoints cannot be had or none are listed', async () => {
    for (const missing of [null, undefined, []]) {
      endpoints = missing;
      expect((await estimateChat(context, run(100))).costUsd).toBe(100 * 1 + 10 * 2);
    }
    endpoints = ENDPOINTS;
  });
});

describe('estimateImages', () => {
  it('counts the prompt a token per UTF-8 byte of its JSON', async () => {
    const images = { catalog: { find: async () => ({ pricing: { prompt: '1', image_output: '0' } }), dearest: async () => null, endpoints: async () => null } } as unknown as GatewayContext;
    expect(await estimateImages(images, ['draw/model'], '山の絵', 1, '64x64')).toEqual({ tokens: 2 + 9 + 6, promptTokens: 2 + 9, costUsd: 11 });
  });
});
