import { randomUUID } from 'node:crypto';
import type { GatewayLogger } from '../logger.js';
import type { JobQueue, JobWork } from './job-queue.js';
import type { JobStore } from './job-store.js';

export interface DatabaseJobQueueOptions {
  store: JobStore;
  logger: GatewayLogger;
  /** Jobs this instance works on at once. Default 2. */
  concurrency?: number | undefined;
  /** How long a job stays with a worker that stopped renewing (it died). Default 15 s. */
  leaseMs?: number | undefined;
  /** How often idle workers look for jobs another instance created. Default 1 s. */
  pollMs?: number | undefined;
}

/**
 * A durable queue in the gateway's database, for one machine or several on one Postgres: a worker takes a job
 * with a lease (`locked_until`) and renews it while it works; when its instance dies the lease runs out and the
 * next instance that polls takes the job over.
 * @example
 * const queue = new DatabaseJobQueue({ store, logger });
 * queue.start((jobId, signal) => runner.run(jobId, signal));
 */
export class DatabaseJobQueue implements JobQueue {
  // The process id says which instance holds a job (in `batch_jobs.locked_by`).
  readonly workerId = `db-worker-${process.pid}-${randomUUID()}`;
  readonly #options: { [K in 'concurrency' | 'leaseMs' | 'pollMs']-?: number };
  readonly #working = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #work: JobWork | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly queue: DatabaseJobQueueOptions) {
    this.#options = { concurrency: 2, leaseMs: 15_000, pollMs: 1_000, ...omitUndefined({ concurrency: queue.concurrency, leaseMs: queue.leaseMs, pollMs: queue.pollMs }) };
  }

  async enqueue(_jobId: string): Promise<void> {
    // The job row is the queue entry; a local worker looks at once rather than at the next poll.
    this.#wake();
  }

  start(work: JobWork): void {
    this.#work = work;
    this.#wake();
  }

  stopTaking(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#polling;
    for (const { abort } of this.#working.values()) abort.abort();
    await Promise.all([...this.#working.values()].map(({ done }) => done));
  }

  #wake(): void {
    if (this.#closed || !this.#work) return;
    clearTimeout(this.#timer);
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#wake(), this.#options.pollMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    const work = this.#work;
    if (!work) return;
    try {
      while (!this.#closed && this.#working.size < this.#options.concurrency) {
        const job = await this.queue.store.claim(this.workerId, this.#options.leaseMs);
        if (!job) return;
        this.#run(job.id, work);
      }
    } catch (error) {
      this.queue.logger.error('the job queue could not read the database', { error });
    }
  }

  #run(jobId: string, work: JobWork): void {
    const abort = new AbortController();
    const { store, logger } = this.queue;
    const renew = setInterval(() => {
      store.renew(jobId, this.workerId, this.#options.leaseMs).then(
        (held) => {
          if (!held) abort.abort();
        },
        (error: unknown) => logger.warn('a job lease could not be renewed', { error, jobId }),
      );
    }, Math.max(50, Math.floor(this.#options.leaseMs / 3)));
    const done = work(jobId, abort.signal)
      .catch((error: unknown) => logger.error('a job failed in its worker', { error, jobId }))
      .finally(async () => {
        clearInterval(renew);
        this.#working.delete(jobId);
        await store.release(jobId, this.workerId).catch(() => undefined);
        this.#wake();
      });
    this.#working.set(jobId, { abort, done });
  }
}

function omitUndefined<T extends Record<string, unknown>>(value: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}
