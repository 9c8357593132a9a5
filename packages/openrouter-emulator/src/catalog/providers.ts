import type { CatalogModel, ModelPricing } from './types.js';

/**
 * Which provider serves a model, as OpenRouter reports it (`provider` in responses, `provider_name` in
 * `/generation`), and how that provider behaves when a client hangs up.
 */
export interface ProviderProfile {
  name: string;
  /** Whether aborting the connection stops generation and billing (OpenRouter's list of supporting providers). */
  stopsOnCancel: boolean;
  /** The provider's raw finish reasons, reported as `native_finish_reason`. */
  nativeFinish: { stop: string; length: string; tool_calls: string };
}

const OPENAI_FINISH = { stop: 'stop', length: 'length', tool_calls: 'tool_calls' };
const ANTHROPIC_FINISH = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' };
const GOOGLE_FINISH = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' };

const PROFILES: Record<string, ProviderProfile> = {
  OpenAI: { name: 'OpenAI', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Azure: { name: 'Azure', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Anthropic: { name: 'Anthropic', stopsOnCancel: true, nativeFinish: ANTHROPIC_FINISH },
  'Google Vertex': { name: 'Google Vertex', stopsOnCancel: false, nativeFinish: GOOGLE_FINISH },
  'Google AI Studio': { name: 'Google AI Studio', stopsOnCancel: false, nativeFinish: GOOGLE_FINISH },
  Mistral: { name: 'Mistral', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  DeepSeek: { name: 'DeepSeek', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  xAI: { name: 'xAI', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Groq: { name: 'Groq', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  DeepInfra: { name: 'DeepInfra', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Together: { name: 'Together', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  Fireworks: { name: 'Fireworks', stopsOnCancel: true, nativeFinish: OPENAI_FINISH },
  'Amazon Bedrock': { name: 'Amazon Bedrock', stopsOnCancel: false, nativeFinish: ANTHROPIC_FINISH },
  Alibaba: { name: 'Alibaba', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Cohere: { name: 'Cohere', stopsOnCancel: false, nativeFinish: { stop: 'COMPLETE', length: 'MAX_TOKENS', tool_calls: 'TOOL_CALL' } },
  'Black Forest Labs': { name: 'Black Forest Labs', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Seed: { name: 'Seed', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
  Chutes: { name: 'Chutes', stopsOnCancel: false, nativeFinish: OPENAI_FINISH },
};

/** Providers per model author, first one serving; authors not listed fall back to the open-weights hosts. */
const PROVIDERS_BY_AUTHOR: Record<string, string[]> = {
  openai: ['OpenAI', 'Azure'],
  anthropic: ['Anthropic', 'Amazon Bedrock', 'Google Vertex'],
  google: ['Google Vertex', 'Google AI Studio'],
  mistralai: ['Mistral', 'Together'],
  deepseek: ['DeepSeek', 'DeepInfra'],
  'x-ai': ['xAI'],
  'meta-llama': ['Groq', 'DeepInfra', 'Together'],
  qwen: ['Alibaba', 'DeepInfra'],
  cohere: ['Cohere'],
  amazon: ['Amazon Bedrock'],
  'black-forest-labs': ['Black Forest Labs'],
  'bytedance-seed': ['Seed'],
};
const OPEN_WEIGHTS_HOSTS = ['DeepInfra', 'Together', 'Fireworks'];

/** A display name and a slug name the same provider: `Amazon Bedrock`, `amazon-bedrock`, `amazon bedrock`. */
const sameName = (a: string, b: string) => a.toLowerCase().replace(/[^a-z0-9]/g, '') === b.toLowerCase().replace(/[^a-z0-9]/g, '');
const authorOf = (modelId: string) => modelId.replace(/^~/, '').split('/')[0] ?? '';

/** The providers that serve a model, in routing order. `:free` variants are served by Chutes. */
export function providersForModel(modelId: string): string[] {
  if (modelId.endsWith(':free')) return ['Chutes'];
  return PROVIDERS_BY_AUTHOR[authorOf(modelId)] ?? OPEN_WEIGHTS_HOSTS;
}

/**
 * Authors whose models cost the same on every provider: their own API and the clouds that resell it (Azure, Bedrock,
 * Vertex) charge the list price. Any other model is open weights, which each host prices for itself.
 */
const LIST_PRICE_AUTHORS = new Set(['openai', 'anthropic', 'google', 'x-ai', 'cohere', 'amazon', 'black-forest-labs', 'bytedance-seed']);
/** What the first, second and third host of an open-weights model charge, as multiples of the list price. */
const HOST_PRICE_STEPS = [1, 1.5, 2];

/**
 * What a provider charges for a model as a multiple of the price `/models` lists, which is the first provider's:
 * 1 for a first-party model anywhere, more on the later hosts of an open-weights one (1.5 times on the second, twice on
 * the third). A provider that does not serve the model (a forced `provider=` scenario) charges the list price.
 */
export function priceFactor(modelId: string, provider: string): number {
  const index = providersForModel(modelId).findIndex((name) => sameName(name, provider));
  if (index <= 0 || LIST_PRICE_AUTHORS.has(authorOf(modelId))) return 1;
  return HOST_PRICE_STEPS[Math.min(index, HOST_PRICE_STEPS.length - 1)] ?? 1;
}

/** A price string times a factor, as a decimal (`"0.000000195"`, never `"1.95e-7"`); variable (negative) prices stay. */
function scaledPrice(value: unknown, factor: number): unknown {
  const price = typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(price) || price <= 0 || factor === 1) return value;
  return Number((price * factor).toPrecision(12)).toFixed(18).replace(/\.?0+$/, '');
}

function scaledPrices<T extends Record<string, unknown>>(prices: T, factor: number): T {
  return Object.fromEntries(Object.entries(prices).map(([kind, value]) => [kind, scaledPrice(value, factor)])) as T;
}

/** A provider's prices for a model: the list prices (tiers included) times its `priceFactor`. */
export function providerPricing(model: Pick<CatalogModel, 'id' | 'pricing'>, provider: string): ModelPricing {
  const factor = priceFactor(model.id, provider);
  if (factor === 1) return model.pricing;
  const { overrides, ...base } = model.pricing;
  const priced = scaledPrices(base, factor);
  return overrides ? { ...priced, overrides: overrides.map((tier) => scaledPrices(tier, factor)) } : priced;
}

/** What a provider charges per million prompt and completion tokens, as `max_price` and `sort: "price"` read it. */
function perMillion(model: Pick<CatalogModel, 'id' | 'pricing'>, provider: string): { prompt: number; completion: number } {
  const pricing = providerPricing(model, provider);
  const price = (value: unknown) => Math.max(0, Number(value ?? 0) || 0) * 1_000_000;
  return { prompt: price(pricing.prompt), completion: price(pricing.completion) };
}

/** The profile of a provider by display name (a forced `provider=` scenario may name any provider). */
export function providerProfile(name: string): ProviderProfile {
  return PROFILES[name] ?? { name, stopsOnCancel: false, nativeFinish: OPENAI_FINISH };
}

/** Providers that keep no prompts (zero data retention) and that never train on them (data_collection: deny). */
const ZERO_RETENTION = new Set(['OpenAI', 'Azure', 'Anthropic', 'Amazon Bedrock', 'Google Vertex']);
const COLLECTS_DATA = new Set(['Chutes', 'Google AI Studio']);

/**
 * A provider's throughput (tokens a second) and latency (milliseconds to the first token): deterministic figures that
 * `sort: "throughput"` and `sort: "latency"` read and the endpoints listing reports.
 */
export function providerFigures(name: string): { throughput: number; latency: number } {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return { throughput: 20 + ((hash >>> 7) % 89), latency: 150 + 10 * ((hash >>> 13) % 83) };
}

/** An error of routing: nothing matches what the request's `provider` object allows. */
export class NoProviderError extends Error {}

const names = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : undefined);

/** A `max_price` figure (USD per million tokens), sent as a number or, as OpenRouter's SDKs do, a numeric string. */
function ceilingOf(value: unknown): number | undefined {
  const ceiling = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(ceiling) ? ceiling : undefined;
}

/**
 * The provider OpenRouter's routing picks for a model under the request's `provider` object: `order` (tried first;
 * with `allow_fallbacks: false`, only those), `only`, `ignore`, `sort` (`price` by each provider's own prices,
 * `throughput`, `latency`), `data_collection: "deny"` and `zdr` (providers that keep or train on prompts are left out),
 * `max_price` (per million tokens: providers dearer than it are left out). Names match display names and slugs alike.
 * Throws NoProviderError, with OpenRouter's words, when none is left.
 */
export function routeProvider(model: Pick<CatalogModel, 'id' | 'pricing'>, preferences: unknown): string {
  let candidates = providersForModel(model.id);
  if (typeof preferences !== 'object' || preferences === null) return candidates[0] ?? 'OpenAI';
  const prefs = preferences as Record<string, unknown>;
  const only = names(prefs['only']);
  const ignore = names(prefs['ignore']);
  const order = names(prefs['order']);
  if (only) candidates = candidates.filter((name) => only.some((entry) => sameName(entry, name)));
  if (ignore) candidates = candidates.filter((name) => !ignore.some((entry) => sameName(entry, name)));
  if (prefs['data_collection'] === 'deny') candidates = candidates.filter((name) => !COLLECTS_DATA.has(name));
  if (prefs['zdr'] === true) candidates = candidates.filter((name) => ZERO_RETENTION.has(name));
  const maxPrice = typeof prefs['max_price'] === 'object' && prefs['max_price'] !== null ? (prefs['max_price'] as Record<string, unknown>) : {};
  for (const kind of ['prompt', 'completion'] as const) {
    const ceiling = ceilingOf(maxPrice[kind]);
    if (ceiling !== undefined) candidates = candidates.filter((name) => perMillion(model, name)[kind] <= ceiling);
  }
  const sort = typeof prefs['sort'] === 'object' && prefs['sort'] !== null ? (prefs['sort'] as Record<string, unknown>)['by'] : prefs['sort'];
  if (sort === 'price') {
    const priceOf = (name: string) => perMillion(model, name).prompt + perMillion(model, name).completion;
    candidates = [...candidates].sort((a, b) => priceOf(a) - priceOf(b));
  } else if (sort === 'throughput') {
    candidates = [...candidates].sort((a, b) => providerFigures(b).throughput - providerFigures(a).throughput);
  } else if (sort === 'latency') {
    candidates = [...candidates].sort((a, b) => providerFigures(a).latency - providerFigures(b).latency);
  }
  if (order) {
    const ordered = order.map((entry) => candidates.find((name) => sameName(entry, name))).filter((name): name is string => name !== undefined);
    candidates = prefs['allow_fallbacks'] === false ? ordered : [...ordered, ...candidates.filter((name) => !ordered.includes(name))];
  }
  const chosen = candidates[0];
  if (chosen === undefined) throw new NoProviderError('No allowed providers are available for the selected model.');
  return chosen;
}
