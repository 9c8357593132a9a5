import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isGoneProcess, type GatewayInstance } from '../gateway-instance.js';
import type { GatewayLogger } from '../logger.js';
import type { JobLease } from './job-queue.js';
import type { JobStore } from './job-store.js';

/**
 * A worker id that names its gateway instance (`db-worker@host:pid:…`), so that an instance started on the same
 * machine can tell the worker's process is gone and take its jobs at once, instead of after their leases. Without an
 * instance, an id no one can take for gone.
 * @example
 * workerIdOf('db-worker', instance); // 'db-worker@web-1:4121:5f0c9a1e2b7d4c30'
 */
export function workerIdOf(kind: string, instance: Pick<GatewayInstance, 'id'> | undefined): string {
  return instance ? `${kind}@${instance.id}` : `${kind}-${process.pid}-${randomUUID()}`;
}

/** The instance a worker id names (`workerIdOf`), if it names one. */
function instanceOfWorker(workerId: string): Pick<GatewayInstance, 'id' | 'host' | 'pid'> | undefined {
  const id = workerId.slice(workerId.indexOf('@') + 1);
  const parts = id.split(':');
  if (!workerId.includes('@') || parts.length < 3) return undefined;
  const pid = Number(parts[parts.length - 2]);
  return Number.isSafeInteger(pid) && pid > 0 ? { id, host: parts.slice(0, -2).join(':'), pid } : undefined;
}

/**
 * Lets the jobs whose workers' processes are gone from this machine be taken at once (a restart after a crash, where
 * the database is a file only this machine opens): their leases are set to have lapsed, as they would have after
 * `leaseMs`. Answers how many. A worker on another machine, or of an unknown process, keeps its lease.
 * @example
 * await freeJobsOfGoneWorkers(store, instance); // a `serve` killed mid-job: its successor resumes the job now
 */
export async function freeJobsOfGoneWorkers(store: JobStore, self: GatewayInstance): Promise<number> {
  return store.expireLeases((workerId) => {
    const owner = instanceOfWorker(workerId);
    return owner !== undefined && owner.id !== self.id && isGoneProcess(owner, self);
  });
}

/** The part of a lease that may pass before a renewal must have landed: held() says no once less than this is left. */
const MARGIN = 0.1;

/**
 * Holds a job's lease for a worker: renews it every third of `leaseMs`, and aborts `signal` when a renewal finds
 * another worker took it, or when the worker lets go (`abort`: it closes). `held()` also answers from this process's clock alone: a lease not renewed in time (the
 * process was paused, its database slow) may already be another worker's, though no renewal has said so yet; a worker
 * asks before each item it starts, so a process resumed after a pause starts nothing on a job it lost.
 * @example
 * const lease = holdLease(store, jobId, workerId, 15_000, logger, claimedAt);
 * try { await work(jobId, lease); } finally { lease.end(); }
 */
export function holdLease(store: JobStore, jobId: string, workerId: string, leaseMs: number, logger: GatewayLogger, claimedAt: number): JobLease & { abort(): void; end(): void } {
  const lost = new AbortController();
  // By the monotonic clock, from before the write that set the lease: its end in the database is no earlier.
  let heldUntil = claimedAt + leaseMs;
  const margin = leaseMs * MARGIN;
  const renewal = setInterval(() => {
    const sentAt = performance.now();
    store.renew(jobId, workerId, leaseMs).then(
      (held) => {
        if (!held) lost.abort();
        else heldUntil = Math.max(heldUntil, sentAt + leaseMs);
      },
      (error: unknown) => logger.warn('a job lease could not be renewed', { error, jobId }),
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  return {
    signal: lost.signal,
    held() {
      if (!lost.signal.aborted && performance.now() > heldUntil - margin) lost.abort();
      return !lost.signal.aborted;
    },
    abort: () => lost.abort(),
    end: () => clearInterval(renewal),
  };
}
