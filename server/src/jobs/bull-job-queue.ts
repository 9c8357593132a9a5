import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { GatewayInstance } from '../gateway-instance.js';
import type { GatewayLogger } from '../logger.js';
import { createRedisClient, isRedisUnavailableError } from '../net/redis-client.js';
import { holdLease, workerIdOf } from './job-lease.js';
import { JobQueueUnavailableError, type JobQueue, type JobWork } from './job-queue.js';
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
  /** The longest `enqueue` waits for Redis to take a job; a Redis known to be down fails it at once. Default 5 s. */
  enqueueTimeoutMs?: number | undefined;
  /**
   * How often a worker offers again the jobs that have waited a lease for a worker with none taking them (their
   * entries lost with Redis). Default: the lease.
   */
  sweepMs?: number | undefined;
  /** The gateway instance the worker belongs to, named in the leases it holds (see `workerIdOf`). */
  instance?: Pick<GatewayInstance, 'id'> | undefined;
}

const QUEUE_NAME = 'insforge-ai-jobs';
/** Jobs offered again at once when Redis is back; more wait for the next time it comes back, or a resume. */
const OFFER_AGAIN_LIMIT = 1_000;

/**
 * Batch jobs on BullMQ (Redis): every gateway instance is a worker, a job whose instance dies is found stalled and
 * given to another, and a job cut short (a shutdown) is tried again after a delay. The job's lease in the database
 * stays the one guard that no two workers ever run the same job: a BullMQ job whose database job is held elsewhere
 * is retried later.
 * @example
 * const queue = new BullJobQueue({ store, logger, redisUrl: process.env.REDIS_URL });
 */
export class BullJobQueue implements JobQueue {
  /** Which instance holds a job (in `batch_jobs.locked_by`). */
  readonly workerId: string;
  readonly #queue: Queue;
  /** The queue's own connection: adding a job fails on it at once while Redis is down, instead of waiting. */
  readonly #adding: Redis;
  readonly #connections: Redis[] = [];
  #worker: Worker | undefined;
  readonly #leases = new Set<{ abort(): void }>();
  /** Whether the first connection to Redis answered or failed: before, `enqueue` waits for it. */
  #firstAttempted = false;
  #offering = false;
  #sweep: NodeJS.Timeout | undefined;

  constructor(private readonly options: BullJobQueueOptions) {
    this.workerId = workerIdOf('bull-worker', options.instance);
    // Never queued in the client nor retried: a job whose offer cannot reach Redis now is for the caller to handle.
    this.#adding = this.#connect({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.#adding.once('ready', () => (this.#firstAttempted = true)).once('error', () => (this.#firstAttempted = true));
    // Each time Redis is up again, the jobs the database says have work are offered again: an offer may have failed
    // meanwhile (a job resumed or retried while Redis was down), or been lost with a Redis that keeps nothing on disk.
    this.#adding.on('ready', () => void this.#offerWaiting());
    this.#queue = new Queue(QUEUE_NAME, { connection: this.#adding, prefix: options.prefix ?? 'insforge-ai' });
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
    if (this.#firstAttempted && this.#adding.status !== 'ready') throw new JobQueueUnavailableError('Redis for batch jobs is unreachable.');
    const timeoutMs = this.options.enqueueTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new JobQueueUnavailableError(`Redis for batch jobs did not take the job within ${timeoutMs} ms.`)), timeoutMs);
    });
    try {
      await Promise.race([this.#add(jobId, 0), late]);
    } catch (error) {
      if (error instanceof JobQueueUnavailableError || !isRedisUnavailableError(error)) throw error;
      throw new JobQueueUnavailableError('Redis for batch jobs is unreachable.', { cause: error });
    } finally {
      clearTimeout(timer);
    }
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
        const claimedAt = performance.now();
        const claimed = await store.claimById(jobId, this.workerId, leaseMs);
        if (!claimed) {
          const job = await store.get(jobId);
          // Finished, cancelled, or paused: nothing to do. Otherwise another worker holds it (or held it and died).
          if (!job || job.status === 'completed' || job.status === 'cancelled' || job.status === 'paused') return;
          throw new Error('the job is held by another worker');
        }
        const lease = holdLease(store, jobId, this.workerId, leaseMs, this.options.logger, claimedAt);
        this.#leases.add(lease);
        try {
          await work(jobId, lease);
        } finally {
          lease.end();
          this.#leases.delete(lease);
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
    this.#worker.on('error', (error) => {
      if (!isJobEntryError(error)) return this.#reportDown(error);
      // Redis answered: it is up. Taken for an outage, this was reported as one, and hid the next real one.
      this.options.logger.warn("a batch job's entry in BullMQ lapsed or is gone (this instance was paused or too busy to renew its lock, or Redis lost it); the database lease keeps the job on one worker", { error });
    });
    this.#worker.on('ready', () => (this.#down = false));
    // Offering again when Redis is back misses a job a live worker held then: its entry went with Redis, and when that
    // worker dies nothing in Redis stalls or retries it. Each worker looks for such jobs, about once a lease.
    this.#sweep = setInterval(() => void this.#offerStranded(leaseMs), this.options.sweepMs ?? leaseMs);
    this.#sweep.unref();
  }

  stopTaking(): void {
    this.#stopped = true;
    clearInterval(this.#sweep);
    // Active jobs go on; none is fetched after this.
    void this.#worker?.pause(true).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const lease of this.#leases) lease.abort();
    // With Redis gone, BullMQ's close would wait for it: after a grace, the connections are cut instead.
    const closed = Promise.all([this.#worker?.close(), this.#queue.close()]).catch(() => undefined);
    // The grace's timer goes once BullMQ closed: left running, it held the process open for the rest of the grace.
    const grace = new AbortController();
    const graceOver = delay(this.#down ? 0 : this.options.closeTimeoutMs ?? 5_000, undefined, { signal: grace.signal }).catch(() => undefined);
    await Promise.race([closed, graceOver]);
    grace.abort();
    for (const connection of this.#connections) connection.disconnect();
  }

  /** Offers again every job with work left that no worker holds (see the constructor); a paused one for its time. */
  async #offerWaiting(): Promise<void> {
    this.#down = false;
    if (this.#offering || this.#stopped) return;
    this.#offering = true;
    try {
      for (const { id, pausedUntil } of await this.options.store.waiting(OFFER_AGAIN_LIMIT)) {
        await this.#add(id, pausedUntil === null ? 0 : Math.max(0, pausedUntil - Date.now()) + 10);
      }
    } catch (error) {
      this.options.logger.warn('the jobs waiting in the database could not be offered to the queue again; they are when Redis is next back', { error });
    } finally {
      this.#offering = false;
    }
  }

  /**
   * Offers again the jobs that have had no worker for a lease (see `start`). Under the job's own id: a job whose
   * entry is still in the queue (waiting, active, retrying) is not added twice.
   */
  async #offerStranded(leaseMs: number): Promise<void> {
    if (this.#offering || this.#stopped || this.#adding.status !== 'ready') return;
    this.#offering = true;
    try {
      const stranded = await this.options.store.stranded(OFFER_AGAIN_LIMIT, Date.now() - leaseMs);
      // In one round trip: a backlog of jobs waiting for a worker is found here each time, and deduplicated by BullMQ.
      if (stranded.length > 0) await this.#queue.addBulk(stranded.map((jobId) => ({ name: 'job', data: { jobId }, opts: this.#entryOptions(jobId, 0) })));
    } catch (error) {
      this.options.logger.warn('the jobs no worker took could not be offered to the queue again; they are at the next look', { error });
    } finally {
      this.#offering = false;
    }
  }

  async #add(jobId: string, delayMs: number): Promise<void> {
    await this.#queue.add('job', { jobId }, this.#entryOptions(jobId, delayMs));
  }

  #entryOptions(jobId: string, delayMs: number): JobsOptions {
    return {
      // One waiting entry per job and moment: a job offered twice at once is worked once.
      jobId: delayMs > 0 ? `${jobId}.${Date.now() + delayMs}` : jobId,
      delay: delayMs,
      attempts: 100_000,
      backoff: { type: 'fixed', delay: this.options.retryDelayMs ?? 2_000 },
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  /** A connection of its own; by default one whose commands wait as long as Redis does, as BullMQ's blocking reads need. */
  #connect(options: { maxRetriesPerRequest: number | null; enableOfflineQueue?: boolean } = { maxRetriesPerRequest: null }): Redis {
    const connection = createRedisClient(this.options.redisUrl, options);
    connection.on('error', () => undefined);
    this.#connections.push(connection);
    return connection;
  }
}

/**
 * BullMQ's errors about one job's entry, from a Redis that answered: its lock could not be renewed (lapsed, taken by
 * the stalled-job check) or its key is gone (a Redis restarted without persistence). These carry BullMQ's numeric
 * error code or its lock renewal message; a connection's errors carry a string code or ioredis' messages.
 */
function isJobEntryError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return typeof (error as { code?: unknown }).code === 'number' || error.message.startsWith('could not renew lock for job ');
}
