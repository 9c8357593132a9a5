import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from '../../test/databases.js';
import { ChangeNotifier, type ChangeEvent } from './change-notifier.js';

describe('ChangeNotifier on Postgres', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase('postgres');
  });
  afterAll(() => test.drop());

  it('tells other instances, and listens again after its connection is killed', async () => {
    const receiver = new ChangeNotifier(test.database.pool);
    const senderPool = new pg.Pool({ connectionString: test.url, max: 2 });
    const sender = new ChangeNotifier(senderPool);
    const seen: ChangeEvent[] = [];
    receiver.subscribe((event) => seen.push(event));
    await receiver.start();
    try {
      await sender.publish({ kind: 'features', projectId: 'before' });
      await expect.poll(() => seen.some((event) => event.projectId === 'before')).toBe(true);

      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      const database = new URL(test.url).pathname.slice(1);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'", [database]);
      await admin.end();

      await expect
        .poll(async () => {
          await sender.publish({ kind: 'features', projectId: 'after' });
          return seen.some((event) => event.projectId === 'after');
        }, { timeout: 5_000, interval: 250 })
        .toBe(true);
    } finally {
      await receiver.close();
      await sender.close();
      await senderPool.end();
    }
  });
});
