import { llamaGuardPrompt } from '@insforge/ai-protocol';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import type { PreparedChat } from './chat.js';
import { estimateChat, estimateEmbeddings, estimateImages, moderationCallWorstCase } from './quota-estimate.js';

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

describe('a router (openrouter/auto)', () => {
  it('counts the fees its price list cannot name (per request, per search, per output image) at the dearest listed', async () => {
    const router = {
      catalog: {
        find: async () => ({ id: 'openrouter/auto', pricing: { prompt: '-1', completion: '-1' }, context_length: 1_000 }),
        dearest: async () => ({ prompt: 3, completion: 5, request: 7, web_search: 0.035, image_output: 9 }),
        endpoints: async () => null,
      },
      retry: { maxRetries: 0 },
    } as unknown as GatewayContext;
    const chat = (body: Record<string, unknown>) =>
      ({ target: { models: ['openrouter/auto'], isFeature: false }, body: { max_tokens: 10, ...body }, promptBytes: 100, attachments: { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, writesCache: false } }) as unknown as PreparedChat;
    expect((await estimateChat(router, chat({}))).costUsd).toBe(100 * 3 + 10 * 5 + 7);
    expect((await estimateChat(router, chat({ plugins: [{ id: 'web' }] }))).costUsd).toBeCloseTo(357 + 0.035, 9);
    expect((await estimateChat(router, chat({ modalities: ['image', 'text'] }))).costUsd).toBe(300 + (10 + 1_290) * 9 + 7);
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
    ({ target: { models: ['chat/model'], isFeature: false }, body, promptBytes, attachments: { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, writesCache: false } }) as unknown as PreparedChat;

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
    ({ target: { models: ['chat/hosted'], isFeature: false }, body: { max_tokens: 10, ...body }, promptBytes, attachments: { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, writesCache: false } }) as unknown as PreparedChat;

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

describe('prices beside the prompt and completion', () => {
  // $1 a prompt token and $2 an output one, plus whatever each case adds, with at most 100 output tokens.
  const contextWith = (pricing: Record<string, string>, model: Record<string, unknown> = {}, maxRetries = 0) =>
    ({
      catalog: { find: async () => ({ pricing: { prompt: '1', completion: '2', ...pricing }, context_length: 100_000, top_provider: { max_completion_tokens: 100 }, ...model }), dearest: async () => null, endpoints: async () => null },
      retry: { maxRetries },
    }) as unknown as GatewayContext;
  const NO_ATTACHMENTS = { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, writesCache: false };
  const run = (body: Record<string, unknown> = {}, attachments: Partial<typeof NO_ATTACHMENTS> = {}, guardrails?: unknown[]) =>
    ({
      target: guardrails ? { models: ['chat/model'], isFeature: true, feature: { name: 'f', guardrails } } : { models: ['chat/model'], isFeature: false },
      body: { max_tokens: 10, ...body },
      promptBytes: 100,
      attachments: { ...NO_ATTACHMENTS, ...attachments },
    }) as unknown as PreparedChat;
  const costOf = async (context: GatewayContext, chat: PreparedChat) => (await estimateChat(context, chat)).costUsd;

  it('counts the model\'s fee per request once an attempt, and in embeddings and images too', async () => {
    expect(await costOf(contextWith({ request: '7' }), run())).toBe(100 + 20 + 7);
    expect((await estimateEmbeddings(contextWith({ request: '7' }), ['embed/model'], [1, 2])).costUsd).toBe(2 + 7);
    // The prompt's 3 bytes, 6 tokens of a 64×64 image at the completion price (no image price listed), and the fee.
    expect((await estimateImages(contextWith({ request: '7' }), ['draw/model'], 'x', 1, '64x64')).costUsd).toBe(3 + 6 * 2 + 7);
  });

  it('counts every output token at the reasoning price where it is dearer than the completion price', async () => {
    expect(await costOf(contextWith({ internal_reasoning: '5' }), run())).toBe(100 + 10 * 5);
    expect(await costOf(contextWith({ internal_reasoning: '5' }), run({ reasoning: { max_tokens: 20 } }))).toBe(100 + 30 * 5);
    // The Messages API's thinking budget is the same budget.
    expect(await costOf(contextWith({ internal_reasoning: '5' }), run({ thinking: { type: 'enabled', budget_tokens: 20 } }))).toBe(100 + 30 * 5);
    // A cheaper reasoning price leaves the completion price.
    expect(await costOf(contextWith({ internal_reasoning: '1' }), run())).toBe(100 + 10 * 2);
  });

  it('counts audio tokens at the audio price where it is dearer, and the fee of each input image', async () => {
    // 40 of the 100 prompt tokens of its attachments are audio.
    expect(await costOf(contextWith({ audio: '4' }), run({}, { tokens: 60, audioTokens: 40 }))).toBe(160 + 40 * 3 + 20);
    expect(await costOf(contextWith({ audio: '0.5' }), run({}, { tokens: 60, audioTokens: 40 }))).toBe(160 + 20);
    expect(await costOf(contextWith({ image: '9' }), run({}, { tokens: 500, images: 2 }))).toBe(600 + 20 + 2 * 9);
  });

  it('counts a search on the model\'s own engine where it is dearer than OpenRouter\'s results, and a model that always searches', async () => {
    const native = contextWith({ web_search: '0.01' });
    expect(await costOf(native, run({ plugins: [{ id: 'web', max_results: 1 }] }))).toBeCloseTo(120 + 0.01, 9);
    expect(await costOf(native, run({ plugins: [{ id: 'web', max_results: 5 }] }))).toBeCloseTo(120 + 0.02, 9);
    expect(await costOf(native, run())).toBe(120);
    const searching = contextWith({ web_search: '0.035' }, { supported_parameters: ['web_search_options'] });
    expect(await costOf(searching, run())).toBeCloseTo(120 + 0.035, 9);
    expect(await costOf(searching, run({ web_search_options: {} }))).toBeCloseTo(120 + 0.05, 9);
  });

  it('counts every search the web search server tool may run, up to its max_uses (10 where the request sets none)', async () => {
    const search = (parameters: Record<string, unknown> = {}) => ({ tools: [{ type: 'openrouter:web_search', parameters }] });
    // OpenRouter's engine: 5 results a search at $0.004, no more than 50 results in all.
    expect(await costOf(contextWith({}), run(search()))).toBeCloseTo(120 + 50 * 0.004, 9);
    expect(await costOf(contextWith({}), run(search({ max_uses: 3 })))).toBeCloseTo(120 + 3 * 5 * 0.004, 9);
    expect(await costOf(contextWith({}), run(search({ max_uses: 30, max_results: 10, max_total_results: 200 })))).toBeCloseTo(120 + 200 * 0.004, 9);
    // The model's own engine bills each search at its price.
    expect(await costOf(contextWith({ web_search: '0.035' }), run(search({ max_uses: 4 })))).toBeCloseTo(120 + 4 * 0.035, 9);
    expect(await costOf(contextWith({ web_search: '0.035' }), run(search({ max_uses: 4, engine: 'auto' })))).toBeCloseTo(120 + 4 * 0.035, 9);
    // On an engine billed by its results (the one the gateway sends a tool to where the model's own search would not
    // keep max_uses), the model's own search price is not counted; Perplexity's engine, unpriced, still counts it.
    expect(await costOf(contextWith({ web_search: '0.035' }), run(search({ max_uses: 4, engine: 'exa' })))).toBeCloseTo(120 + 4 * 5 * 0.004, 9);
    expect(await costOf(contextWith({ web_search: '0.035' }), run({ tools: [{ type: 'openrouter:web_search', engine: 'parallel', parameters: { max_uses: 4, engine: 'parallel' } }] }))).toBeCloseTo(120 + 4 * 5 * 0.004, 9);
    expect(await costOf(contextWith({ web_search: '0.035' }), run({ tools: [{ type: 'openrouter:web_search', engine: 'native', parameters: { max_uses: 4, engine: 'exa' } }] }))).toBeCloseTo(120 + 4 * 0.035, 9);
    expect(await costOf(contextWith({ web_search: '0.035' }), run(search({ max_uses: 4, engine: 'perplexity' })))).toBeCloseTo(120 + 4 * 0.035, 9);
    // The web plugin searches once.
    expect(await costOf(contextWith({}), run({ plugins: [{ id: 'web' }] }))).toBeCloseTo(120 + 5 * 0.004, 9);
  });

  it('counts an answer\'s output at the image price when it asks for images, with an image\'s tokens beside max_tokens', async () => {
    const image = contextWith({ image_output: '30' });
    expect(await costOf(image, run({ modalities: ['image', 'text'] }))).toBe(100 + (10 + 1_290) * 30);
    expect(await costOf(image, run({ modalities: ['image', 'text'], image_config: { image_size: '4K' } }))).toBe(100 + (10 + 2_000) * 30);
    expect((await estimateChat(image, run({ modalities: ['image', 'text'], n: 2 }))).tokens).toBe(100 + 2 * (10 + 1_290));
    // Text alone stays at the completion price; an image model without an image price bills images as completion.
    expect(await costOf(image, run())).toBe(100 + 10 * 2);
    expect(await costOf(contextWith({}), run({ modalities: ['image', 'text'] }))).toBe(100 + (10 + 1_290) * 2);
  });

  it('counts Llama Guard\'s template at a token per three characters, above its real count, not a token a byte', async () => {
    const input = [{ type: 'moderation', stage: 'input', model: 'guard/model' }];
    const template = Math.ceil(llamaGuardPrompt('').length / 3);
    // 201 tokens by Llama 3's tokenizer (223 with its header tokens read as text); 853 at a token a byte.
    expect(template).toBe(285);
    expect((await estimateChat(contextWith({}), run({}, {}, input))).guardrailCostUsd).toBe(100 + 285 + 20 * 2);
  });

  it('counts a moderation call\'s message inside Llama Guard\'s template, with its fee, for each attempt', async () => {
    const input = [{ type: 'moderation', stage: 'input', model: 'guard/model' }];
    const template = Math.ceil(llamaGuardPrompt('').length / 3);
    const call = (100 + template) * 1 + 20 * 2;
    expect((await estimateChat(contextWith({}), run({}, {}, input))).guardrailCostUsd).toBe(call);
    expect((await estimateChat(contextWith({ request: '7' }, {}, 2), run({}, {}, input))).guardrailCostUsd).toBe(3 * (call + 7));
    expect(await moderationCallWorstCase(contextWith({ request: '7' }), 'guard/model', 'hello')).toBe((5 + template) + 20 * 2 + 7);
  });
});
