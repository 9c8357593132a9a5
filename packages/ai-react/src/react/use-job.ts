'use client';
import { useEffect, useMemo } from 'react';
import { createStore } from 'zustand/vanilla';
import type { AiError } from '../core/errors.js';
import { createJobPoller, type JobPollerState } from '../core/job-poller.js';
import type { AiJob } from '../core/jobs-client.js';
import { useAiContext } from './ai-provider.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseJobOptions {
  /** How often the job is read while it runs. Default 1 s. */
  intervalMs?: number;
}

export interface UseJobResult {
  /** The job with its progress, cost so far and each item's result or error; undefined before the first read. */
  job: AiJob | undefined;
  status: JobPollerState['status'];
  error: AiError | undefined;
  /** Cancels the job: items not started never run, those in flight are aborted upstream. */
  cancel(): Promise<void>;
  refresh(): Promise<void>;
}

const IDLE: JobPollerState = { job: undefined, status: 'idle', error: undefined };

/**
 * Follows a batch job (`GET /api/ai/jobs/:id`) until it is completed or cancelled; nothing is read without an id.
 *
 * @example
 * const { job, cancel } = useJob(jobId);
 * const done = job ? job.progress.done + job.progress.failed : 0;
 */
export function useJob(id: string | undefined, options: UseJobOptions = {}): UseJobResult {
  const { client } = useAiContext('useJob');
  const poller = useInstance([client, id, options.intervalMs], () => (id ? createJobPoller(client.jobs, id, options.intervalMs) : undefined), (created) => created?.dispose());
  useEffect(() => void poller?.refresh(), [poller]);
  const { job, status, error } = useStoreState(poller?.store ?? idleStore);
  return useMemo(() => ({ job, status, error, cancel: async () => poller?.cancel(), refresh: async () => poller?.refresh() }), [job, status, error, poller]);
}

// A store that never changes, read while there is no job to follow.
const idleStore = createStore<JobPollerState>()(() => IDLE);
