import { llamaGuardPrompt } from '@insforge/ai-protocol';
import OpenAI from 'openai';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from '../src/content/tokens.js';
import { renderImage } from '../src/content/png.js';
import { createCatalog, startEmulator, type CatalogModel, type Emulator } from '../src/index.js';

// Prices OpenRouter bills beside a model's prompt and completion tokens, as the catalog lists them: a fee per request,
// a dearer price for reasoning tokens, for input audio tokens, a fee per input image, the model's own web search, and
// the chat template a Llama Guard model reads its message in. The catalog lists no request fee and no reasoning price
// above a completion price, so two models here add them.

const listed = createCatalog().list('chat');
const modelLike = (id: string, base: string, pricing: CatalogModel['pricing'], extra: Partial<CatalogModel> = {}): CatalogModel => {
  const model = listed.find((candidate) => candidate.id === base);
  if (!model) throw new Error(`${base} is not in the catalog`);
  return { ...model, id, canonical_slug: id, name: id, pricing, ...extra };
};
/** $1 a request on top of tokens that cost next to nothing. */
const PER_REQUEST = modelLike('openai/example-per-request', 'openai/gpt-4o-mini', { prompt: '0.0000001', completion: '0.0000002', request: '1' });
/** Reasoning tokens at ten times the completion price. */
const DEAR_REASONING = modelLike('openai/example-dear-reasoning', 'deepseek/deepseek-r1', { prompt: '0.0000001', completion: '0.000001', internal_reasoning: '0.00001' });
/** An image at $0.01 on top of its tokens. */
const PER_IMAGE = modelLike('openai/example-per-image', 'openai/gpt-4o-mini', { prompt: '0.0000001', completion: '0.0000002', image: '0.01' });

let emulator: Emulator;
let openai: OpenAI;
beforeAll(async () => {
  emulator = await startEmulator({ catalog: { models: [...listed, PER_REQUEST, DEAR_REASONING, PER_IMAGE] } });
  openai = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
});
afterAll(() => emulator.close());

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  prompt_tokens_details: { audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
  cost_details: { upstream_inference_prompt_cost: number };
  server_tool_use_details?: { web_search_requests: number };
}
const ask = async (body: Record<string, unknown>) => {
  const answer = await openai.chat.completions.create({ messages: [{ role: 'user', content: 'What is the tallest mountain in Norway?' }], ...body } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming);
  return answer.usage as unknown as Usage;
};
const priceOf = (model: CatalogModel, kind: string) => Number(model.pricing[kind] ?? 0);

describe('prices beside the tokens', () => {
  it('bills a model\'s fee per request on every answer, failed ones included', async () => {
    const usage = await ask({ model: PER_REQUEST.id, max_tokens: 20 });
    expect(usage.cost).toBeCloseTo(1 + usage.prompt_tokens * 0.0000001 + usage.completion_tokens * 0.0000002, 12);
    expect(usage.cost_details.upstream_inference_prompt_cost).toBeCloseTo(1 + usage.prompt_tokens * 0.0000001, 12);
    // An answer that breaks off after OpenRouter had it is billed its fee too.
    const before = emulator.billedTotal().cost;
    await openai.chat.completions.create({ model: PER_REQUEST.id, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'X-Emulator-Scenario': 'error-body' } }).catch(() => undefined);
    expect(emulator.billedTotal().cost - before).toBeGreaterThanOrEqual(1);
  });

  it('bills reasoning tokens at the reasoning price where the model lists one', async () => {
    const usage = await ask({ model: DEAR_REASONING.id, reasoning: { max_tokens: 100 }, max_tokens: 300 });
    const reasoning = usage.completion_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(50);
    const text = usage.completion_tokens - reasoning;
    expect(usage.cost).toBeCloseTo(usage.prompt_tokens * 0.0000001 + text * 0.000001 + reasoning * 0.00001, 12);
  });

  it('bills input audio at the audio price (gpt-audio: 12.8 times its prompt price) and reports its tokens', async () => {
    const model = listed.find((candidate) => candidate.id === 'openai/gpt-audio')!;
    const audio: ChatCompletionContentPart = { type: 'input_audio', input_audio: { data: Buffer.alloc(64_000).toString('base64'), format: 'wav' } };
    const answer = await openai.chat.completions.create({ model: model.id, max_tokens: 20, messages: [{ role: 'user', content: [{ type: 'text', text: 'Transcribe this.' }, audio] }] });
    const usage = answer.usage as unknown as Usage;
    expect(usage.prompt_tokens_details.audio_tokens).toBe(64);
    const text = usage.prompt_tokens - 64;
    expect(usage.cost).toBeCloseTo(text * priceOf(model, 'prompt') + 64 * priceOf(model, 'audio') + usage.completion_tokens * priceOf(model, 'completion'), 12);
  });

  it('bills each input image the model\'s image price on top of its tokens', async () => {
    const png = `data:image/png;base64,${renderImage({ prompt: 'a fjord', width: 512, height: 512, seed: 1 }).toString('base64')}`;
    const image: ChatCompletionContentPart = { type: 'image_url', image_url: { url: png } };
    const answer = await openai.chat.completions.create({ model: PER_IMAGE.id, max_tokens: 20, messages: [{ role: 'user', content: [{ type: 'text', text: 'Compare these.' }, image, image] }] });
    const usage = answer.usage as unknown as Usage;
    expect(usage.cost).toBeCloseTo(2 * 0.01 + usage.prompt_tokens * 0.0000001 + usage.completion_tokens * 0.0000002, 12);
  });
});

describe('a model\'s own web search', () => {
  const tokensCost = (model: CatalogModel, usage: Usage) => usage.prompt_tokens * priceOf(model, 'prompt') + usage.completion_tokens * priceOf(model, 'completion');

  it('a search model searches on every request, asked or not, at its web_search price', async () => {
    const model = listed.find((candidate) => candidate.id === 'openai/gpt-4o-search-preview')!;
    const usage = await ask({ model: model.id, max_tokens: 20 });
    expect(usage.cost).toBeCloseTo(tokensCost(model, usage) + 0.035, 12);
    expect(usage.server_tool_use_details).toMatchObject({ web_search_requests: 1 });
    expect((await ask({ model: model.id, max_tokens: 20, web_search_options: { search_context_size: 'high' } })).cost).toBeGreaterThanOrEqual(0.035);
  });

  it('the web plugin searches natively on a Claude model (its price, no fee per result) unless told to use Exa', async () => {
    const model = listed.find((candidate) => candidate.id === 'anthropic/claude-sonnet-4')!;
    const native = await ask({ model: model.id, max_tokens: 20, plugins: [{ id: 'web', max_results: 1 }] });
    expect(native.cost).toBeCloseTo(tokensCost(model, native) + 0.01, 12);
    const exa = await ask({ model: model.id, max_tokens: 20, plugins: [{ id: 'web', max_results: 1, engine: 'exa' }] });
    expect(exa.cost).toBeCloseTo(tokensCost(model, exa) + 0.004, 12);
    // A model whose provider has no search of its own (no web_search price) always pays per result.
    const mini = listed.find((candidate) => candidate.id === 'openai/gpt-4o-mini')!;
    const results = await ask({ model: mini.id, max_tokens: 20, plugins: [{ id: 'web', max_results: 2, engine: 'native' }] });
    expect(results.cost).toBeCloseTo(tokensCost(mini, results) + 0.008, 12);
  });
});

describe('the web search server tool', () => {
  const tokensCost = (model: CatalogModel, usage: Usage) => usage.prompt_tokens * priceOf(model, 'prompt') + usage.completion_tokens * priceOf(model, 'completion');
  const search = (parameters: Record<string, unknown>) => ({ tools: [{ type: 'openrouter:web_search', parameters }] });

  it('bills every search the model runs, up to max_uses and max_total_results on OpenRouter\'s engine', async () => {
    const mini = listed.find((candidate) => candidate.id === 'openai/gpt-4o-mini')!;
    const four = await ask({ model: `${mini.id}#searches=4`, max_tokens: 20, ...search({ max_results: 3 }) });
    expect(four.cost).toBeCloseTo(tokensCost(mini, four) + 4 * 3 * 0.004, 12);
    expect(four.server_tool_use_details).toMatchObject({ web_search_requests: 4 });
    const bounded = await ask({ model: `${mini.id}#searches=4`, max_tokens: 20, ...search({ max_results: 3, max_uses: 2 }) });
    expect(bounded.cost).toBeCloseTo(tokensCost(mini, bounded) + 2 * 3 * 0.004, 12);
    // 20 searches of 5 results stop at 50 results in all, or at max_total_results.
    const many = await ask({ model: `${mini.id}#searches=20`, max_tokens: 20, ...search({}) });
    expect(many.cost).toBeCloseTo(tokensCost(mini, many) + 50 * 0.004, 12);
    const total = await ask({ model: `${mini.id}#searches=20`, max_tokens: 20, ...search({ max_total_results: 7 }) });
    expect(total.cost).toBeCloseTo(tokensCost(mini, total) + 7 * 0.004, 12);
  });

  it('bills each native search at the model\'s price; Anthropic\'s honours max_uses', async () => {
    const claude = listed.find((candidate) => candidate.id === 'anthropic/claude-sonnet-4')!;
    const three = await ask({ model: `${claude.id}#searches=3`, max_tokens: 20, ...search({}) });
    expect(three.cost).toBeCloseTo(tokensCost(claude, three) + 3 * 0.01, 12);
    const bounded = await ask({ model: `${claude.id}#searches=3`, max_tokens: 20, ...search({ max_uses: 1 }) });
    expect(bounded.cost).toBeCloseTo(tokensCost(claude, bounded) + 0.01, 12);
  });

  it('OpenAI\'s and xAI\'s own search ignores max_uses (an alias\'s too); OpenRouter\'s engine keeps it', async () => {
    for (const id of ['openai/gpt-5.4-mini', '~openai/gpt-mini-latest', 'x-ai/grok-4.3']) {
      const model = listed.find((candidate) => candidate.id === id)!;
      const native = await ask({ model: `${id}#searches=3`, max_tokens: 20, ...search({ max_uses: 1 }) });
      expect(native.cost).toBeCloseTo(tokensCost(model, native) + 3 * priceOf(model, 'web_search'), 12);
      expect(native.server_tool_use_details).toMatchObject({ web_search_requests: 3 });
      const exa = await ask({ model: `${id}#searches=3`, max_tokens: 20, ...search({ max_uses: 1, engine: 'exa' }) });
      expect(exa.cost).toBeCloseTo(tokensCost(model, exa) + 5 * 0.004, 12);
      expect(exa.server_tool_use_details).toMatchObject({ web_search_requests: 1 });
    }
  });
});

describe('Llama Guard', () => {
  it('bills the chat template its message is read in as prompt, about 200 tokens beside the message', async () => {
    const message = [{ role: 'user', content: 'Is this safe?' }];
    const guard = await openai.chat.completions.create({ model: 'meta-llama/llama-guard-4-12b', messages: message } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const plain = await openai.chat.completions.create({ model: 'meta-llama/llama-3.3-70b-instruct', messages: message } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const template = countTokens(llamaGuardPrompt(''));
    expect(template).toBeGreaterThan(150);
    expect(guard.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBe(template);
  });

  it('bills its template as English text even when the message is counted a token a byte', async () => {
    const message = [{ role: 'user', content: 'Is this safe?' }];
    const guard = await openai.chat.completions.create({ model: 'meta-llama/llama-guard-4-12b#tokenizer=bytes', messages: message } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const plain = await openai.chat.completions.create({ model: 'meta-llama/llama-3.3-70b-instruct#tokenizer=bytes', messages: message } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(guard.usage!.prompt_tokens - plain.usage!.prompt_tokens).toBe(countTokens(llamaGuardPrompt('')));
  });
});
