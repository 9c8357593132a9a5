import { MODERATION_CALLS } from '../features/feature-policies.js';
import { firstAnswerOf, type UpstreamCompletion } from '../gateway/chat.js';
import type { GatewayContext } from '../gateway/context.js';
import { moderationAttemptWorstCase, moderationCallWorstCase } from '../gateway/quota-estimate.js';
import { postWithFallbacks, type AttemptLog } from '../gateway/upstream-json.js';
import type { AttemptObserver, AttemptOutcome } from '../gateway/with-fallbacks.js';
import { withoutKeyShapes } from '../logger.js';
import { headerValue } from '../upstream/openrouter-client.js';
import { usageFigures } from '../upstream/usage-figures.js';
import type { Moderate } from './guardrails.js';

/**
 * Moderation through OpenRouter with a Llama Guard–style model, which answers `safe` or `unsafe` and a category.
 * A moderation model that cannot answer fails the request (closed): an unchecked text never passes as checked. Each
 * call first `reserve`s its worst case (every attempt, at a token a byte of its message and of the Llama Guard template
 * the provider reads it in, with the model's fee per request), so a call no spend cap has room for is never made. What each call costs goes to `spent`: the answer's cost, and an attempt's worst case where
 * it may be billed with nothing to say how much (`UncostedAttempts`), with its generation id when one came, for the
 * ledger and the caps to settle it at OpenRouter's figure once reconciled.
 * @example
 * new Guardrails({ moderate: openRouterModeration(() => context) });
 */
export function openRouterModeration(context: () => GatewayContext): Moderate {
  return async ({ model, text, apiKey, signal, reserve, spent }) => {
    const gateway = context();
    await reserve(await moderationCallWorstCase(gateway, model, text));
    const uncosted = new UncostedAttempts(signal);
    try {
      const { result, headers } = await postWithFallbacks<UpstreamCompletion>(gateway, {
        path: '/chat/completions',
        models: [model],
        body: { messages: [{ role: 'user', content: text }], temperature: 0, max_tokens: MODERATION_CALLS.answerTokens },
        apiKey,
        signal,
        meter: uncosted,
        observer: uncosted,
      });
      const costUsd = usageFigures(result.usage).costUsd;
      if (costUsd === undefined) uncosted.answeredWithoutCost(headerValue(headers, 'x-generation-id'));
      else spent(costUsd);
      return { flagged: /^\s*unsafe\b/i.test(firstAnswerOf(result).answer) };
    } finally {
      if (uncosted.generations.length > 0) {
        const worstCaseUsd = await moderationAttemptWorstCase(gateway, model, text);
        for (const generationId of uncosted.generations) spent(worstCaseUsd, generationId);
      }
    }
  };
}

/**
 * The attempts of one moderation call that OpenRouter may bill with nothing to say how much, each with its generation
 * id when one came: an answer without a cost, an attempt that failed after OpenRouter had it (`failedAfterSending`:
 * an error inside a 200, no answer in time), and the one in flight when the request's signal aborted (the client
 * left, the deadline passed, the gateway shut down), since a model that began a non-streaming answer bills it whole.
 * An attempt started after the abort was never sent.
 */
class UncostedAttempts implements AttemptLog, AttemptObserver {
  readonly generations: Array<string | undefined> = [];
  /** Whether the latest attempt is counted already. */
  #counted = false;

  constructor(private readonly signal: AbortSignal) {}

  started(): (outcome: AttemptOutcome) => void {
    this.#counted = false;
    const sentBeforeAbort = !this.signal.aborted;
    return (outcome) => {
      if (!outcome.ok && outcome.aborted && sentBeforeAbort) this.#count(undefined);
    };
  }

  attempt(): void {}

  beforeAttempt(): undefined {
    return undefined;
  }

  failedAfterSending(generationId: string | undefined): void {
    this.#count(generationId);
  }

  answeredWithoutCost(generationId: string | undefined): void {
    this.#count(generationId);
  }

  #count(generationId: string | undefined): void {
    if (this.#counted) return;
    this.#counted = true;
    // What the upstream named goes to the record: nothing shaped like an OpenRouter key in it.
    this.generations.push(generationId === undefined ? undefined : withoutKeyShapes(generationId));
  }
}
