/** A worker's hold on a job: `signal` aborts when the worker lost the job or closes. */
export interface JobLease {
  signal: AbortSignal;
  /**
   * Whether the lease is still this worker's, by this process's clock too: false (and `signal` aborted) once it was
   * not renewed in time, as after the process was paused. Asked before each item the worker starts.
   */
  held(): boolean;
}

/** Works on one job until it is done, paused or cancelled, or its lease is lost. */
export type JobWork = (jobId: string, lease: JobLease) => Promise<void>;

/**
 * Which instance works on which job. The database holds every job's items and their state; a queue only hands
 * jobs to workers, at most one worker per job at a time, and gives a job whose worker died to another.
 * Implementations: `DatabaseJobQueue` (leases in the gateway's database) and `BullJobQueue` (BullMQ on Redis).
 */
export interface JobQueue {
  /**
   * Offers a job to the workers: a new one, or one resumed or retried. Rejects with `JobQueueUnavailableError` when
   * the queue cannot take it within a bounded wait (its Redis is down); the job may still reach the queue later, so
   * the caller decides what becomes of its row.
   */
  enqueue(jobId: string): Promise<void>;
  /** Starts working on jobs with `work`, as many at once as the queue's concurrency allows. */
  start(work: JobWork): void;
  /** Stops taking jobs (a shutdown has begun); the work in progress goes on. */
  stopTaking(): void;
  /** Stops taking jobs, aborts the work in progress and waits for it to return. */
  close(): Promise<void>;
}

/** The queue could not take a job in time: its store (Redis) is unreachable or did not answer. */
export class JobQueueUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'JobQueueUnavailableError';
  }
}
