import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { usageRow } from '../../test/usage-rows.js';
import { deleteUsageBefore, startUsageRetention } from './retention.js';

const DAY = 86_400_000;

/** Counts delete statements. */
class DeleteCounter implements KyselyPlugin {
  deletes = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'DeleteQueryNode') this.deletes += 1;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

describe.each(DIALECTS)('usage retention on %s', (dialect) => {
  let test: TestDatabase;
  const now = Date.now();
  const count = async () => Number((await test.database.db.selectFrom('usage_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
  });
  afterAll(() => test.drop());
  beforeEach(async () => {
    await test.database.db.deleteFrom('usage_records').execute();
    // 2,500 records older than 90 days across two projects, 10 from the last day.
    const old = Array.from({ length: 2_500 }, (_, index) => usageRow({ project_id: index % 2 ? 'p1' : 'p2', created_at: now - 91 * DAY - index }));
    for (let start = 0; start < old.length; start += 500) await test.database.db.insertInto('usage_records').values(old.slice(start, start + 500)).execute();
    await test.database.db.insertInto('usage_records').values(Array.from({ length: 10 }, () => usageRow({ created_at: now - DAY }))).execute();
  });

  it('deletes only records older than the cutoff, 1,000 per statement', async () => {
    const counter = new DeleteCounter();
    const deleted = await deleteUsageBefore(test.database.db.withPlugin(counter), now - 90 * DAY, { batchSize: 1_000, pauseMs: 1 });
    expect(deleted).toBe(2_500);
    expect(counter.deletes).toBe(3);
    expect(await count()).toBe(10);
  });

  it('runs on a schedule with the configured number of days, and stops', async () => {
    const retention = startUsageRetention(test.database.db, { days: 30, firstRunMs: 60_000 });
    expect(await retention.runOnce(now)).toBe(2_500);
    expect(await count()).toBe(10);
    await retention.stop();

    const keepsADay = startUsageRetention(Promise.resolve(test.database.db), { days: 0.5, firstRunMs: 10, batchSize: 3, pauseMs: 1 });
    await expect.poll(count, { timeout: 5_000 }).toBe(0);
    await keepsADay.stop();
  });

  it('refuses a retention of zero days', () => {
    expect(() => startUsageRetention(test.database.db, { days: 0 })).toThrow(/positive/);
  });
});
