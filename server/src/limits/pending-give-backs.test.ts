import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY } from '../../test/harness.js';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL, useRedisKeyPrefixes } from '../../test/redis.js';
import { startRedisProxy, type RedisProxy } from '../../test/redis-proxy.js';
import { gatewayCountingIn, limitUsed, sendChat, setLimitPolicy } from '../../test/spend-caps.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import { PendingGiveBacks } from './pending-give-backs.js';
import { BackendUnavailableError, RedisBackend } from './redis-backend.js';

const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';
const newPrefix = useRedisKeyPrefixes('insforge-test:pending-settlements:');

describe('PendingGiveBacks', () => {
  const budget = (periodEnd: number) => ({ pointer: 'bp:spend', periodEnd, expireAt: periodEnd + 1000 });
  const settlement = (actual: number, periodEnd = Date.now() + 60_000) => ({ type: 'settle' as const, reserved: 600, actual, budget: budget(periodEnd), epoch: 'e1' });
  const refund = (amount: number, keptAt = Date.now()) => ({ type: 'refund' as const, amount, windowMs: 60_000, keptAt, epoch: 'e1' });
  const amounts = (taken: ReturnType<PendingGiveBacks['takeAll']>) => taken.map(({ giveBack }) => (giveBack.type === 'settle' ? giveBack.actual : giveBack.amount));

  it('hands them back in the order they were kept', () => {
    const pending = new PendingGiveBacks(10);
    pending.keep('a', settlement(1));
    pending.keep('b', settlement(2));
    pending.keep('a', settlement(3));
    expect(pending.has('a')).toBe(true);
    expect(pending.takeAll(Date.now()).map(({ key, giveBack }) => [key, giveBack.type === 'settle' && giveBack.actual])).toEqual([['a', 1], ['b', 2], ['a', 3]]);
    expect(pending.size).toBe(0);
    expect(pending.has('a')).toBe(false);
  });

  it('keeps at most its bound, dropping the oldest', () => {
    const pending = new PendingGiveBacks(2);
    pending.keep('a', settlement(1));
    pending.keep('b', settlement(2));
    pending.keep('a', settlement(3));
    expect(pending.has('a')).toBe(true);
    expect(pending.size).toBe(2);
    expect(amounts(pending.takeAll(Date.now()))).toEqual([2, 3]);
  });

  it('drops those whose counter ended: a budget expired, a window\'s length since a refund was kept', () => {
    const pending = new PendingGiveBacks(10);
    pending.keep('a', settlement(1, Date.now() - 5000));
    pending.keep('w', refund(3, Date.now() - 60_000));
    pending.keep('a', settlement(2));
    expect(amounts(pending.takeAll(Date.now()))).toEqual([2]);
  });

  it('puts back in front, in order, what could not be sent', () => {
    const pending = new PendingGiveBacks(10);
    pending.keep('a', settlement(1));
    pending.keep('a', settlement(2));
    const taken = pending.takeAll(Date.now());
    pending.keep('a', settlement(3));
    pending.putBack(taken);
    expect(amounts(pending.takeAll(Date.now()))).toEqual([1, 2, 3]);
  });
});

describe.runIf(runRedis)('a Redis backend whose Redis cannot be reached when a request settles', () => {
  let proxy: RedisProxy;
  let redis: Redis;
  const opened: RedisBackend[] = [];
  const end = Date.now() + 3_600_000;
  const open = (prefix: string) => {
    const backend = new RedisBackend({ url: proxy.url, keyPrefix: prefix, leaseMs: 60_000 });
    opened.push(backend);
    return backend;
  };
  /** Redis goes away, and the backend knows it (a call sent while it did not yet may have reached Redis). */
  const cut = async (backend: RedisBackend) => {
    await proxy.cut();
    await expect.poll(() => backend.current('probe').then(() => true, () => false), { timeout: 5_000, interval: 20 }).toBe(false);
  };
  /** Until the backend answers again. */
  const reconnected = (backend: RedisBackend) => expect.poll(() => backend.current('probe').then(() => true, () => false), { timeout: 5_000, interval: 50 }).toBe(true);

  beforeAll(async () => {
    if (!redisReachable) throw new Error(`CI=true requires Redis at ${TEST_REDIS_URL}`);
    proxy = await startRedisProxy();
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
    await proxy.restore().catch(() => undefined);
  });
  afterAll(async () => {
    redis.disconnect();
    await proxy.close();
  });

  it('gives the reservation back once Redis answers again, counting what the request cost, once', async () => {
    const prefix = newPrefix();
    const backend = open(prefix);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: true });
    await cut(backend);
    await expect(backend.settle('spend', 600, 200, end)).rejects.toBeInstanceOf(BackendUnavailableError);
    await proxy.restore();
    await reconnected(backend);
    expect(await backend.current('spend')).toBe(200);
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['200', '0']);
    // Fits only beside what the request cost, not beside its worst case.
    expect(await backend.reserve('spend', 800, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
    // Never a second time: not with the next calls, nor with a beat.
    await backend.settle('spend', 800, 800, end);
    await backend.current('spend');
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['1000', '0']);
  });

  it('settles in order what ended while Redis was away, and what ends after, each once', async () => {
    const prefix = newPrefix();
    const backend = open(prefix);
    await backend.reserve('spend', 300, 1000, end);
    await backend.reserve('spend', 300, 1000, end);
    await backend.reserve('tokens', 50, 100, end);
    await cut(backend);
    await expect(backend.settle('spend', 300, 100, end)).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(backend.settle('tokens', 50, 10, end)).rejects.toBeInstanceOf(BackendUnavailableError);
    await proxy.restore();
    await reconnected(backend);
    expect(await backend.settle('spend', 300, 250, end)).toBe(350);
    expect(await backend.current('tokens')).toBe(10);
    expect(await redis.hmget(`${prefix}b:${end}:spend`, 'used', 'reserved')).toEqual(['350', '0']);
  });

  it('drops a settlement kept across a loss of Redis\'s data, which the new counters never held', async () => {
    const prefix = newPrefix();
    const backend = open(prefix);
    await backend.reserve('spend', 600, 1000, end);
    await backend.reserve('spend', 300, 1000, end);
    await cut(backend);
    await expect(backend.settle('spend', 600, 200, end)).rejects.toBeInstanceOf(BackendUnavailableError);
    // Redis restarts with nothing kept on disk: the request still in flight reserves again, the one that ended does not.
    await deleteRedisKeys(prefix);
    await proxy.restore();
    await reconnected(backend);
    // The settlement kept from before gives back nothing of the reservation made again, nor counts what it spent.
    expect(await backend.current('spend')).toBe(300);
    // The ledger holds what it spent.
    await backend.seedBudget('spend', 200, end);
    expect(await backend.reserve('spend', 600, 1000, end)).toMatchObject({ allowed: false, used: 500 });
    expect(await backend.reserve('spend', 500, 1000, end)).toMatchObject({ allowed: true, used: 1000 });
  });
});

describe.runIf(runRedis)('a Redis backend whose Redis cannot be reached when a rate window is refunded', () => {
  let proxy: RedisProxy;
  const opened: RedisBackend[] = [];
  const open = (prefix: string, url = proxy.url) => {
    const backend = new RedisBackend({ url, keyPrefix: prefix, leaseMs: 60_000 });
    opened.push(backend);
    return backend;
  };
  const answers = (backend: RedisBackend) => backend.current('probe').then(() => true, () => false);

  beforeAll(async () => {
    proxy = await startRedisProxy();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
    await proxy.restore().catch(() => undefined);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('refunds the window once Redis answers again, while it lasts', async () => {
    const prefix = newPrefix();
    const backend = open(prefix);
    expect(await backend.consumeWindow('tpm', 10, 10, 60_000)).toMatchObject({ allowed: true });
    await proxy.cut();
    await expect.poll(() => answers(backend), { timeout: 5_000, interval: 20 }).toBe(false);
    await expect(backend.refundWindow('tpm', 6, 60_000)).rejects.toBeInstanceOf(BackendUnavailableError);
    await proxy.restore();
    await expect.poll(() => answers(backend), { timeout: 5_000, interval: 50 }).toBe(true);
    expect(await backend.current('tpm')).toBe(4);
    expect(await backend.consumeWindow('tpm', 6, 10, 60_000)).toMatchObject({ allowed: true, used: 10 });
    expect(await backend.consumeWindow('tpm', 1, 10, 60_000)).toMatchObject({ allowed: false });
  });

  it('gives nothing to a window that started after the refund was kept', async () => {
    const prefix = newPrefix();
    const backend = open(prefix);
    const other = open(prefix, TEST_REDIS_URL);
    expect(await backend.consumeWindow('tpm', 10, 10, 3000)).toMatchObject({ allowed: true });
    // Late in the window, Redis goes away and the refund is kept.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await proxy.cut();
    await expect.poll(() => answers(backend), { timeout: 5_000, interval: 20 }).toBe(false);
    await expect(backend.refundWindow('tpm', 6, 3000)).rejects.toBeInstanceOf(BackendUnavailableError);
    // The window ends; another instance starts the next one, full, before the refund's window length is over.
    await expect.poll(() => other.consumeWindow('tpm', 10, 10, 3000).then(({ allowed }) => allowed), { timeout: 5_000, interval: 100 }).toBe(true);
    await proxy.restore();
    await expect.poll(() => answers(backend), { timeout: 5_000, interval: 50 }).toBe(true);
    expect(await other.current('tpm')).toBe(10);
  });
});

describe.runIf(runRedis)('a gateway whose Redis was away when a request ended', () => {
  const inDirectory = useTemporaryDirectory('insforge-ai-pending-settlements-');

  it('gives its reservation back once Redis is back, so the daily cap counts only what the request used', async () => {
    const proxy = await startRedisProxy();
    const prefix = newPrefix();
    const gateway = await gatewayCountingIn(proxy.url, prefix, inDirectory(`ai-${randomUUID()}.db`));
    const tokensUsed = () => limitUsed(gateway, 'tokensPerDay');
    try {
      // Each request's worst case (its prompt's bound and max_tokens) is about 670 tokens: one fits, and a second only
      // beside what the first used, not beside its worst case.
      await setLimitPolicy(gateway, { project: { tokensPerDay: 1000 } });
      gateway.emulator.addRule({ match: { contains: 'during the outage' }, scenario: 'ttft=3000;tokens=20' });
      gateway.emulator.addRule({ match: { contains: 'after the outage' }, scenario: 'tokens=20' });
      const first = sendChat(gateway, 'ends during the outage');
      await expect.poll(tokensUsed, { timeout: 10_000, interval: 50 }).toBeGreaterThan(500);
      await proxy.cut();
      const answer = await first;
      expect(answer.status).toBe(200);
      const { usage } = (await answer.json()) as { usage: { total_tokens: number } };
      expect(usage.total_tokens).toBeLessThan(200);
      await proxy.restore();
      // Until its connection to Redis is back the gateway answers 503 (fail-closed) and counts nothing.
      await expect.poll(async () => (await fetch(`${gateway.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status, { timeout: 5_000, interval: 50 }).toBe(200);
      await expect.poll(tokensUsed, { timeout: 5_000, interval: 50 }).toBe(usage.total_tokens);
      const second = await sendChat(gateway, 'one after the outage');
      expect(second.status).toBe(200);
      await second.body?.cancel();
    } finally {
      await gateway.close();
      await proxy.close();
    }
  }, 30_000);
});
