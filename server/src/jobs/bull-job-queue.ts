import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GatewayLogger } from '../logger.js';
import { createRedisClient } from '../net/redis-client.js';
import type { JobQueue, JobWork } from './job-queue.js';
import type { JobStore } from './job-store.js';

export interface BullJobQueueOptions {
  store: JobStore;
  logger: GatewayLogger;
  redisUrl: string;
  /** BullMQ's key prefix; instances that share a Redis and a database share a prefix. Default `insforge-ai`. */
  prefix?: string | undefined;
  /** Jobs this instance works on at once. Default 2. */
  concurrency?: number | undefined;
  /** The database lease of a job, renewed while it is worked on. Default 15 s. */
  leaseMs?: number | undefined;
  /** BullMQ's lock on a job: a worker that stops renewing it for this long is stalled, and its job goes back in line. Default 30 s. */
  lockMs?: number | undefined;
  /** The wait before a job that could not be worked on (held elsewhere, cut short by a shutdown) is offered again. Default 2 s. */
  retryDelayMs?: number | undefined;
  /** The longest `close` waits for BullMQ before cutting its connections. Default 5 s. */
  closeTimeoutMs?: number | undefined;
}

const QUEUE_NAME = 'insforge-ai-jobs';

/**
 * Batch jobs on BullMQ (Redis): every gateway instance is a worker, a job whose instance dies is found stalled and
 * given to another, and a job cut short (a shutdown) is tried again after a delay. The job's lease in the database
 * stays the one guard that no two workers ever run the same job: a BullMQ job whose database job is held elsewhere
 * is retried later.
 * @example
 * const queue = new BullJobQueue({ store, logger, redisUrl: process.env.REDIS_URL });
 */
export class BullJobQueue implements JobQueue {
  // The process id says which instance holds a job (in `batch_jobs.locked_by`).
  readonly workerId = `bull-worker-${process.pid}-${randomUUID()}`;
  readonly #queue: Queue;
  readonly #connections: Redis[] = [];
  #worker: Worker | undefined;
  readonly #aborts = new Set<AbortController>();

  constructor(private readonly options: BullJobQueueOptions) {
    this.#queue = new Queue(QUEUE_NAME, { connection: this.#connect(), prefix: options.prefix ?? 'insforge-ai' });
    this.#queue.on('error', (error) => this.#reportDown(error));
  }

  #down = false;
  #stopped = false;

  /** Redis is unreachable: said once, until it answers again (ioredis reconnects by itself). */
  #reportDown(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.options.logger.error('Redis for batch jobs is unreachable', { error });
  }

  async enqueue(jobId: string): Promise<void> {
    await this.#add(jobId, 0);
  }

  start(work: JobWork): void {
    const { store } = this.options;
    const leaseMs = this.options.leaseMs ?? 15_000;
    this.#worker = new Worker(
      QUEUE_NAME,
      async (bullJob: Job<{ jobId: string }>) => {
        const { jobId } = bullJob.data;
        // Fetched while the worker was pausing: handed back, for another instance after the retry delay.
        if (this.#stopped) throw new Error('this instance is shutting down');
        const claimed = await store.claimById(jobId, this.workerId, leaseMs);
        if (!claimed) {
          const job = await store.get(jobId);
          // Finished, cancelled, or paused: nothing to do. Otherwise another worker holds it (or held it and died).
          if (!job || job.status === 'completed' || job.status === 'cancelled' || job.status === 'paused') return;
          throw new Error('the job is held by another worker');
        }
        const abort = new AbortController();
        this.#aborts.add(abort);
        const renew = setInterval(() => {
          store.renew(jobId, this.workerId, leaseMs).then((held) => held || abort.abort(), () => undefined);
        }, Math.max(50, Math.floor(leaseMs / 3)));
        try {
          await work(jobId, abort.signal);
        } finally {
          clearInterval(renew);
          this.#aborts.delete(abort);
          await store.release(jobId, this.workerId).catch(() => undefined);
        }
        const after = await store.get(jobId);
        if (after?.status === 'paused' && after.paused_until !== null) await this.#add(jobId, Math.max(0, after.paused_until - Date.now()) + 10);
        // Cut short with items left (this instance is shutting down, or lost the lease): another worker goes on.
        else if (after?.status === 'running' || after?.status === 'queued') throw new Error('the job was cut short');
      },
      {
        connection: this.#connect(),
        prefix: this.options.prefix ?? 'insforge-ai',
        concurrency: this.options.concurrency ?? 2,
        lockDuration: this.options.lockMs ?? 30_000,
        stalledInterval: Math.max(1_000, Math.floor((this.options.lockMs ?? 30_000) / 2)),
        // A job found stalled again and again is still ours to finish: the database says what is left.
        maxStalledCount: 1_000,
      },
    );
    this.#worker.on('error', (error) => this.#reportDown(error));
    this.#worker.on('ready', () => (this.#down = false));
  }

  stopTaking(): void {
    this.#stopped = true;
    // Active jobs go on; none is fetched after this.
    void this.#worker?.pause(true).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const abort of this.#aborts) abort.abort();
    // With Redis gone, BullMQ's close would wait for it: after a grace, the connections are cut instead.
    const closed = Promise.all([this.#worker?.close(), this.#queue.close()]).catch(() => undefined);
    // The grace's timer goes once BullMQ closed: left running, it held the process open for the rest of the grace.
    const grace = new AbortController();
    const graceOver = delay(this.#down ? 0 : this.options.closeTimeoutMs ?? 5_000, undefined, { signal: grace.signal }).catch(() => undefined);
    await Promise.race([closed, graceOver]);
    grace.abort();
    for (const connection of this.#connections) connection.disconnect();
  }

  async #add(jobId: string, delayMs: number): Promise<void> {
    await this.#queue.add('job', { jobId }, {
      // One waiting entry per job and moment: a job offered twice at once is worked once.
      jobId: delayMs > 0 ? `${jobId}.${Date.now() + delayMs}` : jobId,
      delay: delayMs,
      attempts: 100_000,
      backoff: { type: 'fixed', delay: this.options.retryDelayMs ?? 2_000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  #connect(): Redis {
    // BullMQ's blocking reads need commands that wait as long as Redis does.
    const connection = createRedisClient(this.options.redisUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    this.#connections.push(connection);
    return connection;
  }
}
