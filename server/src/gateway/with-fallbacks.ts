import { setTimeout as delay } from 'node:timers/promises';
import { GatewayError } from '../errors.js';
import { UpstreamTransportError } from '../upstream/openrouter-client.js';
import { UpstreamFailure, classifyTransportError } from '../upstream/upstream-errors.js';

export interface RetryPolicy {
  /** Retries on the same model after the first attempt. Default 2. */
  maxRetries: number;
  /** First backoff; doubles each retry, with jitter. Default 250 ms. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` longer than this skips to the next fallback instead of waiting. Default 10 s. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 4_000, maxRetryAfterMs: 10_000 };

export interface AttemptContext {
  model: string;
}

/** How one upstream attempt ended: answered, failed (with the failure when it was an upstream one), or aborted. */
export type AttemptOutcome = { ok: true; aborted?: false } | { ok: false; aborted: boolean; failure?: UpstreamFailure | undefined };

/**
 * Gates and watches the upstream attempts of one request (circuit breakers, metrics, trace spans). An attempt of a
 * stream ends when its first chunk arrived: after that nothing is retried.
 */
export interface AttemptObserver {
  /** Whether `model` may be tried now; false moves on to the next model without calling it. */
  admits?(model: string): boolean | Promise<boolean>;
  /** Called as an attempt starts; what it returns is called once, with how the attempt ended. */
  started?(model: string): ((outcome: AttemptOutcome) => void) | undefined;
}

/** Prepares each attempt before it starts (`MeteredRequest`: a worst case reserved again after a billed failure). */
export interface AttemptPreparer {
  /** Resolves when the attempt may start; throws (a cap's refusal) when it may not, which ends the request. */
  beforeAttempt(): Promise<void> | undefined;
  /**
   * The attempt ended in a failure of its own (a refusal, an error, no answer), not by the request's abort: nothing
   * of it is left with OpenRouter, so a cancel from here on (during the backoff) cancels nothing billed.
   */
  attemptFailed?(): void;
}

/**
 * Runs `attempt` on each model in order: retryable failures are retried with backoff (honouring `Retry-After`),
 * then the next model is tried; a failure that is the caller's (bad input, the operator's key) stops at once.
 * `attempt` must only throw before anything reached the client: after that, nothing is retried. An `observer`
 * hears each attempt and may skip a model (an open circuit): when every model is skipped the request is a 503. A
 * `preparer` readies each attempt before it counts as one (what it throws is the request's, not the model's).
 */
export async function withFallbacks<T>(
  models: readonly string[],
  policy: RetryPolicy,
  signal: AbortSignal,
  attempt: (context: AttemptContext) => Promise<T>,
  observer: AttemptObserver = {},
  preparer?: AttemptPreparer,
): Promise<T> {
  let lastFailure: UpstreamFailure | undefined;
  let skipped = false;
  for (const model of models) {
    for (let retry = 0; retry <= policy.maxRetries; retry += 1) {
      const prepared = preparer?.beforeAttempt();
      if (prepared) await prepared;
      // Cancelled before this attempt left (during the stages before it, its preparation or the backoff): it is not sent.
      signal.throwIfAborted();
      if (observer.admits && !(await observer.admits(model))) {
        skipped = true;
        break;
      }
      const ended = observer.started?.(model);
      try {
        const answer = await attempt({ model });
        ended?.({ ok: true });
        return answer;
      } catch (error) {
        const failure = error instanceof UpstreamTransportError ? classifyTransportError(error) : error;
        ended?.({ ok: false, aborted: signal.aborted, failure: failure instanceof UpstreamFailure ? failure : undefined });
        if (signal.aborted) throw error;
        preparer?.attemptFailed?.();
        if (!(failure instanceof UpstreamFailure)) throw error;
        lastFailure = failure;
        if (!failure.retryable && !failure.tryFallback) throw failure.error;
        if (!failure.retryable || retry === policy.maxRetries) break;
        const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry) * (0.5 + Math.random() / 2);
        const wait = failure.retryAfterMs ?? backoff;
        if (wait > policy.maxRetryAfterMs) break;
        await delay(wait, undefined, { signal });
      }
    }
    if (lastFailure && !lastFailure.tryFallback) break;
  }
  if (!lastFailure && skipped) throw new GatewayError('service_unavailable', 'The models of this request are failing right now and are paused; try again shortly.');
  if (!lastFailure) throw new GatewayError('internal_error', 'No model was configured to try.');
  throw lastFailure.error;
}
