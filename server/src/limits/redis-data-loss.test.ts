import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { CLIENT_KEY, startHarness } from '../../test/harness.js';
import { chatBody, gatewayCountingIn, limitUsed, sendChat, setLimitPolicy, setSpendCap, spentToday, worstCaseOf } from '../../test/spend-caps.js';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL, useRedisKeyPrefixes } from '../../test/redis.js';
import { startRedisProxy, type RedisProxy } from '../../test/redis-proxy.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import { freezePolicy, MemoryLimitPolicySource } from './limit-policy.js';
import { QuotaGuard, type QuotaSubject } from './quota-guard.js';
import { RedisBackend } from './redis-backend.js';
import { EMPTY_POLICY, type LimitSettings } from './types.js';

/**
 * A Redis that keeps nothing on disk restarts while requests are in flight: their reservations go with its data, and
 * the usage ledger the counters are seeded from does not hold them yet. A restart is a cut connection and the keys
 * under the test's own prefix deleted.
 */
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';
const newPrefix = useRedisKeyPrefixes('insforge-test:data-loss:');
const restart = async (proxy: RedisProxy, prefix: string, keepData = false) => {
  await proxy.cut();
  if (!keepData) await deleteRedisKeys(prefix);
  await proxy.restore();
};

describe.runIf(runRedis)('a Redis backend whose Redis restarted with nothing kept on disk', () => {
  let proxy: RedisProxy;
  let redis: Redis;
  const opened: RedisBackend[] = [];
  const end = Date.now() + 3_600_000;
  const open = (prefix: string, onDataLost = vi.fn()) => {
    const backend = new RedisBackend({ url: proxy.url, keyPrefix: prefix, leaseMs: 60_000, onDataLost });
    opened.push(backend);
    return { backend, onDataLost };
  };
  /** Until the backend answers again (a call that answers has read whether Redis kept its data). */
  const reconnected = (backend: RedisBackend) => expect.poll(() => backend.current('probe').then(() => true, () => false), { timeout: 5_000, interval: 50 }).toBe(true);

  beforeAll(async () => {
    if (!redisReachable) throw new Error(`CI=true requires Redis at ${TEST_REDIS_URL}`);
    proxy = await startRedisProxy();
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });
  afterAll(async () => {
    redis.disconnect();
    await proxy.close();
  });

  it('reserves again what a request in flight held once it finds the loss, so no request passes the cap meanwhile', async () => {
    const prefix = newPrefix();
    const { backend, onDataLost } = open(prefix);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: true });
    await restart(proxy, prefix);
    await reconnected(backend);
    expect(onDataLost).toHaveBeenCalledTimes(1);
    // The ledger holds nothing yet: the request is in flight.
    await backend.seedBudget('spend', 0, end);
    expect(await backend.current('spend')).toBe(600);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: false, used: 600 });
    expect(await backend.settle('spend', 600, 500, end)).toBe(500);
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['500', '0']);
  });

  it('puts back what its requests in flight held as soon as it finds the loss, before any seed, and settles them as before', async () => {
    const prefix = newPrefix();
    const { backend } = open(prefix);
    await backend.reserve('spend', 300, 1000, end);
    await backend.reserve('spend', 300, 1000, end);
    await restart(proxy, prefix);
    await reconnected(backend);
    // The first request ends before any request of the budget seeds it: what it spent counts, beside the other in flight.
    expect(await backend.settle('spend', 300, 200, end)).toBe(500);
    // The ledger now holds it; the other request is in flight.
    await backend.seedBudget('spend', 200, end);
    expect(await backend.current('spend')).toBe(500);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: false, used: 500 });
    await backend.settle('spend', 300, 300, end);
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['500', '0']);
  });

  it('has each instance reserve again what its own requests in flight hold, and the first seed count the ledger beside them', async () => {
    const prefix = newPrefix();
    const { backend: first } = open(prefix);
    const { backend: second } = open(prefix);
    await first.reserve('spend', 300, 1000, end);
    await second.reserve('spend', 300, 1000, end);
    await restart(proxy, prefix);
    await reconnected(first);
    await reconnected(second);
    // The ledger holds 100 spent before; each instance seeds the budget before its next request counts.
    await first.seedBudget('spend', 100, end);
    await second.seedBudget('spend', 100, end);
    expect(await first.current('spend')).toBe(700);
    expect(await second.reserve('spend', 400, 1000, end)).toMatchObject({ allowed: false, used: 700 });
    expect(await second.reserve('spend', 300, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
  });

  it('takes again the concurrency slots its requests in flight held', async () => {
    const prefix = newPrefix();
    const { backend } = open(prefix);
    const held = await backend.acquireSlot('concurrent', 1, 60_000);
    expect(held.allowed).toBe(true);
    await restart(proxy, prefix);
    await reconnected(backend);
    expect((await backend.acquireSlot('concurrent', 1, 60_000)).allowed).toBe(false);
    await backend.releaseSlot('concurrent', held.slotId);
    expect((await backend.acquireSlot('concurrent', 1, 60_000)).allowed).toBe(true);
  });

  it('reserves nothing twice when Redis kept its data (only the connection was lost)', async () => {
    const prefix = newPrefix();
    const { backend, onDataLost } = open(prefix);
    await backend.reserve('spend', 600, 1000, end);
    await restart(proxy, prefix, true);
    await reconnected(backend);
    await backend.seedBudget('spend', 0, end);
    expect(onDataLost).not.toHaveBeenCalled();
    expect(await backend.current('spend')).toBe(600);
    await backend.settle('spend', 600, 600, end);
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['600', '0']);
  });
});

describe.runIf(runRedis)('a Redis backend whose Redis lost its data on a connection that stayed up (a flush, a failover, eviction)', () => {
  const opened: RedisBackend[] = [];
  const end = Date.now() + 3_600_000;
  const open = (prefix: string, instanceId?: string) => {
    const onDataLost = vi.fn();
    const backend = new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: prefix, leaseMs: 60_000, onDataLost, ...(instanceId !== undefined && { instanceId }) });
    opened.push(backend);
    return { backend, onDataLost };
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it('sees the loss with the first request after it, and takes its slots and reservations again before that request counts', async () => {
    const prefix = newPrefix();
    const { backend, onDataLost } = open(prefix);
    const held = await backend.acquireSlot('concurrent', 1, 60_000);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: true });
    await deleteRedisKeys(prefix);
    // The slot its request in flight holds is taken again before the next is counted.
    expect((await backend.acquireSlot('concurrent', 1, 60_000)).allowed).toBe(false);
    expect(onDataLost).toHaveBeenCalledTimes(1);
    // The ledger holds nothing yet: the request is in flight.
    await backend.seedBudget('spend', 0, end);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: false, used: 600 });
    await backend.releaseSlot('concurrent', held.slotId);
    expect(await backend.settle('spend', 600, 500, end)).toBe(500);
    expect(onDataLost).toHaveBeenCalledTimes(1);
  });

  it('counts an idle instance\'s requests in flight from their notes until it puts its own back, then once', async () => {
    const prefix = newPrefix();
    const { backend: idle } = open(prefix, 'idle');
    const { backend: other } = open(prefix, 'other');
    expect(await idle.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: true });
    await deleteRedisKeys(prefix);
    // The other instance finds the loss and seeds the budget from the ledger: nothing spent, the idle one's note in flight.
    await other.consumeWindow('rpm', 1, 10, 60_000);
    await other.seedBudget('spend', 0, end, new Map([['idle', 600], ['other', 0]]));
    expect(await other.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: false, used: 600 });
    // A seed again counts it no second time.
    await other.seedBudget('spend', 0, end, new Map([['idle', 600]]));
    expect(await other.current('spend')).toBe(600);
    // The idle instance finds the loss (its beat, or here its next call): its own reservation replaces the note's.
    await idle.consumeWindow('rpm', 1, 10, 60_000);
    expect(await idle.current('spend')).toBe(600);
    // Its lease is back: the notes are no longer counted for it.
    await other.seedBudget('spend', 0, end, new Map([['idle', 600]]));
    expect(await idle.settle('spend', 600, 500, end)).toBe(500);
    expect(await other.current('spend')).toBe(500);
  });

  it('takes out what was counted from its notes where it held nothing, once it finds the loss', async () => {
    const prefix = newPrefix();
    const { backend: idle } = open(prefix, 'idle');
    const { backend: other } = open(prefix, 'other');
    // A note that outlived its settlement a moment (its record is about to be written): nothing held in Redis.
    expect(await idle.reserve('spend', 300, 1000, end)).toMatchObject({ allowed: true });
    await idle.settle('spend', 300, 300, end);
    await deleteRedisKeys(prefix);
    await other.consumeWindow('rpm', 1, 10, 60_000);
    await other.seedBudget('spend', 0, end, new Map([['idle', 300]]));
    expect(await other.current('spend')).toBe(300);
    await idle.consumeWindow('rpm', 1, 10, 60_000);
    expect(await other.current('spend')).toBe(0);
    // The ledger holds the record now.
    await other.seedBudget('spend', 300, end);
    expect(await other.current('spend')).toBe(300);
  });

  it('counts no other instance\'s notes when it saw no loss', async () => {
    const prefix = newPrefix();
    const { backend: first } = open(prefix, 'first');
    const { backend: second } = open(prefix, 'second');
    await first.reserve('spend', 600, 1000, end);
    await second.seedBudget('spend', 0, end, new Map([['first', 600], ['gone', 200]]));
    expect(await second.current('spend')).toBe(600);
  });

  it('has every instance see the loss, including those that come after the first to find it', async () => {
    const prefix = newPrefix();
    const { backend: first, onDataLost: firstLost } = open(prefix);
    const { backend: second, onDataLost: secondLost } = open(prefix);
    await first.reserve('spend', 300, 1000, end);
    await second.reserve('spend', 300, 1000, end);
    await deleteRedisKeys(prefix);
    // The first instance finds the epoch gone and sets a new one; the second finds one it never read.
    await first.consumeWindow('rpm', 1, 10, 60_000);
    await second.consumeWindow('rpm', 1, 10, 60_000);
    expect(firstLost).toHaveBeenCalledTimes(1);
    expect(secondLost).toHaveBeenCalledTimes(1);
    await first.seedBudget('spend', 100, end);
    await second.seedBudget('spend', 100, end);
    expect(await first.reserve('spend', 301, 1000, end)).toMatchObject({ allowed: false, used: 700 });
  });
});

describe.runIf(runRedis)('a quota guard with no ledger to read, whose Redis restarted with a request in flight', () => {
  it('counts the request in flight against its caps and concurrency until it settles', async () => {
    const proxy = await startRedisProxy();
    const prefix = newPrefix();
    // Wired as the gateway wires it; the connection comes back long after the guard is made.
    const backend = new RedisBackend({ url: proxy.url, keyPrefix: prefix, leaseMs: 60_000, onReconnect: () => guard.recount() });
    const policy = freezePolicy({ ...EMPTY_POLICY, project: { tokensPerDay: 1000, concurrentRequests: 2 } });
    const limits = { policy, alerts: { thresholds: [1], webhookUrl: null }, stopped: false, stopReason: null, version: 1, updatedAt: null, updatedBy: null };
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ project: limits }));
    const subject: QuotaSubject = { identity: { projectId: 'project', role: 'user' }, feature: undefined };
    try {
      const inFlight = await guard.admit(subject, { tokens: 600, costUsd: 0 });
      await restart(proxy, prefix);
      await expect.poll(() => backend.current('probe').then(() => true, () => false), { timeout: 5_000, interval: 50 }).toBe(true);
      await expect(guard.admit(subject, { tokens: 600, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
      const small = await guard.admit(subject, { tokens: 100, costUsd: 0 });
      // Two at once: the one in flight holds its slot again.
      await expect(guard.admit(subject, { tokens: 100, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
      await inFlight.settle({ tokens: 500, costUsd: 0, mayBeBilled: true });
      await small.settle({ tokens: 50, costUsd: 0, mayBeBilled: true });
      expect((await guard.consumption(subject)).find((status) => status.kind === 'tokensPerDay')).toMatchObject({ used: 550 });
    } finally {
      await guard.close();
      await backend.close();
      await proxy.close();
    }
  });
});

describe.runIf(runRedis)('a gateway whose Redis restarted with a request in flight, with nothing kept on disk', () => {
  const inDirectory = useTemporaryDirectory('insforge-ai-data-loss-');

  it('refuses a request the cap has no room for beside the one in flight, as before the restart', async () => {
    const proxy = await startRedisProxy();
    const prefix = newPrefix();
    const gateway = await gatewayCountingIn(proxy.url, prefix, inDirectory(`ai-${randomUUID()}.db`));
    const redis = new Redis(TEST_REDIS_URL);
    const tokensUsed = () => limitUsed(gateway, 'tokensPerDay');
    try {
      // Each request's worst case (its prompt's bound and max_tokens) is about 670 tokens: one fits, two do not.
      await setLimitPolicy(gateway, { project: { tokensPerDay: 1000 } });
      gateway.emulator.addRule({ match: { contains: 'in flight' }, scenario: 'ttft=4000;tokens=600' });
      gateway.emulator.addRule({ match: { contains: 'meanwhile' }, scenario: 'tokens=600' });
      let inFlight = true;
      const first = sendChat(gateway, 'the one in flight').finally(() => (inFlight = false));
      await expect.poll(tokensUsed, { timeout: 5_000, interval: 50 }).toBeGreaterThan(500);
      await proxy.cut();
      await deleteRedisKeys(prefix);
      await proxy.restore();
      await expect.poll(async () => (await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000))[1].length, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0);
      // Until its connection to Redis is back the gateway answers 503 and counts nothing (once, on a loaded machine):
      // a client sends again, and then the cap must refuse it.
      let second = await sendChat(gateway, 'one more meanwhile');
      for (let tries = 0; second.status === 503 && tries < 20; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        second = await sendChat(gateway, 'one more meanwhile');
      }
      expect(inFlight).toBe(true);
      expect(second.status).toBe(402);
      expect((await first).status).toBe(200);
      await expect.poll(tokensUsed, { timeout: 5_000 }).toBeLessThanOrEqual(1000);
    } finally {
      redis.disconnect();
      await gateway.close();
      await proxy.close();
    }
  }, 30_000);
});

describe.runIf(runRedis)('a gateway whose Redis lost its data between two requests, on a connection that stayed up', () => {
  const inDirectory = useTemporaryDirectory('insforge-ai-flush-');
  /** A gateway counting in Redis under a prefix of its own, with `project` as its project's limits. */
  const gatewayWith = async (project: LimitSettings) => {
    const prefix = newPrefix();
    const gateway = await gatewayCountingIn(TEST_REDIS_URL, prefix, inDirectory(`ai-${randomUUID()}.db`));
    await setLimitPolicy(gateway, { project });
    gateway.emulator.addRule({ match: { contains: 'hello' }, scenario: 'tokens=600' });
    const chat = () => sendChat(gateway, 'hello');
    return { gateway, prefix, chat };
  };

  it('keeps the daily token cap: the next request counts what the ledger holds, not an empty counter', async () => {
    // Each request's worst case is about 670 tokens: after one that used 600, a second does not fit.
    const { gateway, prefix, chat } = await gatewayWith({ tokensPerDay: 1000 });
    try {
      expect((await chat()).status).toBe(200);
      await deleteRedisKeys(prefix);
      const after = await chat();
      expect(after.status).toBe(402);
      await after.body?.cancel();
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('keeps the per-minute request rate: a client that used the minute\'s requests gets no more in it', async () => {
    const { gateway, prefix, chat } = await gatewayWith({ requestsPerMinute: 2 });
    try {
      expect((await chat()).status).toBe(200);
      expect((await chat()).status).toBe(200);
      await deleteRedisKeys(prefix);
      const after = await chat();
      expect(after.status).toBe(429);
      expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(0);
      await after.body?.cancel();
    } finally {
      await gateway.close();
    }
  }, 30_000);
});

describe.runIf(runRedis)('two gateways sharing Redis and a Postgres ledger, whose Redis lost its data while one had a request in flight', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await database.database.close();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('refuses on the other instance what the cap has no room for beside the idle one\'s request in flight', async () => {
    const prefix = newPrefix();
    // A long lease: the idle instance's heartbeat does not come during the test, so only the seed can count its request.
    const gatewayOf = () => startHarness({ database: database.url, usage: undefined, ledger: { flushIntervalMs: 5 }, limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix }, instanceLeaseMs: 60_000 });
    const idle = await gatewayOf();
    const other = await gatewayOf();
    const notes = new pg.Client({ connectionString: database.url });
    await notes.connect();
    const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
    let first: Promise<Response> | undefined;
    try {
      // One request's worst case fits the cap; two do not.
      const worstCase = await worstCaseOf(idle, chatBody('the one in flight'));
      const cap = 1.5 * worstCase;
      await setSpendCap(idle, cap);
      await expect.poll(async () => (await (await fetch(`${other.url}/api/ai/limits`, { headers })).json()) as unknown, { timeout: 5_000 }).toMatchObject({ data: [{ kind: 'spendPerDayUsd', limit: cap }] });
      idle.emulator.addRule({ match: { contains: 'in flight' }, scenario: 'ttft=3000;tokens=400' });
      other.emulator.addRule({ match: { contains: 'meanwhile' }, scenario: 'tokens=400' });
      let inFlight = true;
      first = sendChat(idle, 'the one in flight').finally(() => (inFlight = false));
      // Its reservation is in Redis and its note in the shared database.
      await expect.poll(async () => Number((await notes.query('select count(*) as n from open_requests')).rows[0].n), { timeout: 5_000, interval: 20 }).toBe(1);
      await deleteRedisKeys(prefix);
      const second = await sendChat(other, 'one more meanwhile');
      expect(inFlight).toBe(true);
      expect(second.status).toBe(402);
      await second.body?.cancel();
      expect((await first).status).toBe(200);
      // Once the idle instance runs its data-loss steps (here with its next request, a small one), the request that was
      // in flight counts once, at what it cost.
      expect((await sendChat(idle, 'a small one after', 20)).status).toBe(200);
      const billed = idle.emulator.billedTotal().cost + other.emulator.billedTotal().cost;
      expect(billed).toBeLessThanOrEqual(cap);
      await expect.poll(() => spentToday(other), { timeout: 5_000 }).toBeCloseTo(billed, 9);
    } finally {
      await first?.catch(() => undefined);
      await notes.end();
      await idle.close();
      await other.close();
    }
  }, 30_000);
});
