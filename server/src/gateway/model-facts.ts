import type { GatewayContext } from './context.js';
import { endpointsAllowedBy } from './provider-routing.js';
import type { ModelEndpoint } from '../upstream/model-endpoints.js';
import type { UpstreamModel } from '../upstream/model-catalog.js';

/** The context length of a model the catalog does not list: the largest OpenRouter lists (2M tokens). */
const UNKNOWN_CONTEXT_TOKENS = 2_000_000;

/** What a token (an output image, for `image`) costs, in USD, and the fees billed per request, image or search. */
export interface TokenPrices {
  prompt: number;
  completion: number;
  image: number;
  /** A prompt token written to the provider's cache (Anthropic's: 1.25 times the prompt price). */
  cacheWrite: number;
  /** A reasoning token (`internal_reasoning`), billed as output; 0 where the completion price applies. */
  reasoning: number;
  /** An input audio token (`audio`), billed in the prompt; 0 where the prompt price applies. */
  audio: number;
  /** An input image (`image`), billed per image on top of its tokens. */
  inputImage: number;
  /** Each attempt OpenRouter answers (`request`), whatever its tokens. */
  request: number;
  /** A search on the model's own engine (`web_search`): a native web search, per request that runs one. */
  webSearch: number;
}

/** What the estimate knows of a model, across the providers a request may be served by. */
export interface ModelFacts {
  /**
   * The dearest price of each kind among those providers for a prompt of so many tokens: past a tier's
   * `min_prompt_tokens` (long context), the tier's prices where they are dearer.
   */
  pricesAt(promptTokens: number): TokenPrices;
  maxOutput: number | undefined;
  /** The most prompt the model takes, in tokens (what a video may fill). */
  contextLength: number;
  /** Reads PDFs itself; else OpenRouter parses them with its OCR engine, billed per page. */
  readsFiles: boolean;
  /**
   * Searches the web on every request, asked or not (it takes `web_search_options`: OpenAI's search models,
   * Perplexity's Sonar), billed its `web_search` price each time; a model the catalog does not list may too.
   */
  searchesUnasked: boolean;
}

/** One provider's prices (or the catalog's): the base, and the tiers that apply past a prompt length. */
interface PriceList {
  base: TokenPrices;
  tiers: Array<{ minPromptTokens: number; prices: TokenPrices }>;
}

/** The pricing field each price is read from. */
const KINDS = {
  prompt: 'prompt',
  completion: 'completion',
  image: 'image_output',
  cacheWrite: 'input_cache_write',
  reasoning: 'internal_reasoning',
  audio: 'audio',
  inputImage: 'image',
  request: 'request',
  webSearch: 'web_search',
} as const satisfies Record<keyof TokenPrices, string>;

const NO_PRICES: TokenPrices = { prompt: 0, completion: 0, image: 0, cacheWrite: 0, reasoning: 0, audio: 0, inputImage: 0, request: 0, webSearch: 0 };

/** Whether a price list is a router's: a price listed as variable (`openrouter/auto`'s `-1`), that of the model it picks. */
const pricesVariably = (pricing: Record<string, unknown>) => Object.values(KINDS).some((kind) => Number(pricing[kind]) < 0);

/**
 * Reads a price list. A price listed as variable (negative: `openrouter/auto`'s `-1`) or unreadable counts at the
 * dearest price any listed model has (`null` for a model the catalog does not list: every price is unknown); a price
 * the list does not name is 0 (a tier's: the base price), except in the list of a router (a model with a variable
 * price, as `openrouter/auto`): it bills the fees of the model it picks (per request, per search, per image), which
 * its list cannot name, so those count at the dearest too.
 */
function priceListOf(pricing: Record<string, unknown> | null, dearest: Record<string, number> | null): PriceList {
  const routes = pricing !== null && pricesVariably(pricing);
  const read = (prices: Record<string, unknown> | null, kind: string, fallback: number) => {
    if (prices !== null && prices[kind] == null) return routes ? Math.max(fallback, dearest?.[kind] ?? 0) : fallback;
    const value = Number(prices?.[kind] ?? Number.NaN);
    return Number.isFinite(value) && value >= 0 ? value : (dearest?.[kind] ?? 0);
  };
  // An image price of 0 here means none listed: `dearestAt` counts the completion price for it.
  const pricesOf = (prices: Record<string, unknown> | null, under: TokenPrices | undefined): TokenPrices => {
    const listed = { ...NO_PRICES };
    for (const kind of Object.keys(KINDS) as Array<keyof TokenPrices>) listed[kind] = read(prices, KINDS[kind], under?.[kind] ?? 0);
    return listed;
  };
  const base = pricesOf(pricing, undefined);
  const overrides = Array.isArray(pricing?.['overrides']) ? (pricing['overrides'] as unknown[]) : [];
  const tiers = overrides
    .filter((tier): tier is Record<string, unknown> => typeof tier === 'object' && tier !== null)
    .map((tier) => ({ minPromptTokens: Number(tier['min_prompt_tokens'] ?? Number.POSITIVE_INFINITY), prices: pricesOf(tier, base) }))
    .filter((tier) => !Number.isNaN(tier.minPromptTokens));
  return { base, tiers };
}

/** Whether every price of a pricing record, its tiers' included, is known (no dearest price is needed to read it). */
function allKnown(pricing: Record<string, unknown> | undefined): boolean {
  if (!pricing) return true;
  const known = (prices: Record<string, unknown>) => Object.values(KINDS).every((kind) => prices[kind] == null || Number(prices[kind]) >= 0);
  const overrides = Array.isArray(pricing['overrides']) ? (pricing['overrides'] as unknown[]) : [];
  return known(pricing) && overrides.every((tier) => typeof tier !== 'object' || tier === null || known(tier as Record<string, unknown>));
}

/** The dearer of each price; an output image without a price of its own costs a completion token. */
const dearer = (a: TokenPrices, b: TokenPrices): TokenPrices => ({
  prompt: Math.max(a.prompt, b.prompt),
  completion: Math.max(a.completion, b.completion),
  image: Math.max(a.image, b.image || b.completion),
  cacheWrite: Math.max(a.cacheWrite, b.cacheWrite),
  reasoning: Math.max(a.reasoning, b.reasoning),
  audio: Math.max(a.audio, b.audio),
  inputImage: Math.max(a.inputImage, b.inputImage),
  request: Math.max(a.request, b.request),
  webSearch: Math.max(a.webSearch, b.webSearch),
});

/** The dearest prices among the lists for a prompt of so many tokens. */
function dearestAt(lists: readonly PriceList[], promptTokens: number): TokenPrices {
  let prices: TokenPrices = NO_PRICES;
  for (const list of lists) {
    prices = dearer(prices, list.base);
    for (const tier of list.tiers) if (promptTokens >= tier.minPromptTokens) prices = dearer(prices, tier.prices);
  }
  return prices;
}

/** The largest of the figures that are numbers, or undefined when none is. */
function largest(...figures: Array<number | null | undefined>): number | undefined {
  const numbers = figures.filter((figure): figure is number => typeof figure === 'number' && Number.isFinite(figure));
  return numbers.length > 0 ? Math.max(...numbers) : undefined;
}

/**
 * Facts read once per catalog entry and endpoint list rather than once per request (their prices are text): an entry
 * or a list is never changed, a refresh brings new ones. Facts of a list narrowed by a request's routing, and facts that
 * read the dearest prices (which follow the whole catalog), are read anew.
 */
const readFacts = new WeakMap<object, { model: UpstreamModel; facts: ModelFacts }>();

/**
 * The facts of a model under a request's `provider` preferences: its prices are the dearest of its catalog entry's
 * and of each endpoint (provider) OpenRouter may route the request to (`endpointsAllowedBy`), since OpenRouter bills the
 * price of the provider that answered and `/models` lists the cheapest; its context and output the largest of theirs.
 * Without its endpoints (OpenRouter lists none, or they cannot be had), the catalog's prices stand for every provider.
 * A model the catalog does not list counts at the dearest listed prices, unbounded in output (the default maximum
 * applies); only when the catalog cannot be had at all do prices count as 0.
 */
export async function modelFactsOf(context: GatewayContext, id: string, routing?: unknown): Promise<ModelFacts> {
  const model = await context.catalog.find(id);
  const listed = model ? await context.catalog.endpoints(id) : undefined;
  const endpoints = listed ? endpointsAllowedBy(listed, routing) : undefined;
  const key: object | undefined = endpoints ?? model ?? undefined;
  const cached = key ? readFacts.get(key) : undefined;
  if (cached && model && cached.model === model) return cached.facts;
  const pricings = [model?.pricing, ...(endpoints ?? []).map((endpoint: ModelEndpoint) => endpoint.pricing)];
  // The dearest prices are read only for a model that needs them, not for every request (nor when the catalog, which
  // they are read from, cannot be had: `null`).
  const needsDearest = model === undefined || (model !== null && !pricings.every(allKnown));
  const dearest = needsDearest ? await context.catalog.dearest() : null;
  const lists = model ? pricings.map((pricing) => priceListOf(pricing ?? {}, dearest)) : [priceListOf(null, dearest)];
  const facts: ModelFacts = Object.freeze({
    pricesAt: (promptTokens: number) => dearestAt(lists, promptTokens),
    maxOutput: largest(model?.top_provider?.max_completion_tokens, ...(endpoints ?? []).map((endpoint) => endpoint.max_completion_tokens)),
    contextLength: largest(model?.context_length ?? model?.top_provider?.context_length, ...(endpoints ?? []).map((endpoint) => endpoint.context_length)) ?? UNKNOWN_CONTEXT_TOKENS,
    readsFiles: model?.architecture?.input_modalities?.includes('file') ?? false,
    searchesUnasked: model === undefined || (model?.supported_parameters?.includes('web_search_options') ?? false),
  });
  // A list narrowed for this request is its own array: keeping it would only hold memory.
  if (model && !needsDearest && (endpoints === undefined || endpoints === listed)) readFacts.set(key as object, { model, facts });
  return facts;
}

/**
 * The facts of each model a request may be served by, under its `provider` preferences (which OpenRouter applies to
 * every model of a fallback list), read side by side: the first request naming them waits for one read of endpoints.
 */
export function factsOf(context: GatewayContext, models: readonly string[], routing?: unknown): Promise<ModelFacts[]> {
  return Promise.all(models.map((id) => modelFactsOf(context, id, routing)));
}

/**
 * Makers whose own web search keeps the `openrouter:web_search` tool's `max_uses`: OpenRouter forwards the bound to
 * Anthropic's search alone. OpenAI's, xAI's and Perplexity's ignore it, Google's search has no such setting, and a
 * router's pick is not known before it answers.
 */
const KEEPS_MAX_USES = ['anthropic/'];

/**
 * The first of the models a chat may be served by (`servedModelsOf`) whose own web search may run past the server
 * tool's `max_uses`: any but a model whose maker's search is known to keep it (Anthropic's, or an alias of one,
 * `~anthropic/claude-sonnet-latest`). Routers (`openrouter/auto`) count among them, as their pick may be any model.
 * Undefined when none may. A model that has no search of its own runs the tool on OpenRouter's engine either way.
 * @example
 * modelSearchingPastMaxUses(['anthropic/claude-sonnet-4', 'openai/gpt-5.4-mini']); // 'openai/gpt-5.4-mini'
 */
export function modelSearchingPastMaxUses(models: readonly string[]): string | undefined {
  return models.find((model) => {
    const id = model.toLowerCase().replace(/^~/, '');
    return !KEEPS_MAX_USES.some((maker) => id.startsWith(maker));
  });
}
