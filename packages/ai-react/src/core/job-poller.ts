import { createStore, type StoreApi } from 'zustand/vanilla';
import { toAiError, type AiError } from './errors.js';
import { isFinishedJob, type AiJob, type JobsApi } from './jobs-client.js';

export interface JobPollerState {
  job: AiJob | undefined;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: AiError | undefined;
}

export interface JobPoller {
  store: StoreApi<JobPollerState>;
  /** Reads the job now (and goes on every `intervalMs` until it is completed or cancelled). */
  refresh(): Promise<void>;
  /** Cancels the job on the server; the state shows what it answered. */
  cancel(): Promise<void>;
  dispose(): void;
}

/** Failed reads that the next tick would fail again the same way: no such job (or not the caller's), a bad id, no access. */
const ENDS_POLLING: ReadonlySet<AiError['code']> = new Set(['not_found', 'forbidden', 'unauthorized', 'invalid_request']);

/**
 * Follows one batch job: reads it every `intervalMs` while it is queued, running or paused, and stops once it is
 * completed or cancelled. A failed read is kept in the state and tried again at the next tick, unless reading again
 * cannot help (a job that does not exist, no access): then polling stops until `refresh()` is called.
 *
 * @example
 * const poller = createJobPoller(client.jobs, jobId);
 * poller.store.subscribe(({ job }) => render(job));
 */
export function createJobPoller(api: JobsApi, id: string, intervalMs = 1_000): JobPoller {
  const store = createStore<JobPollerState>()(() => ({ job: undefined, status: 'idle', error: undefined }));
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    clearTimeout(timer);
    const { job, error } = store.getState();
    if (abort.signal.aborted || (job && isFinishedJob(job)) || (error && ENDS_POLLING.has(error.code))) return;
    timer = setTimeout(() => void refresh(), intervalMs);
  };
  const refresh = async () => {
    if (store.getState().job === undefined) store.setState({ status: 'loading' });
    try {
      const job = await api.get(id, { signal: abort.signal });
      if (!abort.signal.aborted) store.setState({ job, status: 'ready', error: undefined });
    } catch (thrown) {
      if (!abort.signal.aborted) store.setState({ status: 'error', error: toAiError(thrown) });
    }
    schedule();
  };
  return {
    store,
    refresh,
    async cancel() {
      try {
        await api.cancel(id, { signal: abort.signal });
      } catch (thrown) {
        if (!abort.signal.aborted) store.setState({ error: toAiError(thrown) });
      }
      await refresh();
    },
    dispose() {
      abort.abort();
      clearTimeout(timer);
    },
  };
}
