import { MODERATION_CALLS } from '../features/feature-policies.js';
import { firstAnswerOf, type UpstreamCompletion } from '../gateway/chat.js';
import type { GatewayContext } from '../gateway/context.js';
import { moderationAttemptWorstCase, moderationCallWorstCase } from '../gateway/quota-estimate.js';
import { postWithFallbacks, type AttemptLog } from '../gateway/upstream-json.js';
import { usageFigures } from '../upstream/usage-figures.js';
import type { Moderate } from './guardrails.js';

/**
 * Moderation through OpenRouter with a Llama Guard–style model, which answers `safe` or `unsafe` and a category.
 * A moderation model that cannot answer fails the request (closed): an unchecked text never passes as checked. Each
 * call first `reserve`s its worst case (every attempt, at a token a byte of its message), so a call no spend cap has
 * room for is never made. What each call costs goes to `spent`: the answer's cost (its worst case when the answer
 * says none), and for each attempt that failed after reaching OpenRouter (an error inside a 200, no answer in time),
 * its worst case, since it may be billed with nothing to say how much.
 * @example
 * new Guardrails({ moderate: openRouterModeration(() => context) });
 */
export function openRouterModeration(context: () => GatewayContext): Moderate {
  return async ({ model, text, apiKey, signal, reserve, spent }) => {
    const gateway = context();
    await reserve(await moderationCallWorstCase(gateway, model, text));
    let failed = 0;
    const attempts: AttemptLog = { attempt: () => undefined, beforeAttempt: () => undefined, failedAfterSending: () => void (failed += 1) };
    try {
      const { result } = await postWithFallbacks<UpstreamCompletion>(gateway, {
        path: '/chat/completions',
        models: [model],
        body: { messages: [{ role: 'user', content: text }], temperature: 0, max_tokens: MODERATION_CALLS.answerTokens },
        apiKey,
        signal,
        meter: attempts,
      });
      const costUsd = usageFigures(result.usage).costUsd;
      spent(costUsd ?? (await moderationAttemptWorstCase(gateway, model, text)));
      return { flagged: /^\s*unsafe\b/i.test(firstAnswerOf(result).answer) };
    } finally {
      if (failed > 0) spent(failed * (await moderationAttemptWorstCase(gateway, model, text)));
    }
  };
}
