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
 * call first `reserve`s its worst case (every attempt, at a token a byte of its message, with the Llama Guard template
 * the provider reads it in and the model's fee per request), so a call no spend cap has room for is never made. What
 * each call costs goes to `spent`: the answer's cost (also of an answer let finish after its request was given up),
 * and an attempt's worst case where it may be billed with nothing to say how much (`UncostedAttempts`), with its
 * generation id when one came, for the ledger and the caps to settle it at OpenRouter's figure once reconciled.
 * @example
 * new Guardrails({ moderate: openRouterModeration(() => context) });
 */
export function openRouterModeration(context: () => GatewayContext): Moderate {
  return async ({ model, text, apiKey, signal, reserve, spent }) => {
    const gateway = context();
    await reserve(await moderationCallWorstCase(gateway, model, text));
    const uncosted = new UncostedAttempts(signal);
    const call = callSignalOf(signal, uncosted);
    try {
      const { result, headers } = await postWithFallbacks<UpstreamCompletion>(gateway, {
        path: '/chat/completions',
        models: [model],
        body: { messages: [{ role: 'user', content: text }], temperature: 0, max_tokens: MODERATION_CALLS.answerTokens },
        apiKey,
        signal: call.signal,
        meter: uncosted,
        observer: uncosted,
      });
      const costUsd = usageFigures(result.usage).costUsd;
      if (costUsd === undefined) uncosted.answeredWithoutCost(headerValue(headers, 'x-generation-id'));
      else spent(costUsd);
      // An answer that came after the request was given up only told what it cost: the request goes no further.
      signal.throwIfAborted();
      return { flagged: /^\s*unsafe\b/i.test(firstAnswerOf(result).answer) };
    } finally {
      call.release();
      if (uncosted.generations.length > 0) {
        const worstCaseUsd = await moderationAttemptWorstCase(gateway, model, text);
        for (const generationId of uncosted.generations) spent(worstCaseUsd, generationId);
      }
    }
  };
}

/**
 * How long an attempt in flight when its request is given up (the client left, the deadline passed, the gateway shuts
 * down) is let run to its answer. OpenRouter bills a non-streamed call whole once its model began, so hanging up saves
 * nothing; it only loses the answer's cost and generation id, leaving the call counted at its worst case for good (its
 * message a token a byte, at the dearest provider: about 9 times the bill for English text). A moderation answer is
 * a few tokens: this only bounds a call that hangs.
 */
const FINISH_AFTER_ABORT_MS = 10_000;

/**
 * The signal a moderation call's attempts run under: the request's, except that an attempt in flight when it aborts
 * is let finish (`FINISH_AFTER_ABORT_MS` at most), so that its cost is known. No attempt starts after it aborted.
 */
function callSignalOf(request: AbortSignal, attempts: UncostedAttempts): { signal: AbortSignal; release(): void } {
  const call = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (!attempts.inFlight) return call.abort(request.reason);
    timer = setTimeout(() => call.abort(request.reason), FINISH_AFTER_ABORT_MS);
    timer.unref();
  };
  if (request.aborted) onAbort();
  else request.addEventListener('abort', onAbort, { once: true });
  return {
    signal: call.signal,
    release: () => {
      request.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    },
  };
}

/**
 * The attempts of one moderation call that OpenRouter may bill with nothing to say how much, each with its generation
 * id when one came: an answer without a cost, an attempt that failed after OpenRouter had it (`failedAfterSending`:
 * an error inside a 200, no answer in time), and one still in flight `FINISH_AFTER_ABORT_MS` after the request's
 * signal aborted, since a model that began a non-streaming answer bills it whole. None starts after the abort.
 */
class UncostedAttempts implements AttemptLog, AttemptObserver {
  readonly generations: Array<string | undefined> = [];
  /** Whether an attempt is under way (sent, or being sent): one the request's abort lets finish. */
  inFlight = false;
  /** Whether the latest attempt is counted already. */
  #counted = false;

  constructor(private readonly signal: AbortSignal) {}

  started(): (outcome: AttemptOutcome) => void {
    this.#counted = false;
    this.inFlight = true;
    return (outcome) => {
      this.inFlight = false;
      // Only an attempt given up on before its answer came (`FINISH_AFTER_ABORT_MS`) ends aborted here.
      if (!outcome.ok && outcome.aborted) this.#count(undefined);
    };
  }

  attempt(): void {}

  /** No attempt, a retry or a fallback, starts once the request is given up. */
  beforeAttempt(): undefined {
    this.signal.throwIfAborted();
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
