import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { JobStore } from './job-store.js';

let harness: Harness;
let store: JobStore;

beforeAll(async () => {
  // This instance learns of a cancel saved by another one only at its next look at the job, a minute away.
  harness = await startHarness({ features: DEFAULT_FEATURES, jobs: { statusPollMs: 60_000, backoffMs: 1_000, pollMs: 50 } });
  store = new JobStore((await harness.gateway.ready).database.db);
});
afterAll(() => harness.close());

describe('a job cancelled on another instance while its item waits to be tried again', () => {
  it('sends the item no more: its next attempt sees the item cancelled, before its worker sees the job so', async () => {
    const failing = harness.emulator.addRule({ match: { contains: 'cancelled elsewhere' }, scenario: { failStatus: 502 } });
    try {
      const response = await fetch(`${harness.url}/api/ai/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'cancelled elsewhere' }] }] }),
      });
      const id = ((await response.json()) as { id: string }).id;
      const records = () => harness.usage.records.filter((record) => record.jobId === id);
      // The first attempt failed: the item waits its backoff (a second) before the next.
      await expect.poll(() => records().length, { timeout: 10_000, interval: 20 }).toBe(1);
      // What `POST …/cancel` does on the other instance.
      expect(await store.transition(id, ['queued', 'running', 'paused'], 'cancelled', 'Cancelled.')).toBe(true);
      expect(await store.cancelUnfinished(id)).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(records()).toHaveLength(1);
      expect(await store.items(id)).toMatchObject([{ status: 'cancelled', attempts: 1 }]);
    } finally {
      failing.remove();
    }
  }, 20_000);
});
