import { setTimeout as delay } from 'node:timers/promises';
import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import { promptCharactersOf } from '../gateway/chat.js';
import type { GatewayContext } from '../gateway/context.js';
import { worstCaseTokensOf } from '../gateway/metered-request.js';
import type { GenerationFigures, GenerationLookup } from '../usage/reconciler.js';
import { newRequestId } from '../usage/request-id.js';
import type { UsageRecord } from '../usage/usage-record.js';
import { INSTANCE_LOST } from '../usage/open-requests.js';
import { ItemFailure, runItem, type ItemAnswer } from './item-runner.js';
import { estimateJobItem } from './job-service.js';
import type { JobLease } from './job-queue.js';
import type { ItemResult, ItemRow, JobRow, JobStore } from './job-store.js';
import { parseSummary, summarizeChatBody, type Article, type SummarizeOptions } from './summarize-request.js';

export interface JobRunnerOptions {
  /** Items of one job in flight at once on an instance. Default 4. */
  itemsPerJob?: number | undefined;
  /** Items of one project in flight at once on an instance, across its jobs. Default 8. */
  itemsPerProject?: number | undefined;
  /** Attempts of an item that keeps failing before it goes to the job's dead-letter list. Default 3. */
  maxAttempts?: number | undefined;
  /** First wait before an item is tried again; doubles each attempt. Default 1 s. */
  backoffMs?: number | undefined;
  /** The longest an item waits for a rate limit before trying again. Default 60 s. */
  maxRateLimitWaitMs?: number | undefined;
  /** How soon a job paused by a limit is tried again (it goes on once the cap allows). Default 60 s. */
  pauseRecheckMs?: number | undefined;
  /** How often a worker reads its job's status (a cancel or pause from another instance). Default 1 s. */
  statusPollMs?: number | undefined;
  /**
   * How long a worker taking over a job keeps looking up, with backoff, a generation OpenRouter does not show yet (its
   * record lags the generation's end) before the item goes to the dead-letter list as maybe billed. Default 60 s.
   */
  generationWaitMs?: number | undefined;
}

/** Errors worth trying an item again for: the upstream failed, timed out, rate limited it, or answered something unreadable. */
const TRANSIENT = new Set(['rate_limit_exceeded', 'upstream_error', 'upstream_timeout', 'upstream_stream_truncated', 'upstream_model_unavailable', 'service_unavailable']);

export const BILLED_WITHOUT_ANSWER = 'The worker died after OpenRouter billed this item; it is not retried so it is never billed twice: retry it explicitly.';
export const MAYBE_BILLED = 'The worker died after sending this item, and whether OpenRouter billed it cannot be checked; it is not retried so it is never billed twice: retry it explicitly.';

/**
 * The first wait between two tries of what may answer later (a lost item's generation OpenRouter does not show yet,
 * a result the database refused), doubled after each, and the longest.
 */
const FIRST_WAIT_MS = 500;
const MAX_WAIT_MS = 8_000;

/**
 * Works through one job's items on this instance: each item goes through the metered lifecycle with the job's id;
 * rate limits wait, spend caps and the emergency stop pause the job, transient failures retry with backoff, and an
 * item that keeps failing is kept with its error. A worker taking over a job from a dead one first settles the items
 * it left running, through their generation ids, so none is billed twice.
 */
export class JobRunner {
  readonly #options: { [K in keyof JobRunnerOptions]-?: number };
  readonly #cancels = new Map<string, AbortController>();
  readonly #projectSlots = new Map<string, number>();
  readonly #slotWaiters = new Map<string, Array<() => void>>();
  #closing = false;

  constructor(
    private readonly context: GatewayContext,
    private readonly store: JobStore,
    private readonly lookupGeneration: GenerationLookup,
    options: JobRunnerOptions = {},
  ) {
    this.#options = {
      itemsPerJob: 4,
      itemsPerProject: 8,
      maxAttempts: 3,
      backoffMs: 1_000,
      maxRateLimitWaitMs: 60_000,
      pauseRecheckMs: 60_000,
      statusPollMs: 1_000,
      generationWaitMs: 60_000,
      ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    };
  }

  /** Stops starting items (the gateway is shutting down); items in flight finish or are aborted by the lifecycle. */
  stopTaking(): void {
    this.#closing = true;
  }

  /** Aborts a job's items in flight on this instance at once (after the job was marked cancelled). */
  cancelLocal(jobId: string): void {
    this.#cancels.get(jobId)?.abort();
  }

  /** Works on a job until it is completed, paused or cancelled, or its `lease` is lost. */
  async run(jobId: string, lease: JobLease): Promise<void> {
    const leaseSignal = lease.signal;
    if (this.#closing) return;
    const job = await this.store.get(jobId);
    if (!job) return;
    if (!(await this.store.transition(jobId, [job.status === 'paused' ? 'paused' : job.status === 'queued' ? 'queued' : 'running'], 'running', null))) return;
    const stop = new AbortController();
    const cancel = new AbortController();
    this.#cancels.set(jobId, cancel);
    const onLease = () => stop.abort();
    leaseSignal.addEventListener('abort', onLease);
    cancel.signal.addEventListener('abort', () => stop.abort());
    // A cancel or pause saved by another instance reaches this one at the next look.
    const watch = setInterval(() => {
      this.store.get(jobId).then((current) => {
        if (current?.status === 'cancelled') cancel.abort();
        else if (current?.status !== 'running') stop.abort();
      }, () => undefined);
    }, this.#options.statusPollMs);
    const identity: Identity = { projectId: job.project_id, role: job.role, ...(job.user_id ? { userId: job.user_id } : {}), ...(job.client_key_id ? { clientKeyId: job.client_key_id } : {}) };
    const state: JobState = { job, identity, options: JSON.parse(job.options) as JobOptions, stop, cancel, itemSignal: AbortSignal.any([cancel.signal, leaseSignal]), lease };
    try {
      // At once: each may wait a while for OpenRouter to show its generation.
      await Promise.all((await this.store.running(jobId)).map((item) => this.#recover(state, item)));
      await Promise.all(Array.from({ length: this.#options.itemsPerJob }, () => this.#work(state)));
      if (!stop.signal.aborted && !this.#closing) {
        const summary = await this.store.summary(jobId);
        if (summary && summary.counts.pending === 0 && summary.counts.running === 0) await this.store.transition(jobId, ['running'], 'completed');
      }
    } finally {
      clearInterval(watch);
      leaseSignal.removeEventListener('abort', onLease);
      this.#cancels.delete(jobId);
    }
  }

  async #work(state: JobState): Promise<void> {
    while (!state.stop.signal.aborted && !this.#closing) {
      const release = await this.#projectSlot(state.job.project_id, state.stop.signal);
      if (!release) return;
      try {
        // A lease not renewed in time may be another worker's already (this process was paused): no item starts on it.
        if (state.stop.signal.aborted || this.#closing || !state.lease.held()) return;
        const item = await this.store.startNext(state.job.id);
        if (!item) return;
        await this.#runItem(state, item);
      } finally {
        release();
      }
    }
  }

  async #runItem(state: JobState, started: ItemRow): Promise<void> {
    const { job } = state;
    let item = started;
    for (;;) {
      try {
        const body = requestOf(job.kind, item, state.options);
        const answer = await runItem(this.context, state.identity, job.kind === 'embeddings' ? 'embeddings' : 'chat', body, {
          jobId: job.id,
          signal: state.itemSignal,
          sent: (requestId) => this.store.markSent(item, requestId),
          generation: (id) => this.store.markGeneration(item, id),
        });
        return await this.#saveResult(state, item, { ...answer, output: outputOf(job.kind, item, state.options, answer) });
      } catch (thrown) {
        const failure = thrown instanceof ItemFailure ? thrown : undefined;
        // A summary that does not match its schema is the model's failure, worth another attempt.
        const error = failure?.error ?? (thrown instanceof GatewayError ? thrown : undefined);
        if (state.cancel.signal.aborted) return void (await this.store.cancelItem(item, failure?.requestId));
        // The worker lost the job (or the gateway is closing): the item stays running for the next worker to settle.
        if (state.itemSignal.aborted || (this.#closing && error?.code === 'service_unavailable' && !failure?.admitted)) return;
        const rateLimitWaitMs = error?.code === 'rate_limit_exceeded' ? Math.min(this.#options.maxRateLimitWaitMs, Math.max(100, (error.options.retryAfterSeconds ?? 1) * 1000)) : 0;
        // The gateway's own rate limit refused it before it was sent: it waits its turn, however often. OpenRouter's
        // 429 is an attempt like a 5xx's (tried again after its Retry-After, up to maxAttempts), never retried forever.
        if (rateLimitWaitMs > 0 && !failure?.admitted) {
          if (!(await this.#wait(rateLimitWaitMs, state.stop.signal))) return void (await this.store.requeue(item, false));
          const again = await this.#startAgain(state, item, false);
          if (!again) return;
          item = again;
          continue;
        }
        if (failure && !failure.admitted && (error?.code === 'quota_exceeded' || error?.code === 'service_unavailable')) {
          // A spend cap or the emergency stop: nothing was sent; the whole job waits, and tries again later.
          await this.store.requeue(item, false);
          await this.store.transition(job.id, ['running'], 'paused', this.context.redact(error.message), Date.now() + this.#options.pauseRecheckMs);
          state.stop.abort();
          return;
        }
        const code = error?.code ?? 'internal_error';
        // `attempts` counts the attempt that just failed: the item was started (or started again) with it.
        if (TRANSIENT.has(code) && item.attempts < this.#options.maxAttempts) {
          // Killed while it waits, this worker leaves the item to be run again, not failed as maybe billed.
          await this.store.endAttempt(item);
          if (await this.#wait(Math.max(rateLimitWaitMs, Math.min(30_000, this.#options.backoffMs * 2 ** (item.attempts - 1))), state.stop.signal)) {
            const again = await this.#startAgain(state, item, true);
            if (!again) return;
            item = again;
            continue;
          }
          return void (await this.store.requeue(item, true));
        }
        const message = error ? this.context.redact(error.message) : 'The item failed in the gateway.';
        if (!error) this.context.logger.error('a job item failed', { error: thrown, jobId: job.id, position: item.position });
        await this.store.fail(item, { code, message, requestId: failure?.requestId });
        return;
      }
    }
  }

  /**
   * The next attempt of an item that waited (a backoff, a rate limit), or undefined when it must not be sent: the job
   * was cancelled on another instance (this one sees that at its next look), or this worker's lease lapsed meanwhile
   * (its process was paused), so the worker that took the job over runs the item.
   */
  async #startAgain(state: JobState, item: ItemRow, countAttempt: boolean): Promise<ItemRow | undefined> {
    if (!state.lease.held()) return undefined;
    return this.store.startAgain(item, countAttempt);
  }

  /**
   * Saves a finished item's result. Its answer is billed and in hand, so a database that refuses the write for a
   * moment (restarting, failing over) is asked again while this worker holds the job. A worker that loses the job
   * first leaves the item running: the next one settles it through its generation, never billing it twice.
   */
  async #saveResult(state: JobState, item: ItemRow, result: ItemResult): Promise<void> {
    for (let waitMs = FIRST_WAIT_MS; ; waitMs = Math.min(waitMs * 2, MAX_WAIT_MS)) {
      try {
        return await this.store.complete(item, result);
      } catch (error) {
        const holding = !state.stop.signal.aborted && state.lease.held();
        this.context.logger.warn(holding ? 'the result of a job item could not be saved; it is saved again in a moment' : 'the result of a job item could not be saved; the next worker on its job settles it', { error, jobId: state.job.id, position: item.position });
        if (!holding || !(await this.#wait(waitMs, state.stop.signal))) return;
      }
    }
  }

  /**
   * Settles an item a dead worker left running. Never sent: run it. Sent with no generation id: OpenRouter may have
   * billed it and nobody can tell, so it goes to the dead-letter list. Sent with a generation id: OpenRouter answered
   * it, so it is never run again by itself. Its generation is looked up: free, run it; billed, record that cost and
   * keep it in the dead-letter list (its answer is lost). When OpenRouter still does not show it, the item goes to the
   * dead-letter list as maybe billed, with an estimate in the ledger that the ledger reconciles later.
   */
  async #recover(state: JobState, item: ItemRow): Promise<void> {
    if (item.sent_at === null) return this.store.requeue(item, false);
    const generationId = item.generation_id;
    if (generationId === null) {
      const settled = await this.store.fail(item, { code: 'worker_lost', message: MAYBE_BILLED });
      // Its note in flight becomes its record once its instance is found gone. On Postgres the note is written alongside
      // the upstream call, so a worker killed just after sending left none, and OpenRouter may have billed the request.
      if (settled && item.request_id !== null && !(await this.store.requestTraced(item.request_id))) {
        this.context.usage.record(await this.#untracedItemRecord(state, item, item.request_id));
      }
      return;
    }
    const found = await this.#lostGeneration(state, item, generationId);
    // The worker lost the job, or it was paused: the item stays running for the next worker to settle.
    if (found === 'stopped') return;
    if (found !== 'unknown' && found.costUsd <= 0) return this.store.requeue(item, false);
    const figures = found === 'unknown' ? undefined : found;
    // The item names the request of its record, so that the job's cost counts that record once.
    const requestId = item.request_id ?? newRequestId();
    const failure = figures ? { code: 'worker_lost', message: BILLED_WITHOUT_ANSWER, costUsd: figures.costUsd, requestId } : { code: 'worker_lost', message: MAYBE_BILLED, requestId };
    const settled = await this.store.fail(item, failure);
    // Recorded by the one worker that settled the item, unless the worker that lost it recorded it (it lost the job alive).
    if (!settled || (await this.store.ledgerHas(generationId))) return;
    if (!figures) this.context.logger.warn('a job item lost with its worker goes to the dead-letter list as maybe billed: OpenRouter does not show its generation; its cost is estimated', { jobId: state.job.id, position: item.position, generationId });
    this.context.usage.record(await this.#lostItemRecord(state, item, requestId, generationId, figures));
  }

  /**
   * Looks up the generation of an item a dead worker left, with backoff, for `generationWaitMs`: its figures,
   * `unknown` when OpenRouter does not show them by then (or the job was cancelled), or `stopped` when this worker
   * stopped working on the job.
   */
  async #lostGeneration(state: JobState, item: ItemRow, generationId: string): Promise<GenerationFigures | 'unknown' | 'stopped'> {
    const deadline = Date.now() + this.#options.generationWaitMs;
    for (let waitMs = FIRST_WAIT_MS; ; waitMs = Math.min(waitMs * 2, MAX_WAIT_MS)) {
      if (state.cancel.signal.aborted) return 'unknown';
      if (state.stop.signal.aborted) return 'stopped';
      // A thrown error (a 5xx, a timeout) is asked again, like a 404 while OpenRouter's record lags.
      const found = await this.lookupGeneration({ requestId: item.key, projectId: state.job.project_id, generationId }, state.stop.signal).catch(() => 'pending' as const);
      if (typeof found === 'object') return found;
      const left = deadline - Date.now();
      if (found === 'failed' || left <= 0) return state.stop.signal.aborted && !state.cancel.signal.aborted ? 'stopped' : 'unknown';
      await this.#wait(Math.min(waitMs, left), state.stop.signal);
    }
  }

  /**
   * The ledger record of a lost item's generation: OpenRouter's figures, or without them an estimate from its prompt,
   * which the ledger reconciles through the generation id once OpenRouter shows it, however late. It takes the id of
   * the item's request, whose note in flight also becomes a record when its instance is found gone: the one written
   * first stands (this one replaces a note's worst case).
   */
  async #lostItemRecord(state: JobState, item: ItemRow, requestId: string, generationId: string, figures: GenerationFigures | undefined): Promise<UsageRecord> {
    const { job } = state;
    const body = requestOf(job.kind, item, state.options) as Record<string, unknown>;
    const requestedModel = String(body['model'] ?? '');
    // Feature caps and usage by feature count it; the feature also prices the estimate (its name is not a model).
    const feature = await this.context.features.get(job.project_id, requestedModel).catch(() => undefined);
    return {
      ...lostItemRecordOf(job, item, requestId, feature?.name),
      requestedModel,
      generationId,
      status: 'cancelled',
      errorCode: 'worker_lost',
      promptTokens: figures?.promptTokens ?? 0,
      completionTokens: figures?.completionTokens ?? 0,
      reasoningTokens: figures?.reasoningTokens ?? 0,
      ...(figures ? { costUsd: figures.costUsd } : { promptCharacters: promptCharactersOf(body), lateGeneration: true }),
    };
  }

  /**
   * The record of a lost item's request that left no note: the one its note would have become (`instance_lost`, at
   * the worst case its caps reserved, for good, since no generation names it), so its own record, should the worker
   * have been only cut off, replaces it.
   */
  async #untracedItemRecord(state: JobState, item: ItemRow, requestId: string): Promise<UsageRecord> {
    const { job } = state;
    const body = requestOf(job.kind, item, state.options) as Record<string, unknown>;
    const planned = await estimateJobItem(this.context, state.identity, job.kind, JSON.parse(item.input), state.options).catch(() => undefined);
    const tokens = worstCaseTokensOf(planned?.estimate);
    return {
      ...lostItemRecordOf(job, item, requestId, planned?.feature),
      requestedModel: String(body['model'] ?? ''),
      status: 'error',
      errorCode: INSTANCE_LOST,
      promptTokens: tokens.prompt,
      completionTokens: tokens.completion,
      reasoningTokens: 0,
      // Without a plan (the feature changed since), an estimate from its prompt, priced by the ledger.
      ...(planned ? { costUsd: planned.estimate.costUsd, costBasis: 'worst_case' as const } : { promptCharacters: promptCharactersOf(body) }),
    };
  }

  /** Waits unless stopped first; true when the wait ran its course. */
  async #wait(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await delay(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  /** One of the project's item slots on this instance; undefined when stopped while waiting. */
  async #projectSlot(projectId: string, signal: AbortSignal): Promise<(() => void) | undefined> {
    while ((this.#projectSlots.get(projectId) ?? 0) >= this.#options.itemsPerProject) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const waiters = this.#slotWaiters.get(projectId) ?? [];
        // Woken by a slot let go, or stopped: either way it leaves the line, so a slot let go later wakes a live waiter
        // (another job's), not this one's stale place.
        const wake = () => {
          signal.removeEventListener('abort', wake);
          const at = waiters.indexOf(wake);
          if (at !== -1) waiters.splice(at, 1);
          resolve();
        };
        waiters.push(wake);
        this.#slotWaiters.set(projectId, waiters);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) return undefined;
    this.#projectSlots.set(projectId, (this.#projectSlots.get(projectId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#projectSlots.set(projectId, (this.#projectSlots.get(projectId) ?? 1) - 1);
      this.#slotWaiters.get(projectId)?.shift()?.();
    };
  }
}

/** What a job keeps besides its items: the summarization options. */
export interface JobOptions {
  summarize?: SummarizeOptions;
}

interface JobState {
  job: JobRow;
  identity: Identity;
  options: JobOptions;
  /** Stops taking items: cancelled, paused, or the lease lost. */
  stop: AbortController;
  cancel: AbortController;
  /** Aborts items in flight: a cancel, or the worker lost the job. */
  itemSignal: AbortSignal;
  lease: JobLease;
}

/** The request an item sends: its body as given, or the summarization chat of its article. */
export function requestOf(kind: JobRow['kind'], item: Pick<ItemRow, 'input'>, options: JobOptions): unknown {
  const input = JSON.parse(item.input) as unknown;
  if (kind !== 'summarize') return input;
  return summarizeChatBody(input as Article, options.summarize as SummarizeOptions);
}

function outputOf(kind: JobRow['kind'], item: ItemRow, options: JobOptions, answer: ItemAnswer): unknown {
  if (kind === 'summarize') {
    const article = JSON.parse(item.input) as Article;
    return { id: article.id, ...parseSummary(String(answer.content), options.summarize as SummarizeOptions) };
  }
  return kind === 'chat' ? { content: answer.content } : { data: answer.content };
}

/** What every record of a lost item's request says: whose it is, which job, when it was sent; its latency is unknown. */
function lostItemRecordOf(job: JobRow, item: ItemRow, requestId: string, feature: string | undefined) {
  return {
    requestId,
    endpoint: job.kind === 'embeddings' ? ('embeddings' as const) : ('chat' as const),
    projectId: job.project_id,
    ...(job.user_id ? { userId: job.user_id } : {}),
    ...(job.client_key_id ? { clientKeyId: job.client_key_id } : {}),
    ...(feature ? { feature } : {}),
    streamed: job.kind !== 'embeddings',
    latencyMs: 0,
    attempts: 1,
    startedAt: new Date(item.sent_at ?? Date.now()),
    jobId: job.id,
  } satisfies Partial<UsageRecord>;
}
