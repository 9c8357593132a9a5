/** Token counts and cost as OpenRouter reports them in a `usage` object. */
export interface UsageFigures {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** OpenRouter's `usage.cost` in USD; absent when the answer carried none. */
  costUsd?: number;
}

/**
 * Token counts and cost from an OpenRouter `usage` object (both chat and embeddings shapes). What an upstream says is
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
  };
  const number = (field: unknown) => (typeof field === 'number' && field > 0 ? Math.min(Math.round(field), Number.MAX_SAFE_INTEGER) : 0);
  const figures: UsageFigures = {
    promptTokens: number(value.prompt_tokens),
    completionTokens: number(value.completion_tokens),
    reasoningTokens: number(value.completion_tokens_details?.reasoning_tokens),
  };
  if (typeof value.cost === 'number' && Number.isFinite(value.cost) && value.cost >= 0) figures.costUsd = value.cost;
  return figures;
}
