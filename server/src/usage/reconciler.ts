import { z } from 'zod';
import type { GatewayLogger } from '../logger.js';
import type { OpenRouterClient } from '../upstream/openrouter-client.js';
import { isCost, tokenCount } from '../upstream/usage-figures.js';

/** A record whose cost is an estimate, and the generation that holds the real one. */
export interface ReconcileJob {
  requestId: string;
  projectId: string;
  generationId: string;
  /**
   * Until when (epoch ms) a generation OpenRouter does not show yet is looked for again, every `maxDelayMs`, after the
   * attempts ran out: for a generation that may show up late (a request lost with its instance, a record a stopped
   * process left).
   */
  lookUntil?: number;
}

/** What OpenRouter finally billed for a generation. */
export interface GenerationFigures {
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
}

/**
 * Asks for a generation's figures: the figures, `pending` while the record does not exist yet (OpenRouter answers
 * 404 for a few seconds), or `failed` when asking again cannot help. A thrown error is transient and retried.
 */
export type GenerationLookup = (job: ReconcileJob, signal: AbortSignal) => Promise<GenerationFigures | 'pending' | 'failed'>;

export interface ReconcilerOptions {
  lookup: GenerationLookup;
  /** Takes the figures once found; the ledger queues them for its next write. */
  apply(job: ReconcileJob, figures: GenerationFigures): void;
  /** Hears of a job given up on (its figures could not be had, or too many were pending). */
  gaveUp?(job: ReconcileJob): void;
  /** Lookups per record before it stays `estimated`. Default 5. */
  attempts?: number;
  /** Wait before the first lookup, doubled before each next one. Default 1 s (5 attempts span ~31 s). */
  firstDelayMs?: number;
  /** Longest wait between two lookups. Default 16 s. */
  maxDelayMs?: number;
  /** Lookups in flight at once. Default 8. */
  concurrency?: number;
  /** Records waiting to be reconciled; beyond it new ones stay estimated. Default 10,000. */
  maxPending?: number;
  logger?: GatewayLogger;
}

export interface ReconcilerStats {
  /** Records waiting for a lookup or in one. */
  pending: number;
  reconciled: number;
  /** Records left `estimated` after their last attempt, or because too many were pending. */
  gaveUp: number;
}

interface Waiting {
  job: ReconcileJob;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Reconciles estimated costs with OpenRouter's `GET /generation`: each record is looked up after a growing delay
 * until its generation is found or the attempts run out, a few lookups at a time.
 * @example
 * const reconciler = new GenerationReconciler({ lookup: openRouterGenerations(upstream, key), apply: (job, figures) => ledger.reconciled(job, figures) });
 */
export class GenerationReconciler {
  readonly #options: Required<Omit<ReconcilerOptions, 'logger' | 'gaveUp'>> & Pick<ReconcilerOptions, 'gaveUp'> & { logger: GatewayLogger | undefined };
  readonly #waiting = new Set<Waiting>();
  /** The jobs waiting, by request and generation: one scheduled twice (resumed at start and recovered) is looked up once. */
  readonly #keys = new Set<string>();
  readonly #ready: Waiting[] = [];
  readonly #abort = new AbortController();
  #running = 0;
  #reconciled = 0;
  #gaveUp = 0;
  #closed = false;

  constructor(options: ReconcilerOptions) {
    this.#options = { attempts: 5, firstDelayMs: 1_000, maxDelayMs: 16_000, concurrency: 8, maxPending: 10_000, ...options, logger: options.logger };
  }

  schedule(job: ReconcileJob): void {
    if (this.#closed) return;
    const key = `${job.requestId} ${job.generationId}`;
    if (this.#keys.has(key)) return;
    if (this.#waiting.size >= this.#options.maxPending) {
      this.#gaveUp += 1;
      this.#options.gaveUp?.(job);
      return;
    }
    const waiting: Waiting = { job, attempt: 0, timer: undefined };
    this.#waiting.add(waiting);
    this.#keys.add(key);
    this.#wait(waiting);
  }

  /** How many jobs may wait at once (`maxPending`). */
  get capacity(): number {
    return this.#options.maxPending;
  }

  stats(): ReconcilerStats {
    return { pending: this.#waiting.size, reconciled: this.#reconciled, gaveUp: this.#gaveUp };
  }

  /** Stops every lookup; records still waiting stay `estimated`. */
  close(): void {
    this.#closed = true;
    this.#abort.abort();
    for (const waiting of this.#waiting) clearTimeout(waiting.timer);
    this.#gaveUp += this.#waiting.size;
    this.#waiting.clear();
    this.#keys.clear();
    this.#ready.length = 0;
  }

  #wait(waiting: Waiting): void {
    const delay = Math.min(this.#options.firstDelayMs * 2 ** waiting.attempt, this.#options.maxDelayMs);
    waiting.timer = setTimeout(() => {
      waiting.timer = undefined;
      this.#ready.push(waiting);
      this.#pump();
    }, delay);
    waiting.timer.unref();
  }

  #pump(): void {
    while (!this.#closed && this.#running < this.#options.concurrency) {
      const next = this.#ready.shift();
      if (!next) return;
      this.#running += 1;
      void this.#attempt(next).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }

  async #attempt(waiting: Waiting): Promise<void> {
    const { job } = waiting;
    let result: Awaited<ReturnType<GenerationLookup>>;
    try {
      result = await this.#options.lookup(job, this.#abort.signal);
    } catch (error) {
      if (this.#closed) return;
      this.#options.logger?.warn('usage reconciliation lookup failed; retrying', { generationId: job.generationId, error });
      result = 'pending';
    }
    if (this.#closed) return;
    if (result !== 'pending' && result !== 'failed') {
      this.#forget(waiting);
      this.#reconciled += 1;
      this.#options.apply(job, result);
      return;
    }
    waiting.attempt += 1;
    const late = job.lookUntil !== undefined && Date.now() < job.lookUntil;
    if (result === 'failed' || (waiting.attempt >= this.#options.attempts && !late)) {
      this.#forget(waiting);
      this.#gaveUp += 1;
      this.#options.logger?.warn('usage record stays estimated: OpenRouter has no figures for its generation', { requestId: job.requestId, generationId: job.generationId });
      this.#options.gaveUp?.(job);
      return;
    }
    this.#wait(waiting);
  }

  #forget(waiting: Waiting): void {
    this.#waiting.delete(waiting);
    this.#keys.delete(`${waiting.job.requestId} ${waiting.job.generationId}`);
  }
}

const generationResponse = z.object({
  data: z.object({
    total_cost: z.number(),
    tokens_prompt: z.number().nullish(),
    tokens_completion: z.number().nullish(),
    native_tokens_prompt: z.number().nullish(),
    native_tokens_completion: z.number().nullish(),
    native_tokens_reasoning: z.number().nullish(),
  }),
});

/**
 * Looks generations up on OpenRouter with the project's own key (a generation is visible only to the key that
 * ran it): 404 is `pending`, 408/429/5xx and transport errors are retried, other statuses are `failed`, and so is an
 * answer whose cost is negative; token counts read as an answer's usage does (negative as 0, fractional rounded).
 * @example
 * const lookup = openRouterGenerations(context.upstream, (projectId) => context.upstreamKey(projectId));
 */
export function openRouterGenerations(upstream: OpenRouterClient, upstreamKey: (projectId: string) => Promise<string>): GenerationLookup {
  return async (job, signal) => {
    const apiKey = await upstreamKey(job.projectId);
    const response = await upstream.send(`/generation?id=${encodeURIComponent(job.generationId)}`, { method: 'GET', apiKey, signal });
    if (response.status !== 200) {
      await response.body.dump();
      if (response.status === 404) return 'pending';
      if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(`GET /generation answered ${response.status}`);
      return 'failed';
    }
    const parsed = generationResponse.safeParse(await response.body.json());
    // Figures not trusted to be well formed, as an answer's usage: a cost that is no cost is none (the worst case stands).
    if (!parsed.success || !isCost(parsed.data.data.total_cost)) return 'failed';
    const data = parsed.data.data;
    return {
      costUsd: data.total_cost,
      promptTokens: tokenCount(data.native_tokens_prompt ?? data.tokens_prompt),
      completionTokens: tokenCount(data.native_tokens_completion ?? data.tokens_completion),
      reasoningTokens: tokenCount(data.native_tokens_reasoning),
    };
  };
}
