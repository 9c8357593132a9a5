import type { TokenPrices } from './catalog/catalog.js';
import type { BilledUsage } from './generations.js';

/** Rounds away float noise (1e-15 USD) so sums of costs compare exactly in tests. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e15) / 1e15;
}

export interface TokenCounts {
  promptTokens: number;
  /** All completion tokens, including the reasoning and image tokens below. */
  completionTokens: number;
  reasoningTokens: number;
  imageTokens: number;
}

/** Cost in USD from the catalog's per-token prices, split as OpenRouter's `cost_details` reports it. */
export function priceTokens(prices: TokenPrices, counts: TokenCounts) {
  const textTokens = counts.completionTokens - counts.reasoningTokens - counts.imageTokens;
  const promptCost = roundUsd(counts.promptTokens * prices.prompt + prices.request);
  const completionCost = roundUsd(
    textTokens * prices.completion + counts.reasoningTokens * prices.reasoning + counts.imageTokens * prices.imageOutput,
  );
  return { promptCost, completionCost, cost: roundUsd(promptCost + completionCost) };
}

export function bill(prices: TokenPrices, counts: TokenCounts): BilledUsage {
  return { ...counts, cost: priceTokens(prices, counts).cost };
}

/** The `usage` object of chat responses, with cost, as OpenRouter always returns it. */
export function chatUsage(prices: TokenPrices, billed: BilledUsage) {
  const { promptCost, completionCost, cost } = priceTokens(prices, billed);
  return {
    prompt_tokens: billed.promptTokens,
    completion_tokens: billed.completionTokens,
    total_tokens: billed.promptTokens + billed.completionTokens,
    cost,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, audio_tokens: 0, video_tokens: 0 },
    cost_details: {
      upstream_inference_cost: cost,
      upstream_inference_prompt_cost: promptCost,
      upstream_inference_completions_cost: completionCost,
    },
    completion_tokens_details: { reasoning_tokens: billed.reasoningTokens, image_tokens: billed.imageTokens, audio_tokens: 0 },
  };
}
