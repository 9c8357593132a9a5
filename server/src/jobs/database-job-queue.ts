import { performance } from 'node:perf_hooks';
import type { GatewayInstance } from '../gateway-instance.js';
import type { GatewayLogger } from '../logger.js';
import { holdLease, workerIdOf } from './job-lease.js';
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
  /** The gateway instance the worker belongs to, named in the leases it holds (see `workerIdOf`). */
  instance?: Pick<GatewayInstance, 'id'> | undefined;
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
  /** Which instance holds a job (in `batch_jobs.locked_by`). */
  readonly workerId: string;
  readonly #options: { [K in 'concurrency' | 'leaseMs' | 'pollMs']-?: number };
  readonly #working = new Map<string, { lease: { abort(): void }; done: Promise<void> }>();
  #work: JobWork | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly queue: DatabaseJobQueueOptions) {
    this.workerId = workerIdOf('db-worker', queue.instance);
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
    for (const { lease } of this.#working.values()) lease.abort();
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
        const claimedAt = performance.now();
        const job = await this.queue.store.claim(this.workerId, this.#options.leaseMs);
        if (!job) return;
        this.#run(job.id, work, claimedAt);
      }
    } catch (error) {
      this.queue.logger.error('the job queue could not read the database', { error });
    }
  }

  #run(jobId: string, work: JobWork, claimedAt: number): void {
    const { store, logger } = this.queue;
    const lease = holdLease(store, jobId, this.workerId, this.#options.leaseMs, logger, claimedAt);
    const done = work(jobId, lease)
      .catch((error: unknown) => logger.error('a job failed in its worker', { error, jobId }))
      .finally(async () => {
        lease.end();
        this.#working.delete(jobId);
        await store.release(jobId, this.workerId).catch(() => undefined);
        this.#wake();
      });
    this.#working.set(jobId, { lease, done });
  }
}

function omitUndefined<T extends Record<string, unknown>>(value: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}
