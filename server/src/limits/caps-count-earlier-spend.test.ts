import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { gatewayCountingIn, sendChat, setLimitPolicy } from '../../test/spend-caps.js';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { startRedisProxy } from '../../test/redis-proxy.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import type { LimitSettings } from './types.js';

const inDirectory = useTemporaryDirectory('insforge-ai-caps-');

/** A gateway over `database` that writes its own ledger there (not the harness's in-memory sink). */
const gatewayOn = (database: string) => startHarness({ database, usage: undefined });

const chat = (harness: Harness, content: string, maxTokens = 100) => sendChat(harness, content, maxTokens);
const setCaps = (harness: Harness, project: LimitSettings, everyUser: LimitSettings = {}) => setLimitPolicy(harness, { project, users: { default: everyUser, overrides: {} } });
const usedOf = async (harness: Harness) => {
  const { data } = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { data: Array<{ kind: string; used: number }> };
  return Object.fromEntries(data.map((entry) => [entry.kind, entry.used]));
};

describe.each(['sqlite', 'postgres'] as const)('caps count what was spent before they counted (%s)', (kind) => {
  let database: TestDatabase | undefined;
  const open = async () => {
    if (kind === 'sqlite') return inDirectory(`ai-${Math.random().toString(36).slice(2)}.db`);
    database = await createTestDatabase('postgres');
    await database.database.close();
    return database.url;
  };
  afterAll(async () => {
    await database?.drop().catch(() => undefined);
  });

  it('counts the spend of the day so far when a cap is set mid-day, and again after a restart', async () => {
    const url = await open();
    const first = await gatewayOn(url);
    let spent: { cost: number; tokens: number };
    try {
      // Spent with no cap set: nothing counted it then.
      for (let index = 0; index < 3; index += 1) expect((await chat(first, `before any cap ${index}`)).status).toBe(200);
      await setCaps(first, { tokensPerDay: 100_000, spendPerDayUsd: 1 });
      const used = await usedOf(first);
      spent = { cost: first.emulator.billedTotal().cost, tokens: used['tokensPerDay'] ?? 0 };
      expect(spent.cost).toBeGreaterThan(0);
      expect(used['spendPerDayUsd']).toBeCloseTo(spent.cost, 9);
      expect(spent.tokens).toBeGreaterThan(3 * 20);
    } finally {
      await first.close();
    }
    // A new process counts in process from nothing: it reads the ledger first.
    const second = await gatewayOn(url);
    try {
      const used = await usedOf(second);
      expect(used['spendPerDayUsd']).toBeCloseTo(spent.cost, 9);
      expect(used['tokensPerDay']).toBe(spent.tokens);
      // A cap just above what was spent refuses what no longer fits (a prompt reserves a token a byte of its JSON, about
      // 170 here, besides its max_tokens).
      await setCaps(second, { tokensPerDay: spent.tokens + 300 });
      const refused = await chat(second, 'one more, long', 400);
      expect(refused.status).toBe(402);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('has');
      expect((await chat(second, 'one more, short', 20)).status).toBe(200);
      // A cap for every user counts what each spent (the harness's client key is user-1's).
      const userSpent = (await usedOf(second))['tokensPerDay'] ?? 0;
      await setCaps(second, {}, { tokensPerDay: userSpent + 300 });
      const refusedUser = await chat(second, 'one more for the user, long', 400);
      expect(refusedUser.status).toBe(402);
      expect(((await refusedUser.json()) as { error: { message: string } }).error.message).toContain(`daily token limit of ${userSpent + 300} for your account has`);
    } finally {
      await second.close();
    }
  }, 30_000);
});

describe('a fail-open gateway whose Redis went away and came back', () => {
  it('counts in Redis what it spent in process meanwhile, once, so the cap holds after the outage', async () => {
    const proxy = await startRedisProxy();
    const prefix = `insforge-test:caps-outage:${randomUUID()}:`;
    const gateway = await startHarness({
      database: inDirectory(`ai-${randomUUID()}.db`),
      usage: undefined,
      ledger: { flushIntervalMs: 5 },
      limits: { redisUrl: proxy.url, redisKeyPrefix: prefix, onRedisFailure: 'fail-open' },
    });
    try {
      await setCaps(gateway, { spendPerDayUsd: 1 });
      expect((await chat(gateway, 'through Redis')).status).toBe(200);
      // Settled in Redis before it goes: a settlement cut off would leave its reservation held there.
      await expect.poll(async () => (await usedOf(gateway))['spendPerDayUsd'], { timeout: 5_000 }).toBeCloseTo(gateway.emulator.billedTotal().cost, 9);
      await proxy.cut();
      for (let index = 0; index < 3; index += 1) expect((await chat(gateway, `in process ${index}`)).status).toBe(200);
      await proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await chat(gateway, 'through Redis again')).status).toBe(200);
      // Every request is counted, in Redis, once: what OpenRouter billed for the five.
      const billed = gateway.emulator.billedTotal();
      expect(billed.generations).toBe(5);
      expect((await usedOf(gateway))['spendPerDayUsd']).toBeCloseTo(billed.cost, 9);
    } finally {
      await gateway.close();
      await proxy.close();
      await deleteRedisKeys(prefix);
    }
  }, 30_000);
});

describe('a gateway whose Redis restarted between two requests, with nothing kept on disk', () => {
  it('counts again from the ledger what was spent before, so the cap holds after the restart', async () => {
    const proxy = await startRedisProxy();
    const prefix = `insforge-test:caps-restart:${randomUUID()}:`;
    const gateway = await gatewayCountingIn(proxy.url, prefix, inDirectory(`ai-${randomUUID()}.db`));
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await setCaps(gateway, { spendPerDayUsd: 1 });
      for (let index = 0; index < 3; index += 1) expect((await chat(gateway, `before the restart ${index}`)).status).toBe(200);
      const billed = gateway.emulator.billedTotal().cost;
      await expect.poll(async () => (await usedOf(gateway))['spendPerDayUsd'], { timeout: 5_000 }).toBeCloseTo(billed, 9);
      // Redis restarts while no request is in flight, so no call fails: its counters are gone when it is back.
      await proxy.cut();
      await deleteRedisKeys(prefix);
      await proxy.restore();
      await expect.poll(async () => (await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000))[1].length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect((await usedOf(gateway))['spendPerDayUsd']).toBeCloseTo(billed, 9);
    } finally {
      redis.disconnect();
      await gateway.close();
      await proxy.close();
      await deleteRedisKeys(prefix);
    }
  }, 30_000);
});
