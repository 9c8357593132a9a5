import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { chatBody, sendChat, setSpendCap, spentToday, worstCaseOf } from '../../test/spend-caps.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

/**
 * Requests still running when a cap is first set reserved nothing in it: the cap counts them at their worst case from
 * their notes until they end, then at what they cost, once.
 */
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';
const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const billed = (...gateways: Harness[]) => [...new Set(gateways)].reduce((total, gateway) => total + gateway.emulator.billedTotal().cost, 0);

/**
 * Sends two slow requests on `running` with no cap set, sets a cap with room for less than their worst cases and one
 * more, and checks that `fresh` refuses one more while they run, and that the cap counts what they cost once they end.
 */
async function capSetWhileTwoRun(running: Harness, fresh: Harness): Promise<void> {
  const worstCase = await worstCaseOf(running, chatBody('one in flight'));
  const bothWorstCases = worstCase + (await worstCaseOf(running, chatBody('another in flight')));
  running.emulator.addRule({ match: { contains: 'in flight' }, scenario: 'ttft=3000;tokens=200' });
  fresh.emulator.addRule({ match: { contains: 'meanwhile' }, scenario: 'tokens=200' });
  fresh.emulator.addRule({ match: { contains: 'after them' }, scenario: 'tokens=200' });
  let running2 = 2;
  const inFlight = [sendChat(running, 'one in flight'), sendChat(running, 'another in flight')].map((answer) => answer.finally(() => (running2 -= 1)));
  try {
    await expect.poll(() => running.emulator.generations().length, { timeout: 5_000, interval: 20 }).toBe(2);
    // Room for the two at their worst case, not for a third beside them.
    const cap = 2.5 * worstCase;
    await setSpendCap(running, cap);
    await expect.poll(async () => (await (await fetch(`${fresh.url}/api/ai/limits`, { headers })).json()) as unknown, { timeout: 5_000 }).toMatchObject({ data: [{ kind: 'spendPerDayUsd', limit: cap }] });
    const meanwhile = await sendChat(fresh, 'one more meanwhile');
    expect(running2).toBe(2);
    expect(meanwhile.status).toBe(402);
    await meanwhile.body?.cancel();
    expect(await spentToday(fresh)).toBeCloseTo(bothWorstCases, 9);
    expect((await Promise.all(inFlight)).map((answer) => answer.status)).toEqual([200, 200]);
    // Once they end, the cap counts what they cost (less than their worst case), once: the third fits now.
    await expect.poll(() => spentToday(fresh), { timeout: 5_000, interval: 50 }).toBeCloseTo(billed(running, fresh), 9);
    expect(billed(running, fresh)).toBeLessThan(1.5 * worstCase);
    expect((await sendChat(fresh, 'one after them')).status).toBe(200);
    await expect.poll(() => spentToday(fresh), { timeout: 5_000, interval: 50 }).toBeCloseTo(billed(running, fresh), 9);
    expect(await spentToday(running)).toBeCloseTo(billed(running, fresh), 9);
  } finally {
    await Promise.allSettled(inFlight);
  }
}

describe('a cap first set while requests run, counted in process', () => {
  const inDirectory = useTemporaryDirectory('insforge-ai-in-flight-');

  it('counts them at their worst case until they end, then at what they cost', async () => {
    const gateway = await startHarness({ database: inDirectory(`ai-${randomUUID()}.db`), usage: undefined, ledger: { flushIntervalMs: 5 } });
    try {
      await capSetWhileTwoRun(gateway, gateway);
    } finally {
      await gateway.close();
    }
  }, 30_000);
});

describe.runIf(runRedis)('a cap first set while requests run on another gateway sharing Redis and a Postgres ledger', () => {
  let database: TestDatabase;
  const prefix = `insforge-test:in-flight:${randomUUID()}:`;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await database.database.close();
  });
  afterAll(async () => {
    await database.drop();
    await deleteRedisKeys(prefix);
  });

  it('counts them at their worst case on the other gateway until they end, then at what they cost', async () => {
    const gatewayOf = () => startHarness({ database: database.url, usage: undefined, ledger: { flushIntervalMs: 5 }, limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix }, instanceLeaseMs: 60_000 });
    const running = await gatewayOf();
    const fresh = await gatewayOf();
    try {
      await capSetWhileTwoRun(running, fresh);
    } finally {
      await running.close();
      await fresh.close();
    }
  }, 30_000);
});
