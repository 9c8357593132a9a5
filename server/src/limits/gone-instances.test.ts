import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { RedisBackend } from './redis-backend.js';

/** What instances that stop leave in a shared budget: their reservations count once, in one field of the budget. */
const KEY_PREFIX = `test:gone-instances:${randomUUID()}:`;
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';

let keyCounter = 0;
const uniqueKey = (name: string): string => `${name}:${++keyCounter}`;
const opened: RedisBackend[] = [];
/** An instance's backend; a lease of a minute, so only `close` (or a test) makes it gone. */
const instance = (prefix = KEY_PREFIX): RedisBackend => {
  const backend = new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: prefix, leaseMs: 60_000 });
  opened.push(backend);
  return backend;
};
let redis: Redis;
const budgetFields = (key: string, periodEnd: number, prefix = KEY_PREFIX) => redis.hgetall(`${prefix}b:${periodEnd}:${key}`);

describe.runIf(runRedis)('a shared budget and the instances that stop', () => {
  beforeAll(() => {
    if (!redisReachable) throw new Error(`CI=true requires Redis at ${TEST_REDIS_URL}`);
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });
  afterAll(async () => {
    redis.disconnect();
    await deleteRedisKeys(KEY_PREFIX);
  });

  it('keeps one field for what every stopped instance left, however many stopped, and the total right', async () => {
    const key = uniqueKey('spend-month');
    const end = Date.now() + 3_600_000;
    // Three instances each stop (a restart, a deploy) while a request of theirs is in flight.
    for (let index = 0; index < 3; index += 1) {
      const stopping = instance();
      expect(await stopping.reserve(key, 100, 1000, end)).toMatchObject({ allowed: true });
      await stopping.close();
    }
    expect(await budgetFields(key, end)).toEqual({ used: '300', reserved: '0', lost: '300' });
    const survivor = instance();
    expect(await survivor.current(key)).toBe(300);
    expect(await survivor.reserve(key, 701, 1000, end)).toMatchObject({ allowed: false, used: 300 });
  });

  it('counts a stopped instance\'s reservation once: held, then spent, then beside its record in the ledger', async () => {
    const key = uniqueKey('spend-day');
    const end = Date.now() + 3_600_000;
    const survivor = instance();
    const stopping = instance();
    await survivor.reserve(key, 50, 1000, end);
    await survivor.settle(key, 50, 20, end);
    await stopping.reserve(key, 300, 1000, end);
    expect(await survivor.current(key)).toBe(320);
    await stopping.close();
    expect(await survivor.current(key)).toBe(320);
    // The ledger: the survivor's record (20) and the one written for the stopped instance's request, at its worst case.
    expect(await survivor.seedBudget(key, 320, end)).toBe(false);
    expect(await survivor.current(key)).toBe(320);
    // That record reconciled to less (40): the budget keeps the worst case, which a seed never lowers.
    expect(await survivor.seedBudget(key, 60, end)).toBe(false);
    expect(await survivor.current(key)).toBe(320);
  });
});
