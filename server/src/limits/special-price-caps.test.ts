import { createCatalog, renderImage, type CatalogModel, type CatalogSource } from '@insforge/openrouter-emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { setSpendCap, worstCaseOf } from '../../test/spend-caps.js';
import type { FeatureInput } from '../features/feature.js';

// What OpenRouter bills beside a model's prompt and completion tokens: a fee per request, reasoning tokens at a dearer
// price, input audio at its own price, a fee per input image, a model's own web search, and the chat template Llama
// Guard reads a moderation call's message in. Each test learns what one request costs, caps the project at 2.5 times
// the larger of that and its worst case, and sends eight at once: they never spend more than the cap.

const listed = createCatalog().list('chat');
const modelLike = (id: string, base: string, pricing: CatalogModel['pricing'], extra: Partial<CatalogModel> = {}): CatalogModel => {
  const model = listed.find((candidate) => candidate.id === base);
  if (!model) throw new Error(`${base} is not in the catalog`);
  return { ...model, id, canonical_slug: id, name: id, pricing, ...extra };
};
// The catalog lists no fee per request, no reasoning price above a completion price and no image fee worth counting:
// these models add them to it (as a first-party model's, their prices are the same on every provider).
const PER_REQUEST = modelLike('openai/example-per-request', 'openai/gpt-4o-mini', { prompt: '0.0000001', completion: '0.0000002', request: '0.01' });
const DEAR_REASONING = modelLike(
  'openai/example-dear-reasoning',
  'deepseek/deepseek-r1',
  { prompt: '0.0000001', completion: '0.000001', internal_reasoning: '0.00001' },
  { reasoning: { mandatory: true, default_enabled: true } },
);
const PER_IMAGE = modelLike('openai/example-per-image', 'openai/gpt-4o-mini', { prompt: '0.0000001', completion: '0.0000002', image: '0.01' });
const CATALOG: CatalogSource = { models: [...listed, PER_REQUEST, DEAR_REASONING, PER_IMAGE] };

const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'fee', model: PER_REQUEST.id, params: { max_tokens: 50 } },
  // Every answer fills its 300 tokens, half of them reasoning.
  { name: 'thinker', model: DEAR_REASONING.id, params: { max_tokens: 300 } },
  { name: 'listener', model: 'openai/gpt-audio', params: { max_tokens: 10 }, extensions: { attachments: { audio: {} } } },
  { name: 'viewer', model: PER_IMAGE.id, params: { max_tokens: 10 } },
  { name: 'claude', model: 'anthropic/claude-sonnet-4', params: { max_tokens: 10 }, extensions: { plugins: 'allow' } },
  { name: 'searcher', model: 'openai/gpt-4o-search-preview', params: { max_tokens: 10 } },
  { name: 'web-searcher', model: 'openai/gpt-4o-mini', params: { max_tokens: 10 }, extensions: { serverTools: { web_search: 'allow' } } },
  // Models whose own search ($0.01 a search) runs the server tool unless told otherwise: OpenAI's ignores `max_uses`,
  // Anthropic's keeps it; a router may pick either; a client's `models` may fall back to OpenAI's.
  { name: 'gpt-searcher', model: 'openai/gpt-5.4-mini', params: { max_tokens: 10 }, extensions: { serverTools: { web_search: 'allow' } } },
  { name: 'claude-searcher', model: 'anthropic/claude-sonnet-4', params: { max_tokens: 10 }, extensions: { serverTools: { web_search: 'allow' }, models: 'allow' } },
  { name: 'routed-searcher', model: 'openrouter/auto', params: { max_tokens: 10 }, extensions: { serverTools: { web_search: 'allow' } } },
  { name: 'painter', model: 'google/gemini-2.5-flash-image', params: { max_tokens: 10 }, clientOverrides: { modalities: true } },
  // A free model: what a request costs is what its moderation call costs.
  { name: 'guarded', model: 'inclusionai/ling-3.0-flash:free', params: { max_tokens: 10 }, guardrails: [{ type: 'moderation', stage: 'input' }] },
];

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(options: { maxRetries?: number; allowRawModels?: boolean } = {}): Promise<Harness> {
  const harness = await startHarness({
    features: FEATURES,
    ...(options.allowRawModels === undefined ? {} : { allowRawModels: options.allowRawModels }),
    emulator: { catalog: CATALOG, scenario: { replyTokens: 1_000, reasoningTokens: 150 } },
    ...(options.maxRetries === undefined ? {} : { retry: { maxRetries: options.maxRetries, baseDelayMs: 5, maxDelayMs: 20 } }),
  });
  harnesses.push(harness);
  return harness;
}

const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const chat = async (harness: Harness, body: Record<string, unknown>, extraHeaders: Record<string, string> = {}) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { ...headers, ...extraHeaders }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
};
/** The `openrouter:web_search` tool's parameters in a body the emulator received. */
const sentWebSearch = (request: unknown) => ((request as { tools?: Array<{ type: string; parameters?: unknown }> } | undefined)?.tools ?? []).find((tool) => tool.type === 'openrouter:web_search')?.parameters;
const ask = (model: string, content: unknown = 'What is the tallest mountain in Norway?', extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content }], ...extra });

/**
 * Sends one request to learn what it costs, caps the project at 2.5 times the larger of that and what the gateway
 * reserves for it, then sends eight at once: what they spent, and how many were admitted.
 */
async function eightAtOnceUnderCap(harness: Harness, body: Record<string, unknown>): Promise<{ one: number; worstCase: number; cap: number; spent: number; admitted: number }> {
  expect(await chat(harness, body)).toBe(200);
  const one = harness.emulator.billedTotal().cost;
  const worstCase = await worstCaseOf(harness, JSON.stringify(body));
  const cap = 2.5 * Math.max(one, worstCase);
  await setSpendCap(harness, cap);
  const statuses = await Promise.all(Array.from({ length: 8 }, () => chat(harness, body)));
  return { one, worstCase, cap, spent: harness.emulator.billedTotal().cost - one, admitted: statuses.filter((status) => status === 200).length };
}

describe('a spend cap holds whatever a model bills beside its tokens', () => {
  it('a fee per request ($0.01 on tokens worth a thousandth of it) is reserved with each request', async () => {
    const harness = await start();
    const { one, worstCase, cap, spent, admitted } = await eightAtOnceUnderCap(harness, ask('fee'));
    expect(one).toBeGreaterThan(0.01);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBe(2);
  });

  it('a fee per request is reserved again for an attempt after one that OpenRouter billed and that failed', async () => {
    const harness = await start({ maxRetries: 1 });
    // Each attempt fails inside a 200 after OpenRouter had it, and is billed its fee.
    harness.emulator.addRule({ match: { model: PER_REQUEST.id }, scenario: 'error-body' });
    const worstCase = await worstCaseOf(harness, JSON.stringify(ask('fee')));
    // Room for one attempt's worst case, not two: the retry is refused rather than sent.
    await setSpendCap(harness, 1.5 * worstCase);
    expect(await chat(harness, ask('fee'))).toBe(402);
    expect(harness.emulator.billedTotal().generations).toBe(1);
    expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(1.5 * worstCase);
  });

  it('reasoning tokens are reserved at the reasoning price, ten times the completion price here', async () => {
    const harness = await start();
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('thinker'));
    expect(harness.emulator.generations().at(-1)?.billed?.reasoningTokens).toBe(150);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThanOrEqual(1);
  });

  it('input audio is reserved at the audio price (gpt-audio: 12.8 times its prompt price)', async () => {
    const harness = await start();
    const audio = { type: 'input_audio', input_audio: { data: Buffer.alloc(200_000).toString('base64'), format: 'wav' } };
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('listener', [{ type: 'text', text: 'Transcribe this.' }, audio]));
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThanOrEqual(2);
  });

  it('an input image is reserved with the model\'s fee per image', async () => {
    const harness = await start();
    const png = `data:image/png;base64,${renderImage({ prompt: 'a fjord', width: 512, height: 512, seed: 1 }).toString('base64')}`;
    const image = { type: 'image_url', image_url: { url: png } };
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('viewer', [{ type: 'text', text: 'Compare these.' }, image, image]));
    expect(one).toBeGreaterThan(0.02);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBe(2);
  });

  it('a web search that runs on the model\'s own engine is reserved at its price, dearer than one result on OpenRouter\'s', async () => {
    const harness = await start();
    // The web plugin searches natively on a Claude model ($0.01), where one result on OpenRouter's engine is $0.004.
    const native = await eightAtOnceUnderCap(harness, ask('claude', 'Latest Oslo tram news?', { plugins: [{ id: 'web', max_results: 1 }] }));
    expect(native.worstCase).toBeGreaterThanOrEqual(native.one);
    expect(native.spent).toBeLessThanOrEqual(native.cap);
    expect(native.admitted).toBeGreaterThanOrEqual(2);
  });

  it('a search model searches on every request, asked or not ($0.035 a search)', async () => {
    const harness = await start();
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('searcher'));
    expect(one).toBeGreaterThan(0.035);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBe(2);
  });

  it('the web search server tool is reserved for every search the model may run (ten where the request bounds none)', async () => {
    const harness = await start();
    // The model searches 12 times if it may; the gateway sends max_uses: 10, and OpenRouter stops at 50 results.
    harness.emulator.addRule({ match: { model: 'openai/gpt-4o-mini' }, scenario: 'searches=12' });
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('web-searcher', 'Latest Oslo tram news?', { tools: [{ type: 'openrouter:web_search' }] }));
    expect(harness.emulator.generations().at(-1)?.billed?.webSearchResults).toBe(50);
    expect(one).toBeGreaterThan(50 * 0.004);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThanOrEqual(2);
  });

  it('a web search on a model whose own search ignores max_uses runs on OpenRouter\'s engine, which keeps it', async () => {
    const harness = await start();
    // OpenAI's own search would run all 50 searches the model wants ($0.50), past the ten `max_uses` reserves for.
    harness.emulator.addRule({ match: { model: 'openai/gpt-5.4-mini' }, scenario: 'searches=50' });
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('gpt-searcher', 'Latest Oslo tram news?', { tools: [{ type: 'openrouter:web_search' }] }));
    expect(spent).toBeLessThanOrEqual(cap);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(admitted).toBeGreaterThanOrEqual(2);
    const last = harness.emulator.generations().at(-1);
    expect(sentWebSearch(last?.request)).toEqual({ engine: 'exa', max_uses: 10 });
    expect(last?.billed?.webSearchRequests).toBe(10);
  });

  it('an image asked for in a chat is reserved at the image output price (Gemini 2.5 Flash Image: 12 times its completion price)', async () => {
    const harness = await start();
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('painter', 'Draw a fjord.', { modalities: ['image', 'text'] }));
    expect(harness.emulator.generations().at(-1)?.billed?.imageTokens).toBeGreaterThan(0);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThanOrEqual(2);
  });

  it('a moderation call is reserved with the Llama Guard template its message is read in', async () => {
    // One attempt a call, so that the reservation counts the call once, as it is billed; OpenRouter's load balancing
    // sends it to Llama Guard's dearest host (Together, twice the list price), which the reservation prices it at.
    const harness = await start({ maxRetries: 0 });
    harness.emulator.addRule({ match: { model: 'meta-llama/llama-guard-4-12b' }, scenario: 'provider=Together' });
    const { one, worstCase, spent, cap, admitted } = await eightAtOnceUnderCap(harness, ask('guarded', 'Hi there'));
    const moderation = harness.emulator.generations().find((generation) => generation.model === 'meta-llama/llama-guard-4-12b');
    // The template is most of what the moderation model read.
    expect(moderation?.billed?.promptTokens).toBeGreaterThan(150);
    expect(worstCase).toBeGreaterThanOrEqual(one);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBeGreaterThanOrEqual(2);
  });
});

describe('the web search tool runs where max_uses holds', () => {
  const searching = (model: string, parameters?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ask(model, 'Latest Oslo tram news?', { tools: [parameters ? { type: 'openrouter:web_search', parameters } : { type: 'openrouter:web_search' }], ...extra });
  const send = (harness: Harness, body: Record<string, unknown>) =>
    fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('refuses a search pinned to a model\'s own engine that ignores max_uses before anything is sent, and records the refusal', async () => {
    const harness = await start();
    const body = searching('gpt-searcher', { engine: 'native' });
    const response = await send(harness, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; type: string; code: string; param: string } };
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'web_search_unbounded', param: 'tools.0.parameters.engine' });
    expect(error.message).toContain('openai/gpt-5.4-mini');
    expect(harness.emulator.generations()).toHaveLength(0);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'rejected', errorCode: 'web_search_unbounded', attempts: 0, requestedModel: 'gpt-searcher' });
    // The estimate answers as the chat would.
    const estimate = await fetch(`${harness.url}/api/ai/estimate`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(estimate.status).toBe(400);
    expect(((await estimate.json()) as { error: { code: string } }).error.code).toBe('web_search_unbounded');
  });

  it('keeps an engine of OpenRouter\'s own the client named', async () => {
    const harness = await start();
    expect(await chat(harness, searching('gpt-searcher', { engine: 'parallel', max_uses: 2 }))).toBe(200);
    expect(sentWebSearch(harness.emulator.generations().at(-1)?.request)).toEqual({ engine: 'parallel', max_uses: 2 });
  });

  it('leaves Anthropic\'s own search, which keeps max_uses, to OpenRouter, unless a fallback may be OpenAI\'s', async () => {
    // Raw model ids allowed: a client's `models` may name any model the catalog lists.
    const harness = await start({ allowRawModels: true });
    expect(await chat(harness, searching('claude-searcher'))).toBe(200);
    expect(sentWebSearch(harness.emulator.generations().at(-1)?.request)).toEqual({ max_uses: 10 });
    expect(await chat(harness, searching('claude-searcher', { engine: 'native' }))).toBe(200);
    expect(sentWebSearch(harness.emulator.generations().at(-1)?.request)).toEqual({ engine: 'native', max_uses: 10 });
    // The client's `models` may fall back to OpenAI's model, whose own search ignores the bound.
    expect(await chat(harness, searching('claude-searcher', undefined, { models: ['openai/gpt-5.4-mini'] }))).toBe(200);
    expect(sentWebSearch(harness.emulator.generations().at(-1)?.request)).toEqual({ engine: 'exa', max_uses: 10 });
    const generations = harness.emulator.generations().length;
    const pinned = await send(harness, searching('claude-searcher', { engine: 'native' }, { models: ['openai/gpt-5.4-mini'] }));
    expect(pinned.status).toBe(400);
    expect(((await pinned.json()) as { error: { code: string } }).error.code).toBe('web_search_unbounded');
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  it('runs a router\'s search on Exa, since the model it picks may be one whose search ignores max_uses', async () => {
    const harness = await start();
    expect(await chat(harness, searching('routed-searcher'))).toBe(200);
    expect(sentWebSearch(harness.emulator.generations().at(-1)?.request)).toEqual({ engine: 'exa', max_uses: 10 });
    expect((await send(harness, searching('routed-searcher', { engine: 'native' }))).status).toBe(400);
  });
});
