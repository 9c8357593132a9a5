/** Token counts and cost as OpenRouter reports them in a `usage` object. */
export interface UsageFigures {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** OpenRouter's `usage.cost` in USD; absent when the answer carried none. */
  costUsd?: number;
}

/**
 * Token counts and cost from an OpenRouter `usage` object (chat and embeddings shapes, the Responses API's
 * `input_tokens`, `output_tokens` and `output_tokens_details.reasoning_tokens`, and the Messages API's, whose prompt is
 * `input_tokens` plus the tokens read from and written to the cache, which Anthropic counts apart). What an upstream says is
 * not trusted to be well formed: a count that is not a number, or is negative, reads as 0, a fractional one is
 * rounded, and a cost that is negative or not finite reads as absent (so limits keep what they estimated and the
 * ledger asks OpenRouter for the real cost later).
 */
export function usageFigures(usage: unknown): UsageFigures {
  const value = (usage ?? {}) as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    cost?: unknown;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
    input_tokens?: unknown;
    output_tokens?: unknown;
    output_tokens_details?: { reasoning_tokens?: unknown } | null;
    cache_read_input_tokens?: unknown;
    cache_creation_input_tokens?: unknown;
  };
  const cacheCounts = value.prompt_tokens === undefined ? tokenCount(value.cache_read_input_tokens) + tokenCount(value.cache_creation_input_tokens) : 0;
  const figures: UsageFigures = {
    promptTokens: Math.min(tokenCount(value.prompt_tokens ?? value.input_tokens) + cacheCounts, Number.MAX_SAFE_INTEGER),
    completionTokens: tokenCount(value.completion_tokens ?? value.output_tokens),
    reasoningTokens: tokenCount(value.completion_tokens_details?.reasoning_tokens ?? value.output_tokens_details?.reasoning_tokens),
  };
  if (isCost(value.cost)) figures.costUsd = value.cost;
  return figures;
}

/** A token count an upstream reported, as limits and the ledger can count it: 0 unless a positive number, rounded. */
export function tokenCount(field: unknown): number {
  return typeof field === 'number' && field > 0 ? Math.min(Math.round(field), Number.MAX_SAFE_INTEGER) : 0;
}

/** Whether an upstream's cost can be taken as one: a finite number, not negative. */
export function isCost(field: unknown): field is number {
  return typeof field === 'number' && Number.isFinite(field) && field >= 0;
}
