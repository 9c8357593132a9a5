import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../test/harness.js';
import { neverReadingRequest } from '../../test/raw-http.js';
import { usageRow } from '../../test/usage-rows.js';
import { UsageQuery } from '../usage/usage-query.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ usage: undefined });
  const { db } = (await harness.gateway.ready).database;
  // About 12 MB of CSV: far more than the sockets between hold for a client that reads nothing.
  for (let batch = 0; batch < 60; batch += 1) {
    await db.insertInto('usage_records').values(Array.from({ length: 1_000 }, () => usageRow({ project_id: 'default', user_id: 'a user with a long enough name to fill the export'.repeat(2) }))).execute();
  }
}, 60_000);
afterAll(() => harness.close());

describe('a CSV export whose client leaves before reading it', () => {
  it('stops reading the ledger instead of waiting for ever for the client to take more', async () => {
    const entries = UsageQuery.prototype.entries;
    let ended = false;
    const spy = vi.spyOn(UsageQuery.prototype, 'entries').mockImplementation(async function* (this: UsageQuery, ...args: Parameters<UsageQuery['entries']>) {
      try {
        yield* entries.apply(this, args);
      } finally {
        ended = true;
      }
    });
    try {
      const socket = await neverReadingRequest(`${harness.url.replace(/\/$/, '')}/api/ai/usage.csv`, { headers: `Authorization: Bearer ${ADMIN_TOKEN}\r\n` });
      await expect.poll(() => spy.mock.calls.length).toBe(1);
      // The export fills what the sockets hold, then waits for the client; the client leaves.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ended).toBe(false);
      socket.destroy();
      await expect.poll(() => ended, { timeout: 5_000 }).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
