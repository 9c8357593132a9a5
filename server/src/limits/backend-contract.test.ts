import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { InstanceConnections } from '../observability/instance-connections.js';
import { MemoryBackend } from './memory-backend.js';
import { RedisBackend } from './redis-backend.js';
import type { ConsumeResult, QuotaBackend } from './types.js';

/** Unique per test file run, so parallel runs never share keys; every key under it is deleted afterwards. */
const KEY_PREFIX = `test:quota:${randomUUID()}:`;
const redisReachable = await pingRedis(TEST_REDIS_URL);
// In CI the Redis suite must run: an unreachable Redis fails it instead of skipping it.
const runRedis = redisReachable || process.env.CI === 'true';

/** Name, how to open a backend (Redis ones share every limit through the prefix), and whether to run. */
const implementations: [string, () => QuotaBackend, boolean][] = [
  ['memory', () => new MemoryBackend(), true],
  ['redis', () => new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: KEY_PREFIX }), runRedis],
];

let keyCounter = 0;
const uniqueKey = (name: string): string => `${name}:${++keyCounter}`;
const allowedOf = (results: ConsumeResult[]): ConsumeResult[] => results.filter((result) => result.allowed);

describe.each(implementations)('QuotaBackend contract: %s', (name, create, enabled) => {
  const opened: QuotaBackend[] = [];
  const open = (): QuotaBackend => {
    const backend = create();
    opened.push(backend);
    return backend;
  };

  beforeAll(() => {
    if (name === 'redis' && enabled && !redisReachable) throw new Error(`CI=true requires Redis at ${TEST_REDIS_URL}`);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  describe.runIf(enabled)('windows', () => {
    it('allows exactly N of 10·N concurrent requests and tells when the window resets', async () => {
      const backend = open();
      const key = uniqueKey('rpm');
      const before = Date.now();
      const results = await Promise.all(Array.from({ length: 100 }, () => backend.consumeWindow(key, 1, 10, 60_000)));

      const allowed = allowedOf(results);
      expect(allowed).toHaveLength(10);
      expect(allowed.map((result) => result.used).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const result of results) {
        expect(result.limit).toBe(10);
        expect(result.resetAt).toBeGreaterThan(before);
        expect(result.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
      }
      for (const rejected of results.filter((result) => !result.allowed)) expect(rejected.used).toBe(10);
      expect(await backend.current(key)).toBe(10);
    });

    it('tells when a window ends without starting one', async () => {
      const backend = open();
      const key = uniqueKey('rpm-ends');
      expect(await backend.windowEndsAt(key, 60_000)).toBeUndefined();
      await sleep(20);
      const first = await backend.consumeWindow(key, 1, 10, 60_000);
      const endsAt = await backend.windowEndsAt(key, 60_000);
      expect(endsAt).toBeDefined();
      expect(Math.abs(endsAt! - first.resetAt)).toBeLessThan(50);
      expect(await backend.windowEndsAt(uniqueKey('rpm-other'), 60_000)).toBeUndefined();
    });

    it('does not count a request that would pass the limit', async () => {
      const backend = open();
      const key = uniqueKey('tpm');
      expect(await backend.consumeWindow(key, 800, 1000, 60_000)).toMatchObject({ allowed: true, used: 800 });
      expect(await backend.consumeWindow(key, 300, 1000, 60_000)).toMatchObject({ allowed: false, used: 800 });
      expect(await backend.consumeWindow(key, 200, 1000, 60_000)).toMatchObject({ allowed: true, used: 1000 });
      expect(await backend.consumeWindow(uniqueKey('tpm'), 1001, 1000, 60_000)).toMatchObject({ allowed: false, used: 0 });
    });

    it('never lets concurrent amounts of different sizes pass the limit together', async () => {
      const backend = open();
      const key = uniqueKey('tpm');
      const amounts = Array.from({ length: 60 }, (_, index) => 10 + ((index * 37) % 90));
      const results = await Promise.all(amounts.map((amount) => backend.consumeWindow(key, amount, 1000, 60_000)));
      const admitted = amounts.filter((_, index) => results[index]!.allowed).reduce((sum, amount) => sum + amount, 0);

      expect(admitted).toBeLessThanOrEqual(1000);
      expect(await backend.current(key)).toBe(admitted);
      // Every rejection saw a total that really had no room for it.
      for (const [index, result] of results.entries()) {
        if (!result.allowed) expect(result.used + amounts[index]!).toBeGreaterThan(1000);
      }
    });

    it('gives back refunds, never below zero', async () => {
      const backend = open();
      const key = uniqueKey('tpm');
      await backend.consumeWindow(key, 900, 1000, 60_000);
      await backend.refundWindow(key, 600, 60_000);
      expect(await backend.current(key)).toBe(300);
      expect(await backend.consumeWindow(key, 700, 1000, 60_000)).toMatchObject({ allowed: true, used: 1000 });

      await backend.refundWindow(key, 5000, 60_000);
      expect(await backend.current(key)).toBe(0);
      await backend.refundWindow(uniqueKey('never-used'), 10, 60_000);
      expect(await backend.consumeWindow(key, 1000, 1000, 60_000)).toMatchObject({ allowed: true, used: 1000 });
    });

    it('starts a new window when the last one ends', async () => {
      const backend = open();
      const key = uniqueKey('rps');
      const first = await backend.consumeWindow(key, 2, 2, 1000);
      expect(await backend.consumeWindow(key, 1, 2, 1000)).toMatchObject({ allowed: false });
      await sleep(Math.max(0, first.resetAt - Date.now()) + 50);
      expect(await backend.consumeWindow(key, 1, 2, 1000)).toMatchObject({ allowed: true, used: 1 });
    });

    it('seeds a window with what the ledger says, raising it only, until the time it is told', async () => {
      const backend = open();
      const key = uniqueKey('rps');
      await backend.seedWindow(key, 3, 2000, Date.now() + 1000);
      expect(await backend.consumeWindow(key, 1, 3, 2000)).toMatchObject({ allowed: false, used: 3 });
      // Never lowered: a seed of less leaves the count as it is.
      await backend.seedWindow(key, 1, 2000, Date.now() + 500);
      expect(await backend.current(key)).toBe(3);
      await sleep(1100);
      expect(await backend.consumeWindow(key, 3, 3, 2000)).toMatchObject({ allowed: true, used: 3 });
      // A window that counts more already keeps its count.
      await backend.seedWindow(key, 2, 2000, Date.now() + 1000);
      expect(await backend.current(key)).toBe(3);
      await backend.seedWindow(uniqueKey('rps'), 0, 2000, Date.now() + 1000);
    });

    it('refuses amounts and windows it cannot count (thrown at once, or rejected)', async () => {
      const backend = open();
      await expect(async () => backend.consumeWindow('k', -1, 10, 60_000)).rejects.toThrow(RangeError);
      await expect(async () => backend.consumeWindow('k', 1.5, 10, 60_000)).rejects.toThrow(RangeError);
      await expect(async () => backend.consumeWindow('k', 1, 10, 1500)).rejects.toThrow(RangeError);
    });
  });

  describe.runIf(enabled)('concurrency slots', () => {
    it('grants exactly `limit` slots to concurrent requests and frees one on release', async () => {
      const backend = open();
      const key = uniqueKey('concurrent');
      const results = await Promise.all(Array.from({ length: 30 }, () => backend.acquireSlot(key, 3, 60_000)));

      const granted = results.filter((result) => result.allowed);
      expect(granted).toHaveLength(3);
      expect(new Set(granted.map((result) => result.slotId)).size).toBe(3);
      for (const result of granted) expect(result.slotId).not.toBe('');
      for (const result of results.filter((result) => !result.allowed)) {
        expect(result).toMatchObject({ used: 3, limit: 3, slotId: '' });
        expect(result.resetAt).toBeGreaterThan(Date.now());
      }
      expect(await backend.current(key)).toBe(3);

      await backend.releaseSlot(key, granted[0]!.slotId);
      await backend.releaseSlot(key, 'not-a-slot');
      expect(await backend.current(key)).toBe(2);
      expect(await backend.acquireSlot(key, 3, 60_000)).toMatchObject({ allowed: true, used: 3 });
      expect(await backend.acquireSlot(key, 3, 60_000)).toMatchObject({ allowed: false });
    });

    it('expires a slot whose holder never released it', async () => {
      const backend = open();
      const key = uniqueKey('concurrent');
      const held = await backend.acquireSlot(key, 1, 150);
      expect(held.allowed).toBe(true);
      expect(await backend.acquireSlot(key, 1, 150)).toMatchObject({ allowed: false });
      await sleep(250);
      expect(await backend.current(key)).toBe(0);
      expect(await backend.acquireSlot(key, 1, 150)).toMatchObject({ allowed: true, used: 1 });
    });

    it('expires slots of different lifetimes whatever order they were taken in, and reports the earliest expiry', async () => {
      const backend = open();
      const key = uniqueKey('concurrent');
      const before = Date.now();
      expect(await backend.acquireSlot(key, 2, 60_000)).toMatchObject({ allowed: true });
      expect(await backend.acquireSlot(key, 2, 200)).toMatchObject({ allowed: true, used: 2 });
      const refused = await backend.acquireSlot(key, 2, 60_000);
      expect(refused).toMatchObject({ allowed: false, used: 2 });
      // The slot taken second ends first.
      expect(refused.resetAt).toBeLessThanOrEqual(Date.now() + 200);
      expect(refused.resetAt).toBeGreaterThanOrEqual(before + 200);
      await sleep(300);
      expect(await backend.current(key)).toBe(1);
      expect(await backend.acquireSlot(key, 2, 60_000)).toMatchObject({ allowed: true, used: 2 });
    });
  });

  describe.runIf(enabled)('budgets', () => {
    const periodEnd = (): number => Date.now() + 3_600_000;

    it('never lets 50 concurrent reservations pass the limit together', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      const results = await Promise.all(Array.from({ length: 50 }, () => backend.reserve(key, 150, 1000, end)));

      expect(allowedOf(results)).toHaveLength(6);
      expect(await backend.current(key)).toBe(900);
      for (const result of results) expect(result).toMatchObject({ limit: 1000, resetAt: end });
    });

    it('refuses every concurrent reservation larger than what is left', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      await backend.reserve(key, 900, 1000, end);
      const results = await Promise.all(Array.from({ length: 50 }, () => backend.reserve(key, 101, 1000, end)));

      expect(allowedOf(results)).toHaveLength(0);
      for (const result of results) expect(result.used).toBe(900);
      expect(await backend.current(key)).toBe(900);
    });

    it('settles with less than reserved and frees the rest', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      await backend.reserve(key, 500, 1000, end);
      await backend.settle(key, 500, 200, end);
      expect(await backend.current(key)).toBe(200);
      expect(await backend.reserve(key, 800, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
      expect(await backend.reserve(key, 1, 1000, end)).toMatchObject({ allowed: false, used: 1000 });
    });

    it('settles with more than reserved and counts the real amount', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      await backend.reserve(key, 100, 1000, end);
      await backend.settle(key, 100, 400, end);
      expect(await backend.current(key)).toBe(400);
      expect(await backend.reserve(key, 601, 1000, end)).toMatchObject({ allowed: false, used: 400 });
      expect(await backend.reserve(key, 600, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
    });

    it('seeds a budget with what the ledger says was spent, raising it only where the ledger holds more', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      expect(await backend.seedBudget(key, 700, end)).toBe(true);
      expect(await backend.current(key)).toBe(700);
      expect(await backend.reserve(key, 301, 1000, end)).toMatchObject({ allowed: false, used: 700 });
      expect(await backend.reserve(key, 200, 1000, end)).toMatchObject({ allowed: true, used: 900 });
      // Asked again (another instance, a refresh) with what it holds already, reservation and all: left as it is.
      expect(await backend.seedBudget(key, 900, end)).toBe(false);
      expect(await backend.seedBudget(key, 650, end)).toBe(false);
      expect(await backend.current(key)).toBe(900);
      // The ledger holds more than used + reserved (spend counted elsewhere while this counter could not be reached):
      // raised by the difference, the reservation still held apart.
      expect(await backend.seedBudget(key, 950, end)).toBe(true);
      expect(await backend.current(key)).toBe(950);
      await backend.settle(key, 200, 150, end);
      expect(await backend.current(key)).toBe(900);
      expect(await backend.reserve(key, 101, 1000, end)).toMatchObject({ allowed: false, used: 900 });
      // A budget that counted before its seed (its counters were lost, then counted anew) is raised to the seed.
      const recounted = uniqueKey('spend-day');
      await backend.reserve(recounted, 100, 1000, end);
      await backend.settle(recounted, 100, 80, end);
      expect(await backend.seedBudget(recounted, 500, end)).toBe(true);
      expect(await backend.current(recounted)).toBe(500);
      expect(await backend.seedBudget(recounted, 400, end)).toBe(false);
      expect(await backend.current(recounted)).toBe(500);
      // Another period of the same key has its own seed.
      const next = end + 86_400_000;
      expect(await backend.seedBudget(key, 40, next)).toBe(true);
      expect(await backend.reserve(key, 961, 1000, next)).toMatchObject({ allowed: false, used: 40 });
    });

    it('holds requests in flight that reserved nothing until they end, then counts what each cost, once', async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const end = periodEnd();
      const hold = backend.holdUnreserved?.bind(backend);
      const settleHeld = backend.settleUnreserved?.bind(backend);
      if (hold === undefined || settleHeld === undefined) throw new Error(`${name} cannot hold requests in flight`);
      await backend.seedBudget(key, 100, end);
      const held = await hold(key, end, 1, [
        { requestId: 'a', amount: 300 },
        { requestId: 'b', amount: 200 },
        { requestId: 'nothing', amount: 0 },
      ]);
      expect(Object.fromEntries(held)).toEqual({ a: 300, b: 200 });
      // Held again (another seed read the same notes): nothing counts twice.
      expect(Object.fromEntries(await hold(key, end, 1, [{ requestId: 'a', amount: 300 }]))).toEqual({ a: 300, b: 200 });
      expect(await backend.current(key)).toBe(600);
      expect(await backend.reserve(key, 401, 1000, end)).toMatchObject({ allowed: false, used: 600 });
      await settleHeld(key, end, [{ requestId: 'a', actual: 120 }]);
      await settleHeld(key, end, [{ requestId: 'a', actual: 120 }]);
      expect(await backend.current(key)).toBe(420);
      // A seed that read its note before it ended holds it no more.
      expect(Object.fromEntries(await hold(key, end, 2, [{ requestId: 'a', amount: 300 }]))).toEqual({ b: 200 });
      await settleHeld(key, end, [{ requestId: 'b', actual: 200 }]);
      expect(await backend.current(key)).toBe(420);
    });

    it('keeps each period apart', async () => {
      const backend = open();
      const key = uniqueKey('spend-month');
      const thisPeriod = periodEnd();
      const nextPeriod = thisPeriod + 3_600_000;
      expect(await backend.reserve(key, 1000, 1000, thisPeriod)).toMatchObject({ allowed: true });
      expect(await backend.reserve(key, 1, 1000, thisPeriod)).toMatchObject({ allowed: false });
      expect(await backend.reserve(key, 1000, 1000, nextPeriod)).toMatchObject({ allowed: true, used: 1000, resetAt: nextPeriod });
      // A late settle for the earlier period lands there, not in the next one.
      await backend.settle(key, 1000, 10, thisPeriod);
      expect(await backend.reserve(key, 1, 1000, nextPeriod)).toMatchObject({ allowed: false, used: 1000 });
      expect(await backend.reserve(key, 990, 1000, thisPeriod)).toMatchObject({ allowed: true, used: 1000 });
    });

    it("answers the budget's new total for the settled period, with what other requests still hold", async () => {
      const backend = open();
      const key = uniqueKey('spend-day');
      const thisPeriod = periodEnd();
      const nextPeriod = thisPeriod + 3_600_000;
      await backend.reserve(key, 300, 1000, thisPeriod);
      await backend.reserve(key, 200, 1000, thisPeriod);
      await backend.reserve(key, 50, 1000, nextPeriod);
      expect(await backend.settle(key, 300, 120, thisPeriod)).toBe(320);
      expect(await backend.settle(key, 200, 250, thisPeriod)).toBe(370);
      // Settling more than is reserved never takes the reservations below zero.
      expect(await backend.settle(key, 50, 5, nextPeriod)).toBe(5);
      expect(await backend.settle(key, 50, 5, nextPeriod)).toBe(10);
    });

    it('counts large nano-dollar amounts exactly', async () => {
      const backend = open();
      const key = uniqueKey('spend-month');
      const end = periodEnd();
      const limit = 1_000_000 * 1_000_000_000; // $1M in nano-dollars
      await backend.reserve(key, limit - 7, limit, end);
      expect(await backend.settle(key, limit - 7, limit - 3, end)).toBe(limit - 3);
      expect(await backend.current(key)).toBe(limit - 3);
      expect(await backend.reserve(key, 4, limit, end)).toMatchObject({ allowed: false, used: limit - 3 });
      expect(await backend.reserve(key, 3, limit, end)).toMatchObject({ allowed: true, used: limit });
    });
  });

  it.runIf(enabled)('reports 0 for a key it knows nothing about', async () => {
    expect(await open().current(uniqueKey('unknown'))).toBe(0);
  });

  describe.runIf(enabled && name === 'redis')('across instances sharing Redis', () => {
    it('allows exactly N of a 10·N burst spread over two instances', async () => {
      const [first, second] = [open(), open()];
      const key = uniqueKey('rpm');
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? first : second).consumeWindow(key, 1, 10, 60_000)),
      );
      expect(allowedOf(results)).toHaveLength(10);
      expect(await first.current(key)).toBe(10);
      expect(await second.current(key)).toBe(10);
    });

    it('never lets reservations from two instances pass the budget together', async () => {
      const [first, second] = [open(), open()];
      const key = uniqueKey('spend-day');
      const end = Date.now() + 3_600_000;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? first : second).reserve(key, 150, 1000, end)),
      );
      expect(allowedOf(results)).toHaveLength(6);
      expect(await second.current(key)).toBe(900);
    });

    it('shares a key prefix with the rest of the gateway (the instances\' connection report) without a clash of kinds', async () => {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        // The connection report writes first, as it does at an instance's start: reservations must still work.
        const connections = new InstanceConnections({ requestsInFlight: () => 0, streamsInFlight: () => 0, redis, keyPrefix: KEY_PREFIX, reportEveryMs: 60_000 });
        await connections.report();
        const backend = open();
        const results = await Promise.all([backend.reserve(uniqueKey('spend-day'), 10, 100, Date.now() + 3_600_000), backend.reserve(uniqueKey('spend-day'), 10, 100, Date.now() + 3_600_000)]);
        expect(allowedOf(results)).toHaveLength(2);
        // And the report after a reservation.
        await connections.report();
        await connections.close();
      } finally {
        redis.disconnect();
      }
    });

    /** A budget hash as Redis holds it: what is spent and what is reserved, in all and by instance. */
    const budgetFields = async (key: string, periodEnd: number) => {
      const redis = new Redis(TEST_REDIS_URL);
      try {
        return await redis.hgetall(`${KEY_PREFIX}b:${periodEnd}:${key}`);
      } finally {
        redis.disconnect();
      }
    };
    const leasedBackend = (options: { leaseMs: number; instanceId?: string }) => {
      const backend = new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: KEY_PREFIX, ...options });
      opened.push(backend);
      return backend;
    };

    /** A process of its own with a backend of this lease that has run `hold` (and holds what it took until killed). */
    async function holdingProcess(leaseMs: number, hold: string): Promise<ReturnType<typeof spawn>> {
      const script = `import { RedisBackend } from ${JSON.stringify(fileURLToPath(new URL('./redis-backend.ts', import.meta.url)))};
        const backend = new RedisBackend({ url: ${JSON.stringify(TEST_REDIS_URL)}, keyPrefix: ${JSON.stringify(KEY_PREFIX)}, leaseMs: ${leaseMs} });
        ${hold}
        console.log('holding');
        setInterval(() => undefined, 1000);`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (data: Buffer) => data.toString().includes('holding') && resolve());
        child.once('exit', (code) => reject(new Error(`the holding process exited with ${code}`)));
      });
      return child;
    }

    it('counts what a killed instance reserved as spent once its lease lapses, and never gives it back', async () => {
      const key = uniqueKey('spend-month');
      const end = Date.now() + 3_600_000;
      // A process of its own, killed with SIGKILL while it holds a reservation: nothing of it settles or closes.
      const child = await holdingProcess(600, `await backend.reserve(${JSON.stringify(key)}, 300, 1000, ${end});`);
      child.kill('SIGKILL');
      const survivor = leasedBackend({ leaseMs: 300 });
      expect(await survivor.reserve(key, 700, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
      await expect.poll(() => budgetFields(key, end), { timeout: 5_000 }).toMatchObject({ used: '300', reserved: '700' });
      // Counted as spent: the cap stays where it was, and the survivor's own settlement leaves it so.
      expect(await survivor.reserve(key, 1, 1000, end)).toMatchObject({ allowed: false, used: 1000 });
      expect(await survivor.settle(key, 700, 0, end)).toBe(300);
    }, 20_000);

    it('settles into the spend it was counted in a reservation an instance still held when its lease lapsed', async () => {
      const key = uniqueKey('spend-day');
      const end = Date.now() + 3_600_000;
      const instanceId = `lapsing-${keyCounter}`;
      const lapsing = leasedBackend({ instanceId, leaseMs: 60_000 });
      const watcher = leasedBackend({ leaseMs: 300 });
      expect(await lapsing.reserve(key, 100, 1000, end)).toMatchObject({ allowed: true });
      expect(await watcher.reserve(key, 50, 1000, end)).toMatchObject({ allowed: true });
      // Its heartbeat missed (a long pause, Redis out of its reach): the lease lapses while it still works.
      const redis = new Redis(TEST_REDIS_URL);
      await redis.del(`${KEY_PREFIX}il:${instanceId}`);
      redis.disconnect();
      await expect.poll(() => budgetFields(key, end), { timeout: 5_000 }).toMatchObject({ used: '100', reserved: '50' });
      // Its request ends and costs 30 of the 100: the real amount replaces what was counted for it.
      expect(await lapsing.settle(key, 100, 30, end)).toBe(80);
      expect(await watcher.settle(key, 50, 20, end)).toBe(50);
      expect(await budgetFields(key, end)).toMatchObject({ used: '50', reserved: '0' });
    }, 20_000);

    it('counts what an instance still held when it closed as spent, at once', async () => {
      const key = uniqueKey('spend-day');
      const end = Date.now() + 3_600_000;
      const closing = leasedBackend({ leaseMs: 60_000 });
      expect(await closing.reserve(key, 400, 1000, end)).toMatchObject({ allowed: true });
      expect(await closing.reserve(key, 100, 1000, end)).toMatchObject({ allowed: true });
      await closing.settle(key, 100, 60, end);
      await closing.close();
      expect(await budgetFields(key, end)).toMatchObject({ used: '460', reserved: '0' });
    });

    it('frees a killed instance\'s concurrency slots within two of its leases, while a live instance keeps its own past them', async () => {
      const key = uniqueKey('concurrent');
      // A process of its own holding two of three slots, killed with SIGKILL: nothing of it releases or closes.
      const slot = `await backend.acquireSlot(${JSON.stringify(key)}, 3, 600_000);`;
      const child = await holdingProcess(300, `${slot} ${slot}`);
      const live = leasedBackend({ leaseMs: 300 });
      const own = await live.acquireSlot(key, 3, 600_000);
      expect(own.allowed).toBe(true);
      expect((await live.acquireSlot(key, 3, 600_000)).allowed).toBe(false);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      // The killed instance's two come free (their 10 minutes aside); the live one's stays, renewed by its beats.
      await expect.poll(() => live.current(key), { timeout: 5_000, interval: 100 }).toBe(1);
      expect(Date.now() - killedAt).toBeLessThan(2_000);
      await sleep(1_000);
      expect(await live.current(key)).toBe(1);
      await live.releaseSlot(key, own.slotId);
      expect(await live.current(key)).toBe(0);
    }, 20_000);

    it('shares concurrency slots between instances', async () => {
      const [first, second] = [open(), open()];
      const key = uniqueKey('concurrent');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? first : second).acquireSlot(key, 4, 60_000)),
      );
      const granted = results.filter((result) => result.allowed);
      expect(granted).toHaveLength(4);
      await second.releaseSlot(key, granted[0]!.slotId);
      expect(await first.current(key)).toBe(3);
    });
  });
});

afterAll(async () => {
  if (redisReachable) await deleteRedisKeys(KEY_PREFIX);
});
