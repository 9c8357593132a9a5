import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { freezePolicy, MemoryLimitPolicySource, type ProjectLimits } from './limit-policy.js';
import { MemoryBackend } from './memory-backend.js';
import { QuotaGuard, type QuotaSubject, type Spent } from './quota-guard.js';
import { RedisBackend } from './redis-backend.js';
import { EMPTY_POLICY, type LimitSettings, type QuotaBackend } from './types.js';

const KEY_PREFIX = `test:caps-set-again:${randomUUID()}:`;
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';

/** Name, how to open a backend, how often a seed is read again (as `createAiGateway` sets it), whether to run. */
const backends: Array<[string, () => QuotaBackend, number | undefined, boolean]> = [
  ['in process', () => new MemoryBackend(), undefined, true],
  ['Redis', () => new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: `${KEY_PREFIX}${randomUUID()}:` }), 5 * 60_000, runRedis],
];

afterAll(async () => {
  if (redisReachable) await deleteRedisKeys(KEY_PREFIX);
});

describe.each(backends)('a cap removed and set again in the same period (%s)', (_name, open, seedRefreshMs, enabled) => {
  it.runIf(enabled)('counts what was spent while it was absent, from the ledger', async () => {
    const subject: QuotaSubject = { identity: { projectId: 'project-a', role: 'user', userId: 'u-1' }, feature: undefined };
    const limitsAt = (version: number, project: LimitSettings, everyUser: LimitSettings): ProjectLimits => ({
      policy: freezePolicy({ ...EMPTY_POLICY, project, users: { default: everyUser, overrides: {} } }),
      alerts: { thresholds: [1], webhookUrl: null },
      stopped: false,
      stopReason: null,
      version,
      updatedAt: null,
      updatedBy: null,
    });
    const source = new MemoryLimitPolicySource({ 'project-a': limitsAt(1, { spendPerDayUsd: 1 }, { spendPerDayUsd: 1 }) });
    // The ledger: what every request cost, written as it ends (u-1 sends them all).
    const ledger: Spent = { tokens: 0, costUsd: 0 };
    const backend = open();
    const guard = new QuotaGuard(backend, async () => source, {
      spentSince: async () => ({ ...ledger }),
      spentByCallerSince: async () => new Map([['u-1', { ...ledger }]]),
      ...(seedRefreshMs === undefined ? {} : { seedRefreshMs }),
    });
    const spend = async (costUsd: number) => {
      await (await guard.admit(subject, { tokens: 10, costUsd })).settle({ tokens: 10, costUsd, mayBeBilled: true });
      ledger.costUsd += costUsd;
    };
    try {
      await spend(0.2);
      // Both caps removed: $0.50 spent that no counter counts.
      source.set('project-a', limitsAt(2, {}, {}));
      await spend(0.5);
      // Set again, the same day: they count the $0.70 of the day, not the $0.20 counted before.
      source.set('project-a', limitsAt(3, { spendPerDayUsd: 1 }, { spendPerDayUsd: 1 }));
      await expect(guard.admit(subject, { tokens: 10, costUsd: 0.31 })).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('has $0.3000 left') });
      expect((await guard.consumption(subject)).map(({ scope, used }) => ({ scope, used }))).toEqual([
        { scope: 'project', used: 0.7 },
        { scope: 'user', used: 0.7 },
      ]);
      await spend(0.3);
      await expect(guard.admit(subject, { tokens: 10, costUsd: 0.01 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    } finally {
      await backend.close();
    }
  });
});
