import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import type { Identity } from '../auth/identity.js';
import { JobQueueUnavailableError, type JobQueue } from './job-queue.js';
import type { JobRunner } from './job-runner.js';
import { JobService } from './job-service.js';
import { JobStore } from './job-store.js';

let harness: Harness;
let store: JobStore;

beforeAll(async () => {
  harness = await startHarness({ features: DEFAULT_FEATURES, jobs: { worker: false } });
  store = new JobStore((await harness.gateway.ready).database.db);
});
afterAll(() => harness.close());

/** A queue whose Redis does not answer: every offer waits until `refuse()`, then fails as BullMQ's does after 5 s. */
function stalledQueue(): JobQueue & { offers: number; refuse(): void } {
  const waiting: Array<(error: Error) => void> = [];
  return {
    offers: 0,
    enqueue() {
      this.offers += 1;
      return new Promise<void>((_resolve, reject) => waiting.push(reject));
    },
    refuse: () => {
      for (const reject of waiting.splice(0)) reject(new JobQueueUnavailableError('Redis for batch jobs did not take the job within 5000 ms.'));
    },
    start: () => undefined,
    stopTaking: () => undefined,
    close: async () => undefined,
  };
}

describe('a job created with an Idempotency-Key, sent again while its first creation waits for the queue', () => {
  it('answers 503 to both once the queue refuses it, never 202 for the job the first one withdraws', async () => {
    const queue = stalledQueue();
    const service = new JobService(harness.gateway.context, store, queue, {} as JobRunner);
    const identity: Identity = { projectId: 'default', role: 'user', userId: 'user-1' };
    const items = [{ model: 'chat', messages: [{ role: 'user', content: 'sent again while queued' }] }];
    const first = service.create(identity, 'chat', items, {}, { idempotencyKey: 'sent-again' }).then(() => 'created', (error: { code?: string }) => error.code);
    await expect.poll(() => queue.offers).toBe(1);
    const again = service.create(identity, 'chat', items, {}, { idempotencyKey: 'sent-again' }).then((summary) => summary.job.id, (error: { code?: string }) => error.code);
    await new Promise((resolve) => setTimeout(resolve, 100));
    queue.refuse();
    expect(await first).toBe('service_unavailable');
    expect(await again).toBe('service_unavailable');
    expect(await store.list({ projectId: 'default', limit: 10 })).toEqual([]);
  });
});
