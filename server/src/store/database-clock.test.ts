import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { newGatewayInstance } from '../gateway-instance.js';
import { UsageLedger } from '../usage/ledger.js';
import { DatabaseClock } from './database-clock.js';

/** A machine whose clock runs a minute ahead of the others'. */
const AHEAD_MS = 60_000;
const aheadNow = () => Date.now() + AHEAD_MS;

describe('the database clock', () => {
  let postgres: TestDatabase;
  beforeAll(async () => {
    postgres = await createTestDatabase('postgres');
  });
  afterAll(() => postgres?.drop());

  it("reads Postgres's clock from a machine whose own runs ahead", async () => {
    const clock = await DatabaseClock.start(postgres.database.db, 'postgres', aheadNow);
    clock.stop();
    // This machine shares the database's clock: within a second of it, not a minute ahead.
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(1_000);
  });

  it('is the local clock on SQLite, which every process that opens the file reads', async () => {
    const sqlite = await createTestDatabase('sqlite');
    try {
      const clock = await DatabaseClock.start(sqlite.database.db, 'sqlite', aheadNow);
      expect(clock.now() - Date.now()).toBeGreaterThanOrEqual(AHEAD_MS - 5);
    } finally {
      await sqlite.drop();
    }
  });

  it("keeps an instance whose clock runs ahead from taking another's requests in flight for gone while it beats", async () => {
    const { db } = postgres.database;
    const steady = new UsageLedger(db, { openRequests: { instance: newGatewayInstance(), leaseMs: 2_000 } });
    await steady.start();
    steady.inFlight?.opened({ requestId: 'in-flight', endpoint: 'chat', projectId: 'p1', userId: undefined, clientKeyId: undefined, feature: 'chat', requestedModel: 'chat', streamed: false, jobId: undefined, worstCaseUsd: 0.001, worstCaseTokens: { prompt: 10, completion: 100 }, startedAt: Date.now() });
    await expect.poll(async () => (await db.selectFrom('open_requests').select('id').execute()).length).toBe(1);
    const clock = await DatabaseClock.start(db, 'postgres', aheadNow);
    const ahead = new UsageLedger(db, { openRequests: { instance: { ...newGatewayInstance(), host: 'another-machine' }, leaseMs: 2_000, now: clock.now } });
    try {
      await ahead.start();
      // By its own clock the steady instance's lease lapsed a minute ago; by the database's it is alive.
      expect(await db.selectFrom('usage_records').select('id').execute()).toEqual([]);
      expect(await db.selectFrom('open_requests').select('id').execute()).toEqual([{ id: 'in-flight' }]);
    } finally {
      clock.stop();
      await ahead.close();
      await steady.close();
    }
  });
});
