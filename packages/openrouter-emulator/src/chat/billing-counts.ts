import type { TokenCounts } from '../billing.js';
import { IMAGE_OUTPUT_TOKENS, type ChatPlan } from './plan.js';

/** What the whole answer costs in tokens. */
export function fullCounts(plan: ChatPlan): TokenCounts {
  return {
    promptTokens: plan.promptTokens,
    completionTokens: plan.completionTokens,
    reasoningTokens: plan.reasoningPieces.length,
    imageTokens: plan.images.length * IMAGE_OUTPUT_TOKENS,
    ...billedExtras(plan),
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
    ...billedExtras(plan),
  };
}

/** The counts besides the token totals, owed whole by an answer cut short too (the prompt's parts and the searches come before its first token); those above zero only. */
function billedExtras(plan: ChatPlan): Partial<TokenCounts> {
  const extras: Partial<TokenCounts> = {};
  for (const name of EXTRA_COUNTS) if (plan[name] > 0) extras[name] = plan[name];
  return extras;
}

const EXTRA_COUNTS = ['webSearchResults', 'webSearches', 'webSearchRequests', 'audioTokens', 'inputImages', 'ocrPages', 'videoTokens', 'cachedTokens', 'cacheWriteTokens'] as const;
