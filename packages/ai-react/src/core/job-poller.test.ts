import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AiError } from './errors.js';
import { createJobPoller } from './job-poller.js';
import type { AiJob, JobsApi } from './jobs-client.js';

const running: AiJob = { id: 'job-1', type: 'summarize', status: 'running', statusReason: null, createdAt: '2026-12-07T00:00:00Z', updatedAt: '2026-12-07T00:00:00Z', finishedAt: null, progress: { total: 2, pending: 1, running: 1, done: 0, failed: 0, cancelled: 0 }, costUsd: 0, worstCaseUsd: 0 };

/** A jobs API whose reads answer with `read` (called once per read). */
const jobsApi = (read: () => Promise<AiJob>) => ({ get: vi.fn(read), cancel: vi.fn(read) }) as unknown as JobsApi & { get: ReturnType<typeof vi.fn> };

describe('createJobPoller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('stops reading a job that does not exist, or that the caller may not read, until refresh() is called', async () => {
    for (const code of ['not_found', 'forbidden', 'unauthorized'] as const) {
      const api = jobsApi(() => Promise.reject(new AiError({ code, message: `${code} (test)` })));
      const poller = createJobPoller(api, 'job-1', 1_000);
      await poller.refresh();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(api.get).toHaveBeenCalledTimes(1);
      expect(poller.store.getState()).toMatchObject({ status: 'error', error: { code } });
      await poller.refresh();
      expect(api.get).toHaveBeenCalledTimes(2);
      poller.dispose();
    }
  });

  it('goes on reading through failures the next read may cure, and stops once the job is finished', async () => {
    let reads = 0;
    const api = jobsApi(async () => {
      reads += 1;
      if (reads <= 2) throw new AiError({ code: reads === 1 ? 'offline' : 'upstream_unavailable', message: 'flaky (test)' });
      return reads < 4 ? running : { ...running, status: 'completed', finishedAt: '2026-12-07T00:00:05Z' };
    });
    const poller = createJobPoller(api, 'job-1', 1_000);
    await poller.refresh();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.get).toHaveBeenCalledTimes(4);
    expect(poller.store.getState()).toMatchObject({ status: 'ready', error: undefined, job: { status: 'completed' } });
    poller.dispose();
  });
});
