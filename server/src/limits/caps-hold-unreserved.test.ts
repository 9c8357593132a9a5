import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { freezePolicy, MemoryLimitPolicySource, type ProjectLimits } from './limit-policy.js';
import { MemoryBackend } from './memory-backend.js';
import { QuotaGuard, type QuotaSubject, type Spent } from './quota-guard.js';
import { RedisBackend } from './redis-backend.js';
import { EMPTY_POLICY, type LimitSettings, type QuotaBackend } from './types.js';

const KEY_PREFIX = `test:caps-hold-unreserved:${randomUUID()}:`;
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';
const INSTANCE = 'instance-a';

const backends: Array<[string, () => QuotaBackend, boolean]> = [
  ['in process', () => new MemoryBackend(), true],
  ['Redis', () => new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: `${KEY_PREFIX}${randomUUID()}:`, instanceId: INSTANCE }), runRedis],
];

afterAll(async () => {
  if (redisReachable) await deleteRedisKeys(KEY_PREFIX);
});

const limitsAt = (version: number, project: LimitSettings): ProjectLimits => ({
  policy: freezePolicy({ ...EMPTY_POLICY, project }),
  alerts: { thresholds: [1], webhookUrl: null },
  stopped: false,
  stopReason: null,
  version,
  updatedAt: null,
  updatedBy: null,
});

/** A ledger as the gateway keeps it: records of requests that ended, and notes of those in flight, by request id. */
class Ledger {
  readonly records = new Map<string, number>();
  readonly notes = new Map<string, number>();
  spent(): Spent {
    const costUsd = [...this.records.values()].reduce((total, cost) => total + cost, 0);
    return { tokens: 0, costUsd, open: [...this.notes].map(([requestId, worstCase]) => ({ requestId, instanceId: INSTANCE, tokens: 0, costUsd: worstCase })) };
  }
  ended(requestIds: readonly string[]): Map<string, Omit<Spent, 'inFlight' | 'open'> | null> {
    const ended = new Map<string, Omit<Spent, 'inFlight' | 'open'> | null>();
    for (const id of requestIds) {
      const cost = this.records.get(id);
      if (cost !== undefined) ended.set(id, { tokens: 0, costUsd: cost });
      else if (this.notes.has(id)) ended.set(id, null);
    }
    return ended;
  }
  end(requestId: string, costUsd: number): void {
    this.notes.delete(requestId);
    this.records.set(requestId, costUsd);
  }
}

describe.each(backends)('a cap set again while requests run (%s)', (_name, open, enabled) => {
  it.runIf(enabled)('holds those admitted while it was absent until they end, and not those that reserved in it', async () => {
    const source = new MemoryLimitPolicySource({ 'project-a': limitsAt(1, { spendPerDayUsd: 1 }) });
    const ledger = new Ledger();
    const backend = open();
    const guard = new QuotaGuard(backend, async () => source, {
      spentSince: async () => ledger.spent(),
      endedRequests: async (requestIds) => ledger.ended(requestIds),
      instanceId: INSTANCE,
    });
    const subject = (requestId?: string): QuotaSubject => ({ identity: { projectId: 'project-a', role: 'user' }, feature: undefined, requestId });
    const used = async () => (await guard.consumption(subject()))[0]?.used;
    try {
      // Reserved under the cap, and still running when it is removed.
      const reserved = await guard.admit(subject('reserved'), { tokens: 10, costUsd: 0.3 });
      ledger.notes.set('reserved', 0.3);
      source.set('project-a', limitsAt(2, {}));
      await guard.admit(subject('unreserved'), { tokens: 10, costUsd: 0.3 });
      ledger.notes.set('unreserved', 0.3);
      // Set again: the request admitted while it was absent counts at its worst case beside the one that reserved.
      source.set('project-a', limitsAt(3, { spendPerDayUsd: 1 }));
      await expect(guard.admit(subject('refused'), { tokens: 10, costUsd: 0.5 })).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('has $0.4000 left') });
      expect(await used()).toBeCloseTo(0.6, 9);
      // Each ends: the cap then counts what it cost, once.
      ledger.end('reserved', 0.1);
      await reserved.settle({ tokens: 10, costUsd: 0.1, mayBeBilled: true });
      ledger.end('unreserved', 0.2);
      await expect.poll(used, { timeout: 2_000, interval: 20 }).toBeCloseTo(0.3, 9);
      // A seed under later limits counts neither again.
      source.set('project-a', limitsAt(4, { spendPerDayUsd: 1 }));
      expect(await used()).toBeCloseTo(0.3, 9);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await used()).toBeCloseTo(0.3, 9);
    } finally {
      await guard.close();
      await backend.close();
    }
  });
});

describe.runIf(runRedis)('requests held from their notes in a budget shared in Redis', () => {
  const end = Date.now() + 3_600_000;
  it('counts each once however many instances hold it or settle it, and none of an instance that reserved there', async () => {
    const prefix = `${KEY_PREFIX}${randomUUID()}:`;
    const first = new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: prefix, instanceId: 'first' });
    const second = new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: prefix, instanceId: 'second' });
    try {
      await first.seedBudget('spend', 0, end);
      // `second` holds a reservation there: its requests in flight may have reserved in it.
      await second.reserve('spend', 50, 1000, end);
      const held = await first.holdUnreserved('spend', end, 1, [
        { requestId: 'r1', amount: 300, instanceId: 'third' },
        { requestId: 'r2', amount: 200, instanceId: 'second' },
      ]);
      expect([...held]).toEqual([['r1', 300]]);
      // The other instance's seed under the same limits holds nothing twice.
      expect([...(await second.holdUnreserved('spend', end, 1, [{ requestId: 'r1', amount: 300, instanceId: 'third' }]))]).toEqual([['r1', 300]]);
      expect(await first.current('spend')).toBe(350);
      await first.settleUnreserved('spend', end, [{ requestId: 'r1', actual: 120 }]);
      await second.settleUnreserved('spend', end, [{ requestId: 'r1', actual: 120 }]);
      // Held again by a seed that read its note before it ended: it ended, and is not.
      expect((await second.holdUnreserved('spend', end, 2, [{ requestId: 'r1', amount: 300, instanceId: 'third' }])).size).toBe(0);
      expect(await first.current('spend')).toBe(170);
      // Once `first` seeded under version 2, a seed that read its requests' notes before leaves them out.
      await first.holdUnreserved('spend', end, 2, []);
      expect((await second.holdUnreserved('spend', end, 2, [{ requestId: 'r3', amount: 100, instanceId: 'first' }])).size).toBe(0);
    } finally {
      await first.close();
      await second.close();
      await deleteRedisKeys(prefix);
    }
  });
});
