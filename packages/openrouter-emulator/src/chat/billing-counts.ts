import type { TokenCounts } from '../billing.js';
import { IMAGE_OUTPUT_TOKENS, type ChatPlan } from './plan.js';

/** What the whole answer costs in tokens. */
export function fullCounts(plan: ChatPlan): TokenCounts {
  return {
    promptTokens: plan.promptTokens,
    completionTokens: plan.completionTokens,
    reasoningTokens: plan.reasoningPieces.length,
    imageTokens: plan.images.length * IMAGE_OUTPUT_TOKENS,
    ...(plan.webSearchResults > 0 ? { webSearchResults: plan.webSearchResults } : {}),
    ...(plan.webSearches > 0 ? { webSearches: plan.webSearches } : {}),
    ...(plan.webSearchRequests > 0 ? { webSearchRequests: plan.webSearchRequests } : {}),
    ...(plan.audioTokens > 0 ? { audioTokens: plan.audioTokens } : {}),
    ...(plan.inputImages > 0 ? { inputImages: plan.inputImages } : {}),
    ...(plan.ocrPages > 0 ? { ocrPages: plan.ocrPages } : {}),
    ...(plan.videoTokens > 0 ? { videoTokens: plan.videoTokens } : {}),
    ...(plan.cachedTokens > 0 ? { cachedTokens: plan.cachedTokens } : {}),
    ...(plan.cacheWriteTokens > 0 ? { cacheWriteTokens: plan.cacheWriteTokens } : {}),
  };
}

/** What the part produced before a cancel, drop or error costs: reasoning comes first, images once sent; the search ran before the first token. */
export function sentCounts(plan: ChatPlan, tokensSent: number, imagesSent: boolean): TokenCounts {
  const imageTokens = imagesSent ? plan.images.length * IMAGE_OUTPUT_TOKENS : 0;
  return {
    promptTokens: plan.promptTokens,
    completionTokens: tokensSent + imageTokens,
    reasoningTokens: Math.min(tokensSent, plan.reasoningPieces.length),
    imageTokens,
    ...(plan.webSearchResults > 0 ? { webSearchResults: plan.webSearchResults } : {}),
    ...(plan.webSearches > 0 ? { webSearches: plan.webSearches } : {}),
    ...(plan.webSearchRequests > 0 ? { webSearchRequests: plan.webSearchRequests } : {}),
    ...(plan.audioTokens > 0 ? { audioTokens: plan.audioTokens } : {}),
    ...(plan.inputImages > 0 ? { inputImages: plan.inputImages } : {}),
    ...(plan.ocrPages > 0 ? { ocrPages: plan.ocrPages } : {}),
    ...(plan.videoTokens > 0 ? { videoTokens: plan.videoTokens } : {}),
    ...(plan.cachedTokens > 0 ? { cachedTokens: plan.cachedTokens } : {}),
    ...(plan.cacheWriteTokens > 0 ? { cacheWriteTokens: plan.cacheWriteTokens } : {}),
  };
}
