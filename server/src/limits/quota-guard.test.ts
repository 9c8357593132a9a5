import { afterEach, describe, expect, it, vi } from 'vitest';
import { FallbackBackend } from './fallback-backend.js';
import { freezePolicy, MemoryLimitPolicySource, type ProjectLimits } from './limit-policy.js';
import { MemoryBackend } from './memory-backend.js';
import { QuotaGuard, type BudgetScope, type QuotaSubject, type SpendReport } from './quota-guard.js';
import { BackendUnavailableError } from './redis-backend.js';
import { EMPTY_POLICY, type QuotaBackend } from './types.js';

const limits: ProjectLimits = {
  policy: { ...EMPTY_POLICY, project: { spendPerDayUsd: 10, spendPerMonthUsd: 100 } },
  alerts: { thresholds: [0.8, 1], webhookUrl: null },
  stopped: false,
  stopReason: null,
  version: 1,
  updatedAt: null,
  updatedBy: null,
};
// The guard only reads a project's limits, so a store that answers one fixed set stands in for the database.
const policies = async () => new MemoryLimitPolicySource({ 'project-a': limits });
const subject: QuotaSubject = { identity: { projectId: 'project-a', role: 'user' }, feature: undefined };

afterEach(() => {
  vi.useRealTimers();
});

describe('QuotaGuard spend reports', () => {
  it('reports a request that outlives midnight under the period it was admitted in, with that period’s spend', async () => {
    // The backend and the guard share one clock, set just before the end of a day that also ends a month.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-01-31T23:59:59.500Z'));
    const reports: SpendReport[] = [];
    const backend = new MemoryBackend();
    const guard = new QuotaGuard(backend, policies, { onSpend: (report) => reports.push(report), now: () => Date.now() });

    const lateRequest = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    vi.setSystemTime(Date.parse('2026-02-01T00:00:01.000Z'));
    const nextDayRequest = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await nextDayRequest.settle({ tokens: 80, costUsd: 0.25, mayBeBilled: true });
    await lateRequest.settle({ tokens: 90, costUsd: 0.125, mayBeBilled: true });

    const late = reports.slice(2).map(({ kind, period, spentUsd, periodEnd }) => ({ kind, period, spentUsd, periodEnd }));
    expect(late).toEqual([
      { kind: 'spendPerDayUsd', period: '2026-01-31', spentUsd: 0.125, periodEnd: Date.parse('2026-02-01T00:00:00.000Z') },
      { kind: 'spendPerMonthUsd', period: '2026-01', spentUsd: 0.125, periodEnd: Date.parse('2026-02-01T00:00:00.000Z') },
    ]);
    expect(reports.slice(0, 2).map(({ period, spentUsd }) => ({ period, spentUsd }))).toEqual([
      { period: '2026-02-01', spentUsd: 0.25 },
      { period: '2026-02', spentUsd: 0.25 },
    ]);
    // The lowest of the project's thresholds (0.8 and 1), for the dispatcher to leave a spend below it at once.
    expect(reports[0]).toMatchObject({ projectId: 'project-a', scope: 'project', target: null, limitUsd: 10, alertsFrom: 0.8 });
    await backend.close();
  });

  it('reports nothing for a refused request, and nothing for a token cap', async () => {
    const reports: SpendReport[] = [];
    const backend = new MemoryBackend();
    const tokenLimits: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1000, spendPerDayUsd: 1 } } };
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': tokenLimits }), { onSpend: (report) => reports.push(report) });

    await expect(guard.admit(subject, { tokens: 10, costUsd: 2 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    const admitted = await guard.admit(subject, { tokens: 10, costUsd: 0.5 });
    await admitted.settle({ tokens: 8, costUsd: 0.25, mayBeBilled: true });

    expect(reports.map(({ kind, spentUsd }) => ({ kind, spentUsd }))).toEqual([{ kind: 'spendPerDayUsd', spentUsd: 0.25 }]);
    await backend.close();
  });
});

describe('QuotaGuard settlement of requests whose cost is unknown', () => {
  const capped: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000, spendPerDayUsd: 1 } } };
  const guardOf = (backend: MemoryBackend) => new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': capped }));
  const used = async (guard: QuotaGuard) => Object.fromEntries((await guard.consumption(subject)).map((status) => [status.kind, status.used]));

  it('keeps tokens and spend reserved until the generation is reconciled, then settles at the real figures', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 600, costUsd: 0.5 });
    await admitted.settle({ tokens: 0, costUsd: undefined, generationId: 'gen-1', mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 600, spendPerDayUsd: 0.5 });
    await expect(guard.admit(subject, { tokens: 600, costUsd: 0.1 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    await guard.settleCost('gen-1', { costUsd: 0.02, tokens: 120 });
    expect(await used(guard)).toEqual({ tokensPerDay: 120, spendPerDayUsd: 0.02 });
    await backend.close();
  });

  it('settles at the worst case for good when no generation id can tell the real cost', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 600, costUsd: 0.5 });
    await admitted.settle({ tokens: 0, costUsd: undefined, mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 600, spendPerDayUsd: 0.5 });
    await backend.close();
  });

  it('gives everything back for a request that was never billed', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 600, costUsd: 0.5 });
    await admitted.settle({ tokens: 0, costUsd: undefined, mayBeBilled: false });
    expect(await used(guard)).toEqual({ tokensPerDay: 0, spendPerDayUsd: 0 });
    await backend.close();
  });
});

describe('QuotaGuard reservations a request adds for its own calls (reserveMore)', () => {
  const capped: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000, spendPerDayUsd: 1, spendPerMonthUsd: 0.9 } } };
  const guardOf = (backend: MemoryBackend) => new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': capped }));
  const used = async (guard: QuotaGuard) => Object.fromEntries((await guard.consumption(subject)).map((status) => [status.kind, status.used]));

  it('adds to every spend cap while there is room, all or none, and refuses past it', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await admitted.reserveMore(0.3);
    expect(await used(guard)).toEqual({ tokensPerDay: 100, spendPerDayUsd: 0.8, spendPerMonthUsd: 0.8 });
    // The day has room for 0.15 more, the month not: neither takes it.
    await expect(admitted.reserveMore(0.15)).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('monthly spending limit of $0.9000 for this project has $0.1000 left, too little for the next call of its guardrails') });
    expect(await used(guard)).toEqual({ tokensPerDay: 100, spendPerDayUsd: 0.8, spendPerMonthUsd: 0.8 });
    await admitted.settle({ tokens: 60, costUsd: 0.25, extraCostUsd: 0.4, mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 60, spendPerDayUsd: 0.65, spendPerMonthUsd: 0.65 });
    await backend.close();
  });

  it('keeps what it added when the request\'s cost is never known', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await admitted.reserveMore(0.2);
    await admitted.settle({ tokens: 0, costUsd: undefined, extraCostUsd: 0.6, mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 100, spendPerDayUsd: 0.7, spendPerMonthUsd: 0.7 });
    await backend.close();
  });

  it('adds to the latest attempt\'s reservation, which settles with the request\'s other costs', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.2 });
    await admitted.reserveAgain();
    await admitted.reserveMore(0.1);
    expect(await used(guard)).toEqual({ tokensPerDay: 200, spendPerDayUsd: 0.5, spendPerMonthUsd: 0.5 });
    // The failed first attempt is reconciled apart; the answer's reservation covers the answer and the extra calls.
    await admitted.settle({ tokens: 50, costUsd: 0.05, extraCostUsd: 0.25, mayBeBilled: true, failedGenerations: ['gen-failed'] });
    expect(await used(guard)).toEqual({ tokensPerDay: 150, spendPerDayUsd: 0.5, spendPerMonthUsd: 0.5 });
    await guard.settleCost('gen-failed', { costUsd: 0.01, tokens: 10 });
    expect(await used(guard)).toEqual({ tokensPerDay: 60, spendPerDayUsd: 0.31, spendPerMonthUsd: 0.31 });
    await backend.close();
  });
});

describe('QuotaGuard settlement of a request\'s own calls whose cost is unknown (extraGenerations)', () => {
  const capped: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000, spendPerDayUsd: 1 } } };
  const guardOf = (backend: MemoryBackend) => new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': capped }));
  const used = async (guard: QuotaGuard) => Object.fromEntries((await guard.consumption(subject)).map((status) => [status.kind, status.used]));
  const moderation = [{ generationId: 'gen-moderation', worstCaseUsd: 0.2 }];

  it('keeps each one\'s worst case until its generation is reconciled, then counts what it cost', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await admitted.settle({ tokens: 50, costUsd: 0.05, extraCostUsd: 0.25, extraGenerations: moderation, mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 50, spendPerDayUsd: 0.3 });
    await guard.settleCost('gen-moderation', { costUsd: 0.01, tokens: 300 });
    expect(await used(guard)).toEqual({ tokensPerDay: 50, spendPerDayUsd: 0.11 });
    await backend.close();
  });

  it('counts them for a request that never reached its own model (cancelled during its input\'s moderation)', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await admitted.settle({ tokens: 0, costUsd: undefined, extraCostUsd: 0.2, extraGenerations: moderation, mayBeBilled: false });
    expect(await used(guard)).toEqual({ tokensPerDay: 0, spendPerDayUsd: 0.2 });
    // No figures (the lookup failed): the worst case stands.
    await guard.settleCost('gen-moderation', undefined);
    expect(await used(guard)).toEqual({ tokensPerDay: 0, spendPerDayUsd: 0.2 });
    await backend.close();
  });

  it('settles them apart from a request\'s answer that waits for its own reconciliation', async () => {
    const backend = new MemoryBackend();
    const guard = guardOf(backend);
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0.5 });
    await admitted.settle({ tokens: 0, costUsd: undefined, generationId: 'gen-answer', extraCostUsd: 0.25, extraGenerations: moderation, mayBeBilled: true });
    expect(await used(guard)).toEqual({ tokensPerDay: 100, spendPerDayUsd: 0.5 });
    await guard.settleCost('gen-moderation', { costUsd: 0.01, tokens: 300 });
    expect(await used(guard)).toEqual({ tokensPerDay: 100, spendPerDayUsd: 0.31 });
    await guard.settleCost('gen-answer', { costUsd: 0.1, tokens: 80 });
    expect(await used(guard)).toEqual({ tokensPerDay: 80, spendPerDayUsd: 0.16 });
    await backend.close();
  });
});

describe('QuotaGuard and policies', () => {
  const user: QuotaSubject = { identity: { projectId: 'project-b', role: 'user', userId: 'ada' }, feature: 'chat' };
  const configured = (policy: ProjectLimits['policy']): ProjectLimits => ({ ...limits, policy });

  it('sees a host’s policy changed in place on the next request', async () => {
    const policy = { project: {}, features: {}, users: { default: {}, overrides: {} } } as ProjectLimits['policy'];
    const guard = new QuotaGuard(new MemoryBackend(), async () => new MemoryLimitPolicySource({ 'project-b': configured(policy) }));
    await guard.admit(user, { tokens: 1, costUsd: 0 });
    policy.features['chat'] = { requestsPerMinute: 1 };
    await guard.admit(user, { tokens: 1, costUsd: 0 });
    await expect(guard.admit(user, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    policy.users.overrides['ada'] = { tokensPerDay: 5 };
    policy.features['chat'] = {};
    await guard.admit(user, { tokens: 5, costUsd: 0 });
    await expect(guard.admit(user, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
  });

  it('applies a frozen policy’s limits to each caller apart, and a new policy in its place at once', async () => {
    let current = freezePolicy({ project: {}, features: { chat: { requestsPerMinute: 2 } }, users: { default: { requestsPerMinute: 1 }, overrides: { ada: { requestsPerMinute: 3 } } } });
    const guard = new QuotaGuard(new MemoryBackend(), async () => new MemoryLimitPolicySource({ 'project-b': configured(current) }));
    const grace: QuotaSubject = { identity: { projectId: 'project-b', role: 'user', userId: 'grace' }, feature: undefined };
    await guard.admit(grace, { tokens: 1, costUsd: 0 });
    await expect(guard.admit(grace, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    // Ada's override allows 3, the feature 2.
    await guard.admit(user, { tokens: 1, costUsd: 0 });
    await guard.admit(user, { tokens: 1, costUsd: 0 });
    await expect(guard.admit(user, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ message: expect.stringContaining('the "chat" feature') });
    current = freezePolicy({ project: {}, features: {}, users: { default: {}, overrides: {} } });
    await guard.admit(grace, { tokens: 1, costUsd: 0 });
    await guard.admit(user, { tokens: 1, costUsd: 0 });
  });
});

describe('QuotaGuard caps count what was spent before they counted', () => {
  const capped: ProjectLimits = {
    ...limits,
    policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000, spendPerDayUsd: 1 }, features: { chat: { spendPerMonthUsd: 5 } }, users: { default: { tokensPerDay: 900 }, overrides: {} } },
  };
  const chatSubject: QuotaSubject = { identity: { projectId: 'project-a', role: 'user', userId: 'u-1' }, feature: 'chat' };

  it('raises each counter once to what its scope spent in its period, then counts on from there', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-10T12:00:00.000Z'));
    const asked: Array<{ scope: unknown; from: string }> = [];
    const spentSince = vi.fn(async (scope: BudgetScope, from: number) => {
      asked.push({ scope, from: new Date(from).toISOString() });
      return scope.feature === 'chat' ? { tokens: 0, costUsd: 4.5 } : { tokens: 700, costUsd: 0.25 };
    });
    const spentByCallerSince = vi.fn(async (projectId: string, from: number) => {
      asked.push({ scope: { projectId, callers: true }, from: new Date(from).toISOString() });
      return new Map([['u-1', { tokens: 100, costUsd: 0 }], ['u-2', { tokens: 900, costUsd: 0 }]]);
    });
    const backend = new MemoryBackend();
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': capped }), { spentSince, spentByCallerSince, now: () => Date.now() });

    // Concurrent first requests share the reads: one per counter, one for all of a project's callers.
    const [first, second] = await Promise.all([guard.admit(chatSubject, { tokens: 100, costUsd: 0.2 }), guard.admit(chatSubject, { tokens: 100, costUsd: 0.2 })]);
    expect(asked).toEqual([
      { scope: { projectId: 'project-a' }, from: '2026-03-10T00:00:00.000Z' },
      { scope: { projectId: 'project-a' }, from: '2026-03-10T00:00:00.000Z' },
      { scope: { projectId: 'project-a', feature: 'chat' }, from: '2026-03-01T00:00:00.000Z' },
      { scope: { projectId: 'project-a', callers: true }, from: '2026-03-10T00:00:00.000Z' },
    ]);
    // 700 tokens earlier today + 2 × 100 reserved: one more 100 would pass the project's 1,000.
    await expect(guard.admit(chatSubject, { tokens: 101, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('daily token limit of 1000 for this project has 100 tokens left') });
    // $4.50 spent on chat this month + 2 × $0.20: $0.10 left of its $5.
    await expect(guard.admit(chatSubject, { tokens: 1, costUsd: 0.11 })).rejects.toMatchObject({ message: expect.stringContaining('monthly spending limit of $5.00 for the "chat" feature has $0.1000 left') });
    await first.settle({ tokens: 50, costUsd: 0.1, mayBeBilled: true });
    await second.settle({ tokens: 50, costUsd: 0.1, mayBeBilled: true });
    expect(spentSince).toHaveBeenCalledTimes(3);
    // Another user's counter reads nothing more: 900 of their 900 is spent.
    const other: QuotaSubject = { identity: { projectId: 'project-a', role: 'user', userId: 'u-2' }, feature: undefined };
    await expect(guard.admit(other, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('daily token limit of 900 for your account is reached') });
    expect(spentByCallerSince).toHaveBeenCalledTimes(1);
    const statuses = await guard.consumption(chatSubject);
    expect(statuses.map(({ scope, kind, used }) => ({ scope, kind, used }))).toEqual([
      { scope: 'project', kind: 'tokensPerDay', used: 800 },
      { scope: 'project', kind: 'spendPerDayUsd', used: 0.45 },
      { scope: 'feature', kind: 'spendPerMonthUsd', used: 4.7 },
      { scope: 'user', kind: 'tokensPerDay', used: 200 },
    ]);
    // Counted in nano-dollars: $5 − $4.70 is $0.30, not 0.2999999999999998.
    expect(statuses.find((status) => status.kind === 'spendPerMonthUsd')?.remaining).toBe(0.3);
    // A new day starts from what the ledger holds for it; the month's counter was read for good (no refresh).
    vi.setSystemTime(Date.parse('2026-03-11T00:00:01.000Z'));
    await guard.admit({ ...chatSubject, identity: { projectId: 'project-a', role: 'user', clientKeyId: 'ck-9' } }, { tokens: 1, costUsd: 0 });
    expect(asked.slice(4).map(({ scope }) => scope)).toEqual([{ projectId: 'project-a' }, { projectId: 'project-a' }, { projectId: 'project-a', callers: true }]);
    await backend.close();
  });

  it('answers 503 while the ledger cannot be read (fail-closed), or counts from what it holds (fail-open), and reads again 30 s later', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-10T12:00:00.000Z'));
    const projectOnly: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000 } } };
    for (const onSeedFailure of ['fail-closed', 'fail-open'] as const) {
      vi.setSystemTime(Date.parse('2026-03-10T12:00:00.000Z'));
      const errors: unknown[] = [];
      let ledgerUp = false;
      const spentSince = vi.fn(async () => {
        if (!ledgerUp) throw new Error('database is down');
        return { tokens: 950, costUsd: 0 };
      });
      const backend = new MemoryBackend();
      const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': projectOnly }), { spentSince, onSeedFailure, onSeedError: (error) => errors.push(error), now: () => Date.now() });
      const first = guard.admit(subject, { tokens: 100, costUsd: 0 });
      if (onSeedFailure === 'fail-closed') {
        await expect(first).rejects.toMatchObject({ code: 'service_unavailable', message: expect.stringContaining('Usage limits cannot be checked right now') });
        // Until the next read, at once.
        await expect(guard.admit(subject, { tokens: 100, costUsd: 0 })).rejects.toMatchObject({ code: 'service_unavailable' });
      } else {
        await (await first).settle({ tokens: 100, costUsd: 0, mayBeBilled: true });
        await guard.admit(subject, { tokens: 100, costUsd: 0 });
      }
      expect(errors).toHaveLength(1);
      expect(spentSince).toHaveBeenCalledTimes(1);
      ledgerUp = true;
      vi.setSystemTime(Date.parse('2026-03-10T12:00:31.000Z'));
      // Read again: 950 spent (what fail-open settled meanwhile is in the ledger's figure, so the seed raises to it).
      await expect(guard.admit(subject, { tokens: 100, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
      expect(spentSince).toHaveBeenCalledTimes(2);
      if (onSeedFailure === 'fail-closed') await guard.admit(subject, { tokens: 50, costUsd: 0 });
      backend.close();
    }
  });

  it('reads the ledger once per counter and process: policies read anew (a new object each time) and refreshes do not count a seeded counter twice', async () => {
    const spentSince = vi.fn(async () => ({ tokens: 300, costUsd: 0 }));
    const capped = () => freezePolicy({ ...EMPTY_POLICY, project: { tokensPerDay: 1_000 }, users: { default: {}, overrides: {} } });
    let current = capped();
    const backend = new MemoryBackend();
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': { ...limits, policy: current } }), { spentSince, seedRefreshMs: 1 });
    const admitted = await guard.admit(subject, { tokens: 100, costUsd: 0 });
    for (let index = 0; index < 3; index += 1) {
      current = capped();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await guard.admit(subject, { tokens: 1, costUsd: 0 });
    }
    // Refreshed in the background (seedRefreshMs 1), but the counter was seeded: 300 + 100 + 3 stays what it holds.
    await vi.waitFor(() => expect(spentSince.mock.calls.length).toBeGreaterThan(1));
    await admitted.settle({ tokens: 100, costUsd: 0, mayBeBilled: true });
    expect(backend.current('q:project-a:project:tokens:' + new Date().toISOString().slice(0, 10))).toBe(403);
    await backend.close();
  });

  it('waits 5 s at most for a slow read of the ledger, for all of a request\'s counters at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const answers: Array<(spent: { tokens: number; costUsd: number }) => void> = [];
    const spentSince = vi.fn(() => new Promise<{ tokens: number; costUsd: number }>((resolve) => answers.push(resolve)));
    const backend = new MemoryBackend();
    const everyCap: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, project: { tokensPerDay: 1_000, spendPerDayUsd: 1, spendPerMonthUsd: 10 } } };
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': everyCap }), { spentSince });
    let outcome: unknown;
    void guard.admit(subject, { tokens: 100, costUsd: 0 }).then(
      () => (outcome = 'admitted'),
      (error: unknown) => (outcome = error),
    );
    await vi.advanceTimersByTimeAsync(4_900);
    expect(outcome).toBeUndefined();
    expect(spentSince).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(200);
    expect(outcome).toMatchObject({ code: 'service_unavailable' });
    for (const answer of answers) answer({ tokens: 850, costUsd: 0.5 });
    await vi.advanceTimersByTimeAsync(0);
    await expect(guard.admit(subject, { tokens: 100, costUsd: 0.1 })).resolves.toBeDefined();
    await expect(guard.admit(subject, { tokens: 100, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(spentSince).toHaveBeenCalledTimes(3);
    await backend.close();
  });

  it('with a refresh, seeds a counter that was lost meanwhile again, without holding requests up', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-10T12:00:00.000Z'));
    const spentSince = vi.fn(async () => ({ tokens: 900, costUsd: 0 }));
    const backend = new MemoryBackend();
    const projectOnly: ProjectLimits = { ...limits, policy: freezePolicy({ ...EMPTY_POLICY, project: { tokensPerDay: 1_000 }, users: { default: {}, overrides: {} } }) };
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': projectOnly }), { spentSince, seedRefreshMs: 5 * 60_000, now: () => Date.now() });
    await expect(guard.admit(subject, { tokens: 101, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    // The counters are lost (a Redis that keeps nothing on disk restarted): they count anew until the next read.
    backend.close();
    await guard.admit(subject, { tokens: 101, costUsd: 0 });
    expect(spentSince).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.parse('2026-03-10T12:05:01.000Z'));
    await guard.admit(subject, { tokens: 1, costUsd: 0 });
    expect(spentSince).toHaveBeenCalledTimes(2);
    await vi.waitFor(() => expect(backend.current('q:project-a:project:tokens:2026-03-10')).toBeGreaterThanOrEqual(900));
    await expect(guard.admit(subject, { tokens: 101, costUsd: 0 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(spentSince).toHaveBeenCalledTimes(2);
    await backend.close();
  });
});

describe('QuotaGuard when the shared backend goes down and comes back (fail-open)', () => {
  it('counts from the ledger on both sides of the outage: spend counted in process reaches the shared counter once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-03-10T12:00:00.000Z'));
    const key = 'q:project-a:project:spend:2026-03-10';
    // The shared counters (Redis), out of reach while `down`.
    const shared = new MemoryBackend();
    let down = false;
    const reach = () => {
      if (down) throw new BackendUnavailableError('Redis is unreachable: connection refused');
      return shared;
    };
    const primary: QuotaBackend = {
      consumeWindow: (...args) => reach().consumeWindow(...args),
      refundWindow: (...args) => reach().refundWindow(...args),
      acquireSlot: (...args) => reach().acquireSlot(...args),
      releaseSlot: (...args) => reach().releaseSlot(...args),
      reserve: (...args) => reach().reserve(...args),
      settle: (...args) => reach().settle(...args),
      seedBudget: (...args) => reach().seedBudget(...args),
      seedWindow: (...args) => reach().seedWindow(...args),
      windowEndsAt: (...args) => reach().windowEndsAt(...args),
      current: (...args) => reach().current(...args),
      close: () => shared.close(),
    };
    const backend = new FallbackBackend({ primary, policy: 'fail-open', onPrimaryStateChange: () => guard.recount() });
    // The ledger: what every settled request cost, written as it ends.
    let ledgerUsd = 0;
    const capped: ProjectLimits = { ...limits, policy: freezePolicy({ ...EMPTY_POLICY, project: { spendPerDayUsd: 1 }, users: { default: {}, overrides: {} } }) };
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': capped }), {
      spentSince: async () => ({ tokens: 0, costUsd: ledgerUsd }),
      seedRefreshMs: 5 * 60_000,
      onSeedFailure: 'fail-open',
      now: () => Date.now(),
    });
    const spend = async (costUsd: number) => {
      await (await guard.admit(subject, { tokens: 10, costUsd })).settle({ tokens: 10, costUsd, mayBeBilled: true });
      ledgerUsd += costUsd;
    };

    await spend(0.3);
    down = true;
    // In process, counting from the ledger's 0.3 (spent through Redis), not from nothing.
    await spend(0.5);
    await expect(guard.admit(subject, { tokens: 10, costUsd: 0.3 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    down = false;
    // Back: the shared counter missed the 0.5; read from the ledger, it holds 0.8 before this request counts.
    await expect(guard.admit(subject, { tokens: 10, costUsd: 0.3 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    expect(shared.current(key)).toBe(800_000_000);
    await spend(0.2);
    expect(shared.current(key)).toBe(1_000_000_000);
    // Read again later: the ledger holds what the counter holds, and nothing is counted twice.
    vi.setSystemTime(Date.parse('2026-03-10T12:05:01.000Z'));
    await expect(guard.admit(subject, { tokens: 10, costUsd: 0.01 })).rejects.toMatchObject({ code: 'quota_exceeded' });
    await vi.waitFor(() => expect(shared.current(key)).toBe(1_000_000_000));
    await backend.close();
  });
});

describe('QuotaGuard rate windows after the counters were lost', () => {
  /** A backend whose counters can be lost at once (a Redis that lost its data), as a fresh one in their place. */
  const losable = () => {
    let counters = new MemoryBackend();
    const backend: QuotaBackend = {
      consumeWindow: (...args) => counters.consumeWindow(...args),
      refundWindow: (...args) => counters.refundWindow(...args),
      acquireSlot: (...args) => counters.acquireSlot(...args),
      releaseSlot: (...args) => counters.releaseSlot(...args),
      reserve: (...args) => counters.reserve(...args),
      settle: (...args) => counters.settle(...args),
      seedBudget: (...args) => counters.seedBudget(...args),
      seedWindow: (...args) => counters.seedWindow(...args),
      windowEndsAt: (...args) => counters.windowEndsAt(...args),
      current: (...args) => counters.current(...args),
      close: () => counters.close(),
    };
    return { backend, lose: () => (counters = new MemoryBackend()) };
  };
  const rated: ProjectLimits = { ...limits, policy: freezePolicy({ ...EMPTY_POLICY, project: { tokensPerMinute: 1000 }, users: { default: { requestsPerMinute: 2 }, overrides: {} } }) };
  const asUser = (userId: string): QuotaSubject => ({ identity: { projectId: 'project-a', role: 'user', userId }, feature: undefined });

  it('counts, from the ledger, what each scope took in the minute so far: no new quota in the same minute', async () => {
    const { backend, lose } = losable();
    const started = Date.now() - 10_000;
    const requestsSince = vi.fn(async () => ({
      project: { requests: 2, tokens: 900, firstAt: started },
      features: new Map(),
      callers: new Map([['u-1', { requests: 2, tokens: 900, firstAt: started }]]),
    }));
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': rated }), { requestsSince });
    await guard.admit(asUser('u-1'), { tokens: 450, costUsd: 0 });
    await guard.admit(asUser('u-1'), { tokens: 450, costUsd: 0 });
    lose();
    guard.recount();
    await expect(guard.admit(asUser('u-1'), { tokens: 10, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    // Another user has their own window, though the project's tokens of the minute count for them too.
    await expect(guard.admit(asUser('u-2'), { tokens: 200, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('tokens per minute') });
    await guard.admit(asUser('u-2'), { tokens: 100, costUsd: 0 });
    // One read of the ledger served the project's scopes.
    expect(requestsSince).toHaveBeenCalledTimes(1);
    expect(requestsSince).toHaveBeenCalledWith('project-a', expect.any(Number));
  });

  it('tells a failed read of the last minute as the windows\' (they count on from what they hold), not as a budget\'s', async () => {
    const { backend, lose } = losable();
    const errors: Array<[unknown, string]> = [];
    const requestsSince = vi.fn(async () => Promise.reject(new Error('ledger down')));
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': rated }), { requestsSince, onSeedError: (error, seed) => errors.push([error, seed]) });
    lose();
    guard.recount();
    await guard.admit(asUser('u-1'), { tokens: 10, costUsd: 0 });
    // Once for each scope whose windows it would have seeded (the project's and the user's).
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    for (const [error, seed] of errors) expect([(error as Error).message, seed]).toEqual(['ledger down', 'windows']);
  });

  it('reads nothing when only the connection came back, nor once the minute after the loss passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { backend } = losable();
    const requestsSince = vi.fn(async () => ({ project: { requests: 0, tokens: 0, firstAt: Date.now() }, features: new Map(), callers: new Map() }));
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': rated }), { requestsSince });
    guard.recount({ rateWindows: false });
    await guard.admit(asUser('u-1'), { tokens: 10, costUsd: 0 });
    expect(requestsSince).not.toHaveBeenCalled();
    guard.recount();
    vi.setSystemTime(Date.now() + 60_000);
    await guard.admit(asUser('u-1'), { tokens: 10, costUsd: 0 });
    expect(requestsSince).not.toHaveBeenCalled();
  });
});

describe('QuotaGuard per-user scopes', () => {
  it('never lets a user whose id looks like a client key share that key’s counters or override', async () => {
    const perCaller: ProjectLimits = { ...limits, policy: { ...EMPTY_POLICY, users: { default: { requestsPerMinute: 1 }, overrides: { 'key:mobile': { requestsPerMinute: 3 } } } } };
    const backend = new MemoryBackend();
    const guard = new QuotaGuard(backend, async () => new MemoryLimitPolicySource({ 'project-a': perCaller }));
    const caller = (identity: Partial<QuotaSubject['identity']>): QuotaSubject => ({ identity: { projectId: 'project-a', role: 'user', ...identity }, feature: undefined });
    const key = caller({ clientKeyId: 'mobile' });
    const lookalike = caller({ userId: 'key:mobile' });
    const sameName = caller({ userId: 'user:key:mobile' });

    // The key's override (3 a minute) is the key's alone: the user `key:mobile` has the default of 1.
    await guard.admit(lookalike, { tokens: 1, costUsd: 0 });
    await expect(guard.admit(lookalike, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    // …and neither the user's request nor its refusal took from the key's minute, nor from the user `user:key:mobile`.
    for (let request = 0; request < 3; request += 1) await guard.admit(key, { tokens: 1, costUsd: 0 });
    await expect(guard.admit(key, { tokens: 1, costUsd: 0 })).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
    await guard.admit(sameName, { tokens: 1, costUsd: 0 });
    await backend.close();
  });
});
