import { createHash } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import { GatewayError, renameParam } from '../errors.js';
import { prepareChat } from '../gateway/chat.js';
import { parseChatRequest, parseRequest } from '../gateway/chat-request.js';
import type { GatewayContext } from '../gateway/context.js';
import { estimateChat, estimateEmbeddings } from '../gateway/quota-estimate.js';
import { resolveTarget } from '../gateway/resolve-target.js';
import type { LimitStatus, QuotaEstimate } from '../limits/quota-guard.js';
import { embeddingsRequestSchema } from '../gateway/embeddings-request.js';
import { JobQueueUnavailableError, type JobQueue } from './job-queue.js';
import type { JobOptions, JobRunner } from './job-runner.js';
import type { JobKind, JobRow, JobStore, JobSummary } from './job-store.js';
import { inSummarizeRequest, summarizeChatBody, type Article, type SummarizeOptions } from './summarize-request.js';

/** The caps a job's worst case is checked against when it is created: those counted per day or month. */
const BUDGET_KINDS = new Set<LimitStatus['kind']>(['tokensPerDay', 'spendPerDayUsd', 'spendPerMonthUsd']);

const usd = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;

/**
 * Creates, cancels, resumes and retries batch jobs. A job is checked whole before it is stored: every item must be
 * a request its feature's policy accepts, and its worst case must fit the spend and token caps left, or it is
 * refused with the reason.
 */
export class JobService {
  constructor(
    private readonly context: GatewayContext,
    readonly store: JobStore,
    private readonly queue: JobQueue,
    private readonly runner: JobRunner,
  ) {}

  /**
   * A job of chat or embeddings requests (the bodies one would send to `/v1/…`) or of articles to summarize. With an
   * `idempotencyKey`, the caller's job of that key if there is one (the same request sent again), else a new one.
   * Refused with a 503 when its queue cannot take it: the job is then not kept, so it never runs behind the caller's
   * back.
   */
  async create(identity: Identity, kind: JobKind, items: readonly unknown[], options: JobOptions = {}, { idempotencyKey }: { idempotencyKey?: string | undefined } = {}): Promise<JobSummary> {
    const keyedId = idempotencyKey === undefined ? undefined : idempotentJobId(identity, idempotencyKey);
    const earlier = keyedId === undefined ? undefined : await this.#sameJob(keyedId, kind, items, options);
    if (earlier) return this.#queuedOnce(earlier.job.id);
    const byFeature = new Map<string | undefined, QuotaEstimate>();
    const total: QuotaEstimate = { tokens: 0, costUsd: 0 };
    for (const [index, item] of items.entries()) {
      const { feature, estimate } = await estimateJobItem(this.context, identity, kind, item, options).catch((error: unknown) => {
        throw inItem(error, kind, index);
      });
      const sum = byFeature.get(feature) ?? { tokens: 0, costUsd: 0 };
      sum.tokens += estimate.tokens;
      sum.costUsd += estimate.costUsd;
      byFeature.set(feature, sum);
      total.tokens += estimate.tokens;
      total.costUsd += estimate.costUsd;
    }
    for (const [feature, estimate] of byFeature) {
      for (const status of await this.context.quota.consumption({ identity, feature })) {
        if (!BUDGET_KINDS.has(status.kind)) continue;
        const needed = status.scope === 'feature' ? estimate : total;
        const money = status.kind !== 'tokensPerDay';
        const asked = money ? needed.costUsd : needed.tokens;
        if (asked <= status.remaining) continue;
        const what = status.scope === 'feature' ? `the "${status.target}" feature's` : status.scope === 'user' ? 'your' : "this project's";
        const cap = status.kind === 'spendPerMonthUsd' ? 'monthly spend cap' : status.kind === 'spendPerDayUsd' ? 'daily spend cap' : 'daily token cap';
        const amount = (value: number) => (money ? usd(value) : `${Math.ceil(value).toLocaleString('en')} tokens`);
        throw new GatewayError(
          'quota_exceeded',
          `This job of ${items.length} items could use up to ${amount(asked)}, more than the ${amount(status.remaining)} left of ${what} ${cap} (${amount(status.limit)}, resets ${status.resetsAt}). Send fewer items, or ask an admin to raise the cap.`,
          { headers: { 'X-Quota-Limit': `${status.kind}=${status.limit}`, 'X-Quota-Reset': status.resetsAt } },
        );
      }
    }
    const fields = { identity, kind, items, options: { ...options }, worstCaseUsd: total.costUsd };
    const job = keyedId === undefined ? await this.store.create(fields) : await this.store.createOnce(fields, keyedId);
    // Created meanwhile by the same request sent twice at once (withdrawn since, if its queue refused it).
    if (!job) {
      const same = await this.#sameJob(keyedId as string, kind, items, options);
      if (!same) throw queueUnavailable(undefined);
      return this.#queuedOnce(same.job.id);
    }
    try {
      await this.queue.enqueue(job.id);
    } catch (error) {
      // A worker took it meanwhile (the queue had it after all): it runs, and the caller is told so.
      if (!(await this.store.withdraw(job.id))) return (await this.store.summary(job.id)) as JobSummary;
      if (!(error instanceof JobQueueUnavailableError)) throw error;
      throw queueUnavailable(error);
    }
    return (await this.store.summary(job.id)) as JobSummary;
  }

  /**
   * The job an idempotency key created, for the request sent again. One no worker has taken yet may be a creation
   * still waiting for its queue, which withdraws the job if the queue refuses it: so it is offered again here, and
   * the queue's refusal (or the job withdrawn meanwhile) is this request's 503 too, never a 202 for a job that is gone.
   */
  async #queuedOnce(id: string): Promise<JobSummary> {
    const found = await this.store.summary(id);
    if (found && (found.job.status !== 'queued' || found.job.locked_by !== null)) return found;
    try {
      if (found) await this.queue.enqueue(id);
    } catch (error) {
      if (!(error instanceof JobQueueUnavailableError)) throw error;
      // Its first creation may still keep it (its queue took it before going away): the caller sends its key again.
      throw new GatewayError('service_unavailable', 'The job queue (Redis) cannot be reached right now, so whether the job of this Idempotency-Key is kept is not settled yet; send the request again in a moment, with the same key.', { cause: error, retryAfterSeconds: 5 });
    }
    const summary = await this.store.summary(id);
    if (!summary) throw queueUnavailable(undefined);
    return summary;
  }

  /** Stops a job: items not started are cancelled at once, and those in flight are aborted upstream. */
  async cancel(job: JobRow): Promise<void> {
    const outcome = await this.store.cancel(job.id);
    if (outcome === 'finished') throw new GatewayError('version_conflict', 'The job is completed and cannot be cancelled.');
    if (outcome === 'not-cancellable') throw new GatewayError('version_conflict', `The job is ${job.status} and cannot be cancelled.`);
    await this.store.cancelUnfinished(job.id);
    this.runner.cancelLocal(job.id);
  }

  /** Resumes a paused job now (an admin raised the cap, or the stop was lifted). */
  async resume(job: JobRow): Promise<void> {
    if (!(await this.store.transition(job.id, ['paused'], 'queued'))) throw new GatewayError('version_conflict', `The job is ${job.status}, not paused.`);
    await this.#offerAgain(job.id);
  }

  /** Runs failed items again (the dead-letter list, or some of it): they may be billed again, which is why it is explicit. */
  async retry(job: JobRow, positions: readonly number[] | undefined): Promise<number> {
    if (job.status === 'cancelled') throw new GatewayError('version_conflict', 'The job is cancelled.');
    const count = await this.store.retryFailed(job.id, positions);
    if (count > 0) {
      await this.store.transition(job.id, ['completed', 'paused'], 'queued');
      await this.#offerAgain(job.id);
    }
    return count;
  }

  /**
   * Offers a job the database already holds as queued (resumed, retried): the change stands even when the queue
   * cannot be told now, since the queue offers every waiting job again once its Redis is back.
   */
  async #offerAgain(jobId: string): Promise<void> {
    try {
      await this.queue.enqueue(jobId);
    } catch (error) {
      if (!(error instanceof JobQueueUnavailableError)) throw error;
      this.context.logger.warn('a job could not be offered to the queue now; it is once Redis is back', { error, jobId });
    }
  }

  /**
   * The caller's job of an idempotency key, if it exists: the job a request sent again already created. The same key
   * with another request is refused, so a key never answers for a job it did not ask for.
   */
  async #sameJob(id: string, kind: JobKind, items: readonly unknown[], options: JobOptions): Promise<JobSummary | undefined> {
    const job = await this.store.get(id);
    if (!job) return undefined;
    const inputs = job.kind === kind && job.options === JSON.stringify(options) && job.total === items.length ? await this.store.items(id) : [];
    if (inputs.length !== items.length || inputs.some((item) => item.input !== JSON.stringify(items[item.position]))) {
      throw new GatewayError('invalid_request', 'This Idempotency-Key was sent before with another job. Send a new key for a new job.', { param: 'Idempotency-Key' });
    }
    return this.store.summary(id);
  }

}

/** A job its queue could not take: not kept, so it never runs behind its caller's back. */
function queueUnavailable(cause: JobQueueUnavailableError | undefined): GatewayError {
  return new GatewayError('service_unavailable', 'The job could not be queued: the job queue (Redis) cannot be reached right now. It was not created and will not run; send it again in a moment.', { cause, retryAfterSeconds: 5 });
}

/**
 * Plans one item as the worker will (policy and all) and estimates its worst case: what its request reserves.
 * @example
 * const { feature, estimate } = await estimateJobItem(context, identity, 'chat', { model: 'chat', messages }, {});
 */
export async function estimateJobItem(context: GatewayContext, identity: Identity, kind: JobKind, item: unknown, options: JobOptions): Promise<{ feature: string | undefined; estimate: QuotaEstimate }> {
  if (kind === 'embeddings') {
    const request = parseRequest(embeddingsRequestSchema, item);
    const target = await resolveTarget(context, identity, request.model, 'embedding');
    return { feature: target.isFeature ? target.feature.name : undefined, estimate: await estimateEmbeddings(context, target.models, request.input, target.isFeature ? target.feature.guardrails : undefined) };
  }
  const body = kind === 'summarize' ? summarizeChatBody(item as Article, options.summarize as SummarizeOptions) : item;
  const { stream: _stream, stream_options: _streamOptions, ...request } = parseChatRequest(body);
  const run = await prepareChat(context, identity, request);
  return { feature: run.target.isFeature ? run.target.feature.name : undefined, estimate: await estimateChat(context, run) };
}

/**
 * The id of a caller's job of an idempotency key: a UUID (version 8) from a hash of the key and who sent it, so the
 * key is the caller's alone and a job sent again finds the row it created, with no column or index of its own.
 */
export function idempotentJobId(identity: Identity, key: string): string {
  const hex = createHash('sha256').update(JSON.stringify([identity.projectId, identity.userId ?? null, identity.clientKeyId ?? null, key])).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An item's 400, naming the item: `items.3.messages: …` (a summary's: `articles.3.…`, or `options.feature`). */
function inItem(error: unknown, kind: JobKind, index: number): unknown {
  return kind === 'summarize' ? inSummarizeRequest(error, index) : renameParam(error, (param) => `items.${index}${param ? `.${param}` : ''}`);
}
