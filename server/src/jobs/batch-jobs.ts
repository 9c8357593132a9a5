import { z } from 'zod';
import type { GatewayContext } from '../gateway/context.js';
import type { GatewayInstance } from '../gateway-instance.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { openRouterGenerations } from '../usage/reconciler.js';
import { DatabaseJobQueue } from './database-job-queue.js';
import { freeJobsOfGoneWorkers } from './job-lease.js';
import type { JobQueue } from './job-queue.js';
import { JobRunner } from './job-runner.js';
import { JobService } from './job-service.js';
import { JobStore } from './job-store.js';

export const batchJobOptionsSchema = z
  .object({
    /** Whether this instance works on jobs (every instance accepts them). Default true. */
    worker: z.boolean().optional(),
    /** Jobs this instance works on at once. Default 2. */
    concurrency: z.number().int().min(1).max(100).optional(),
    itemsPerJob: z.number().int().min(1).max(100).optional(),
    itemsPerProject: z.number().int().min(1).max(1_000).optional(),
    maxAttempts: z.number().int().min(1).max(20).optional(),
    backoffMs: z.number().int().min(0).optional(),
    maxRateLimitWaitMs: z.number().int().min(0).optional(),
    pauseRecheckMs: z.number().int().min(10).optional(),
    statusPollMs: z.number().int().min(10).optional(),
    generationWaitMs: z.number().int().min(0).optional(),
    /** How long a job stays with a worker that stopped renewing its lease (its instance died). Default 15 s. */
    leaseMs: z.number().int().min(100).optional(),
    pollMs: z.number().int().min(10).optional(),
    /** BullMQ only: how long a worker may go silent before its job counts as stalled and moves on. Default 30 s. */
    lockMs: z.number().int().min(500).optional(),
    /** BullMQ only: the wait before a job cut short or held elsewhere is offered again. Default 2 s. */
    retryDelayMs: z.number().int().min(10).optional(),
  })
  .strict();

export type BatchJobOptions = z.infer<typeof batchJobOptionsSchema>;

/** The batch jobs of one gateway: the service the routes call, and this instance's worker. */
export interface BatchJobs {
  service: Promise<JobService>;
  /** Stops starting items (shutdown); items in flight are drained with the other requests. */
  stopTaking(): void;
  close(): Promise<void>;
}

/**
 * Starts batch jobs once the database is open: jobs live in the gateway's database, and this instance works on them
 * through a queue: BullMQ when Redis is configured, else leases in the database.
 * @example
 * const jobs = startBatchJobs(context, ready, instance, { itemsPerJob: 8 }, { redisUrl: process.env.REDIS_URL });
 */
export function startBatchJobs(
  context: GatewayContext,
  ready: Promise<GatewayStores>,
  instance: GatewayInstance,
  options: BatchJobOptions = {},
  redis: { url?: string | undefined; keyPrefix?: string | undefined } = {},
): BatchJobs {
  let runner: JobRunner | undefined;
  let queue: JobQueue | undefined;
  let closing = false;
  const service = ready.then(async (stores) => {
    // Leases in the database's clock: an instance whose clock runs ahead does not take over jobs others still run.
    const store = new JobStore(stores.database.db, stores.clock.now);
    runner = new JobRunner(context, store, openRouterGenerations(context.upstream, (projectId) => context.upstreamKey(projectId)), options);
    // A predecessor on this machine that was killed mid-job: its jobs go on now rather than once their leases lapse.
    if (options.worker !== false) {
      const freed = await freeJobsOfGoneWorkers(store, instance).catch((error: unknown) => void context.logger.warn('the jobs of workers gone from this machine could not be freed; they go on once their leases lapse', { error }));
      if (freed) context.logger.info('jobs of a worker gone from this machine go on at once', { jobs: freed });
    }
    // BullMQ (and its Redis client) load only where Redis is configured: a gateway without Redis never holds them.
    const BullJobQueue = redis.url ? (await import('./bull-job-queue.js')).BullJobQueue : undefined;
    queue = BullJobQueue && redis.url
      ? new BullJobQueue({ store, logger: context.logger, instance, redisUrl: redis.url, prefix: redis.keyPrefix ? `${redis.keyPrefix}jobs` : undefined, ...pick(options, ['concurrency', 'leaseMs', 'lockMs', 'retryDelayMs']) })
      : new DatabaseJobQueue({ store, logger: context.logger, instance, ...pick(options, ['concurrency', 'leaseMs', 'pollMs']) });
    const work = runner;
    // Closed while BullMQ was loading: no worker starts (it would hold its Redis connections, and the process, open).
    if (options.worker !== false && !closing) queue.start((jobId, signal) => work.run(jobId, signal));
    return new JobService(context, store, queue, runner);
  });
  // A database that cannot open is reported by the gateway; the jobs routes answer its error.
  service.catch(() => undefined);
  return {
    service,
    stopTaking: () => {
      runner?.stopTaking();
      queue?.stopTaking();
    },
    async close() {
      closing = true;
      runner?.stopTaking();
      // The queue may still be on its way (BullMQ loads on demand): close it once it exists.
      await service.catch(() => undefined);
      await queue?.close();
    },
  };
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) picked[key] = value[key];
  return picked;
}
