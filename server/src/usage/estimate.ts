import type { FeatureStore } from '../features/feature-store.js';
import type { ModelCatalog, UpstreamModel } from '../upstream/model-catalog.js';
import type { UsageRecord } from './usage-record.js';

/** A model's prices in USD: per prompt, completion and reasoning token, and per request. */
export interface ModelPrices {
  prompt: number;
  completion: number;
  reasoning: number;
  request: number;
}

/** The prices that apply to a record (its served model, else its feature's), or undefined when unknown. */
export type PriceLookup = (record: UsageRecord) => Promise<ModelPrices | undefined>;

/**
 * About four characters per token: the rule of thumb for English text and the usual tokenizers. A probable figure for
 * the ledger, not a bound: dense text (Chinese or Japanese, emoji) uses up to a token per byte, which is what spend
 * and token caps reserve (`tokensOfText` in the quota estimate).
 */
const CHARACTERS_PER_TOKEN = 4;

/** A catalog entry's prices (strings of USD per token, as OpenRouter lists them); undefined without pricing. */
export function pricesOf(model: UpstreamModel | undefined | null): ModelPrices | undefined {
  const pricing = model?.pricing;
  if (!pricing) return undefined;
  const price = (value: unknown) => {
    const parsed = Number(value ?? 0);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  };
  const completion = price(pricing['completion']);
  return { prompt: price(pricing['prompt']), completion, reasoning: price(pricing['internal_reasoning']) || completion, request: price(pricing['request']) };
}

/**
 * What a request probably cost when OpenRouter's figure is missing: its token counts, or when those are missing
 * too (a cancelled stream) its prompt and answer lengths, at the catalog prices. A request that never reached
 * OpenRouter cost nothing. An estimate for the ledger until the real cost is reconciled, never what a cap reserves.
 * @example
 * estimateCost(record, { prompt: 1.5e-7, completion: 6e-7, reasoning: 6e-7, request: 0 });
 */
export function estimateCost(record: UsageRecord, prices: ModelPrices | undefined): number {
  if (!prices || record.attempts === 0 || record.cacheHit) return 0;
  const fromCharacters = (characters: number | undefined) => Math.ceil((characters ?? 0) / CHARACTERS_PER_TOKEN);
  const promptTokens = record.promptTokens || fromCharacters(record.promptCharacters);
  const completionTokens = record.completionTokens || fromCharacters(record.completionCharacters);
  const reasoningTokens = Math.min(record.reasoningTokens, completionTokens);
  const cost = promptTokens * prices.prompt + (completionTokens - reasoningTokens) * prices.completion + reasoningTokens * prices.reasoning + prices.request;
  // Rounds away float noise, as OpenRouter's own figures are.
  return Math.round(cost * 1e15) / 1e15;
}

/**
 * Prices from the gateway's model catalog: the served model's, else (nothing was served yet) the model the
 * record's feature names, else the requested model's.
 * @example
 * const prices = catalogPrices(context.catalog, context.features);
 */
export function catalogPrices(catalog: ModelCatalog, features: FeatureStore): PriceLookup {
  return async (record) => {
    let model = record.servedModel;
    if (!model && record.feature) model = (await features.get(record.projectId, record.feature).catch(() => undefined))?.model;
    return pricesOf(await catalog.find(model ?? record.requestedModel));
  };
}
