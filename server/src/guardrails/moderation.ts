import { MODERATION_CALLS } from '../features/feature-policies.js';
import { firstAnswerOf, type UpstreamCompletion } from '../gateway/chat.js';
import type { GatewayContext } from '../gateway/context.js';
import { postWithFallbacks } from '../gateway/upstream-json.js';
import { usageFigures } from '../upstream/usage-figures.js';
import type { Moderate } from './guardrails.js';

/**
 * Moderation through OpenRouter with a Llama Guard–style model, which answers `safe` or `unsafe` and a category.
 * A moderation model that cannot answer fails the request (closed): an unchecked text never passes as checked.
 * @example
 * new Guardrails({ moderate: openRouterModeration(() => context) });
 */
export function openRouterModeration(context: () => GatewayContext): Moderate {
  return async ({ model, text, apiKey, signal }) => {
    const { result } = await postWithFallbacks<UpstreamCompletion>(context(), {
      path: '/chat/completions',
      models: [model],
      body: { messages: [{ role: 'user', content: text }], temperature: 0, max_tokens: MODERATION_CALLS.answerTokens },
      apiKey,
      signal,
    });
    return { flagged: /^\s*unsafe\b/i.test(firstAnswerOf(result).answer), costUsd: usageFigures(result.usage).costUsd };
  };
}
