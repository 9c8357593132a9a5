/** Token counts and cost as OpenRouter reports them in a `usage` object. */
export interface UsageFigures {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  /** OpenRouter's `usage.cost` in USD; absent when the answer carried none. */
  costUsd?: number;
}

/** Token counts and cost from an OpenRouter `usage` object (both chat and embeddings shapes). */
export function usageFigures(usage: unknown): UsageFigures {
  const value = (usage ?? {}) as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    cost?: unknown;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  const number = (field: unknown) => (typeof field === 'number' && Number.isFinite(field) ? field : 0);
  const figures: UsageFigures = {
    promptTokens: number(value.prompt_tokens),
    completionTokens: number(value.completion_tokens),
    reasoningTokens: number(value.completion_tokens_details?.reasoning_tokens),
  };
  if (typeof value.cost === 'number') figures.costUsd = value.cost;
  return figures;
}
