import type { TokenPrices } from './catalog/catalog.js';
import { OCR_PAGE_USD } from './chat/attachments.js';
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
  /** Results of OpenRouter's web search (the server tool or the `web` plugin), billed per result. */
  webSearchResults?: number;
  /** Searches on the model's own engine (a native web search), billed at its `web_search` price each. */
  webSearches?: number;
  /** Searches run on any engine, reported (`server_tool_use.web_search_requests`), billed by the two figures above. */
  webSearchRequests?: number;
  /** Prompt tokens (of `promptTokens`) of input audio, at the audio price. */
  audioTokens?: number;
  /** Input images, each billed the model's image price on top of its tokens. */
  inputImages?: number;
  /** PDF pages parsed by the file-parser plugin's OCR engine, billed per page. */
  ocrPages?: number;
  /** Prompt tokens (of `promptTokens`) of input video, billed at the prompt price. */
  videoTokens?: number;
  /** Prompt tokens (of `promptTokens`) read from the provider's cache, at its cache-read price. */
  cachedTokens?: number;
  /** Prompt tokens (of `promptTokens`) written to the cache, at its cache-write price. */
  cacheWriteTokens?: number;
}

/** USD per web search result (OpenRouter's default engine: $4 per 1,000 results). */
export const WEB_SEARCH_RESULT_USD = 0.004;

/**
 * What the cache saved (positive) or cost extra (negative, a write dearer than the prompt price) against the prompt
 * price: OpenRouter's `cache_discount`.
 */
export function cacheDiscountOf(prices: TokenPrices, counts: TokenCounts): number {
  return roundUsd((counts.cachedTokens ?? 0) * (prices.prompt - prices.cacheRead) + (counts.cacheWriteTokens ?? 0) * (prices.prompt - prices.cacheWrite));
}

/**
 * Cost in USD from the catalog's prices, split as OpenRouter's `cost_details` reports it: the prompt's tokens (audio at
 * the audio price), each input image's fee and the fee per request as the prompt's cost; the output's tokens
 * (reasoning and images at their prices) as the completion's; web search and OCR fees on top.
 */
export function priceTokens(prices: TokenPrices, counts: TokenCounts) {
  const textTokens = counts.completionTokens - counts.reasoningTokens - counts.imageTokens;
  const cached = counts.cachedTokens ?? 0;
  const written = counts.cacheWriteTokens ?? 0;
  const audio = Math.min(counts.audioTokens ?? 0, Math.max(0, counts.promptTokens - cached - written));
  const promptCost = roundUsd(
    (counts.promptTokens - cached - written - audio) * prices.prompt +
      audio * prices.audio +
      cached * prices.cacheRead +
      written * prices.cacheWrite +
      (counts.inputImages ?? 0) * prices.inputImage +
      prices.request,
  );
  const completionCost = roundUsd(
    textTokens * prices.completion + counts.reasoningTokens * prices.reasoning + counts.imageTokens * prices.imageOutput,
  );
  const feesCost = roundUsd(
    (counts.webSearchResults ?? 0) * WEB_SEARCH_RESULT_USD + (counts.webSearches ?? 0) * prices.webSearch + (counts.ocrPages ?? 0) * OCR_PAGE_USD,
  );
  return { promptCost, completionCost, feesCost, cost: roundUsd(promptCost + completionCost + feesCost) };
}

export function bill(prices: TokenPrices, counts: TokenCounts): BilledUsage {
  const cached = (counts.cachedTokens ?? 0) + (counts.cacheWriteTokens ?? 0) > 0;
  return { ...counts, cost: priceTokens(prices, counts).cost, ...(cached ? { cacheDiscount: cacheDiscountOf(prices, counts) } : {}) };
}

/** The `usage` object of chat responses, with cost, as OpenRouter always returns it. */
export function chatUsage(prices: TokenPrices, billed: BilledUsage) {
  const { promptCost, completionCost, cost } = priceTokens(prices, billed);
  const searched = (billed.webSearchResults ?? 0) > 0 || (billed.webSearches ?? 0) > 0;
  const runs = Math.max(1, billed.webSearchRequests ?? 0);
  const searches = searched ? { server_tool_use_details: { web_search_requests: runs, tool_calls_requested: runs, tool_calls_executed: runs } } : {};
  return {
    prompt_tokens: billed.promptTokens,
    completion_tokens: billed.completionTokens,
    total_tokens: billed.promptTokens + billed.completionTokens,
    cost,
    is_byok: false,
    prompt_tokens_details: { cached_tokens: billed.cachedTokens ?? 0, cache_write_tokens: billed.cacheWriteTokens ?? 0, audio_tokens: billed.audioTokens ?? 0, video_tokens: billed.videoTokens ?? 0 },
    cost_details: {
      upstream_inference_cost: cost,
      upstream_inference_prompt_cost: promptCost,
      upstream_inference_completions_cost: completionCost,
    },
    completion_tokens_details: { reasoning_tokens: billed.reasoningTokens, image_tokens: billed.imageTokens, audio_tokens: 0 },
    ...searches,
  };
}
