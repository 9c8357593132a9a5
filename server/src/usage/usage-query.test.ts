import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { usageRow } from '../../test/usage-rows.js';
import type { UsageRow } from './ledger.js';
import { parsePeriod, parseTime, UsageQuery } from './usage-query.js';

const DAY = 86_400_000;
const DAY_ONE = Date.parse('2026-03-01T00:00:00Z');

describe.each(DIALECTS)('usage queries on %s', (dialect) => {
  let test: TestDatabase;
  let usage: UsageQuery;
  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    usage = new UsageQuery(test.database.db);
    const rows: UsageRow[] = [];
    // Day one: 100 successful chat requests with latencies 1..100 ms, by two users.
    for (let index = 1; index <= 100; index += 1) rows.push(usageRow({ latency_ms: index, created_at: DAY_ONE + index * 1_000, user_id: index % 2 === 0 ? 'u2' : 'u1' }));
    // Day two: a code feature on another model, with an error, a cancelled request and a rejected one.
    rows.push(usageRow({ feature: 'code', served_model: 'anthropic/claude-sonnet-4', requested_model: 'code', cost_usd: 0.01, prompt_tokens: 100, completion_tokens: 200, reasoning_tokens: 50, latency_ms: 900, created_at: DAY_ONE + DAY + 1 }));
    rows.push(usageRow({ feature: 'code', served_model: 'anthropic/claude-sonnet-4', requested_model: 'code', status: 'error', error_code: 'upstream_error', cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, latency_ms: 5_000, created_at: DAY_ONE + DAY + 2 }));
    rows.push(usageRow({ status: 'cancelled', cost_usd: 0.0005, cost_source: 'estimated', generation_id: 'gen-x', latency_ms: 3_000, created_at: DAY_ONE + DAY + 3 }));
    rows.push(usageRow({ feature: null, requested_model: 'openai/gpt-4o', served_model: null, status: 'rejected', cost_usd: 0, cost_source: 'estimated', prompt_tokens: 0, completion_tokens: 0, attempts: 0, latency_ms: 1, user_id: null, created_at: DAY_ONE + DAY + 4 }));
    // Another project's records never show.
    rows.push(usageRow({ project_id: 'p2', cost_usd: 99, created_at: DAY_ONE + 5 }));
    await test.database.db.insertInto('usage_records').values(rows).execute();
  });
  afterAll(() => test.drop());

  it('sums requests, tokens, cost and outcomes, with nearest-rank latency percentiles of successful requests', async () => {
    const { totals, groups } = await usage.summarize({ projectId: 'p1' });
    expect(groups).toEqual([]);
    expect(totals).toMatchObject({ requests: 104, promptTokens: 1_110, completionTokens: 2_220, reasoningTokens: 50, totalTokens: 3_330, errors: 1, cancelled: 1, rejected: 1, estimatedCosts: 2 });
    expect(totals.costUsd).toBeCloseTo(100 * 0.001 + 0.01 + 0.0005, 12);
    // 101 successful latencies: 1..100 and 900; rank ceil(0.5·101) = 51, ceil(0.95·101) = 96.
    expect(totals).toMatchObject({ latencyP50Ms: 51, latencyP95Ms: 96 });
  });

  it('groups by day, in order', async () => {
    const { groups } = await usage.summarize({ projectId: 'p1' }, ['day']);
    expect(groups.map((group) => [group.day, group.requests, group.errors, group.latencyP50Ms, group.latencyP95Ms])).toEqual([
      ['2026-03-01', 100, 0, 50, 95],
      ['2026-03-02', 4, 1, 900, 900],
    ]);
  });

  it('groups by model, feature and user, most expensive first', async () => {
    const byModel = await usage.summarize({ projectId: 'p1' }, ['model']);
    expect(byModel.groups.map((group) => [group.model, group.requests])).toEqual([
      ['openai/gpt-4o-mini', 101],
      ['anthropic/claude-sonnet-4', 2],
      [null, 1],
    ]);
    const byFeature = await usage.summarize({ projectId: 'p1' }, ['feature']);
    expect(byFeature.groups.map((group) => [group.feature, group.requests, group.errors])).toEqual([
      ['chat', 101, 0],
      ['code', 2, 1],
      [null, 1, 0],
    ]);
    const byUser = await usage.summarize({ projectId: 'p1', status: 'ok' }, ['user']);
    expect(byUser.groups.map((group) => [group.user, group.requests])).toEqual([
      ['u1', 51],
      ['u2', 50],
    ]);
    const both = await usage.summarize({ projectId: 'p1', from: DAY_ONE + DAY }, ['feature', 'model']);
    expect(both.groups.map((group) => [group.feature, group.model, group.requests])).toEqual([
      ['code', 'anthropic/claude-sonnet-4', 2],
      ['chat', 'openai/gpt-4o-mini', 1],
      [null, null, 1],
    ]);
    expect(both.groups[0]!.latencyP50Ms).toBe(900);
  });

  it('groups requests no model answered under no model, not under the feature or model they asked for', async () => {
    // A project of its own, so the other tests' totals stay as they are.
    await test.database.db.insertInto('usage_records').values([
      usageRow({ project_id: 'p3', feature: 'summarize', requested_model: 'summarize', served_model: null, status: 'rejected', cost_usd: 0, created_at: DAY_ONE + 1 }),
      usageRow({ project_id: 'p3', feature: 'chat', requested_model: 'chat', served_model: null, status: 'error', cost_usd: 0, created_at: DAY_ONE + 2 }),
      usageRow({ project_id: 'p3', feature: 'chat', requested_model: 'chat', served_model: 'openai/gpt-4o-mini', created_at: DAY_ONE + 3 }),
    ]).execute();
    const byModel = await usage.summarize({ projectId: 'p3' }, ['model']);
    expect(byModel.groups.map((group) => [group.model, group.requests])).toEqual([
      ['openai/gpt-4o-mini', 1],
      [null, 2],
    ]);
  });

  it('reads what admitted requests took of a rate window, in all, by feature and by caller, with those still in flight', async () => {
    const from = DAY_ONE + DAY;
    // A request in flight has no record yet: its note counts at its worst case.
    await test.database.db
      .insertInto('open_requests')
      .values({
        id: 'in-flight', instance_id: 'i-1', project_id: 'p1', endpoint: 'chat', feature: 'code', user_id: null, client_key_id: 'k-1', requested_model: 'code', streamed: 1, job_id: null,
        worst_case_usd: 0.02, worst_case_prompt_tokens: 400, worst_case_completion_tokens: 500, generation_id: null, started_at: from + 10,
      })
      .execute();
    try {
      const recent = await usage.requestsSince('p1', from);
      // Day two's records but the rejected one (never admitted): code 300 tokens, its error 0, the cancelled chat 30.
      expect(recent.project).toEqual({ requests: 4, tokens: 1_230, firstAt: from + 1 });
      expect(Object.fromEntries(recent.features)).toEqual({ code: { requests: 3, tokens: 1_200, firstAt: from + 1 }, chat: { requests: 1, tokens: 30, firstAt: from + 3 } });
      expect(Object.fromEntries(recent.callers)).toEqual({ u1: { requests: 3, tokens: 330, firstAt: from + 1 }, 'key:k-1': { requests: 1, tokens: 900, firstAt: from + 10 } });
      expect((await usage.requestsSince('p1', from + DAY)).project.requests).toBe(0);
    } finally {
      await test.database.db.deleteFrom('open_requests').execute();
    }
  });

  it('reads what a scope spent with its requests in flight one by one, and which of them ended, at what cost', async () => {
    const from = DAY_ONE + DAY;
    const note = { project_id: 'p1', endpoint: 'chat', feature: 'code', user_id: 'u1', client_key_id: null, requested_model: 'code', streamed: 0, job_id: null, generation_id: null, started_at: from + 10 } as const;
    await test.database.db
      .insertInto('open_requests')
      .values([
        { ...note, id: 'running-1', instance_id: 'i-1', worst_case_usd: 0.02, worst_case_prompt_tokens: 400, worst_case_completion_tokens: 500 },
        { ...note, id: 'running-2', instance_id: 'i-2', worst_case_usd: 0.03, worst_case_prompt_tokens: 100, worst_case_completion_tokens: 200 },
      ])
      .execute();
    try {
      const spent = await usage.spentSince({ projectId: 'p1', feature: 'code' }, from);
      expect(spent.costUsd).toBeCloseTo(0.01, 9);
      expect(Object.fromEntries(spent.inFlight)).toEqual({ 'i-1': { tokens: 900, costUsd: 0.02 }, 'i-2': { tokens: 300, costUsd: 0.03 } });
      expect(spent.open.sort((a, b) => a.requestId.localeCompare(b.requestId))).toEqual([
        { requestId: 'running-1', instanceId: 'i-1', tokens: 900, costUsd: 0.02 },
        { requestId: 'running-2', instanceId: 'i-2', tokens: 300, costUsd: 0.03 },
      ]);
      expect((await usage.spentByCallerSince('p1', from)).get('u1')?.open).toHaveLength(2);
      // One ended: its record is written and its note removed.
      await test.database.db.deleteFrom('open_requests').where('id', '=', 'running-1').execute();
      await test.database.db.insertInto('usage_records').values(usageRow({ id: 'running-1', feature: 'code', cost_usd: 0.004, guardrail_cost_usd: 0.001, prompt_tokens: 40, completion_tokens: 60, created_at: from + 20 })).execute();
      const ended = await usage.endedRequests(['running-1', 'running-2', 'unknown']);
      expect(Object.fromEntries(ended)).toEqual({ 'running-1': { tokens: 100, costUsd: 0.005 }, 'running-2': null });
      await test.database.db.deleteFrom('usage_records').where('id', '=', 'running-1').execute();
    } finally {
      await test.database.db.deleteFrom('open_requests').execute();
    }
  });

  it('tells which of more requests than one query may name ended', async () => {
    // 40,000 ids would bind 80,000 parameters in one query: past SQLite's 32,766 and Postgres' 65,535.
    const unknown = Array.from({ length: 40_000 }, (_, index) => `unknown-${index}`);
    const note = { project_id: 'p1', endpoint: 'chat', feature: 'chat', user_id: 'u1', client_key_id: null, requested_model: 'chat', streamed: 0, job_id: null, generation_id: null, started_at: DAY_ONE, instance_id: 'i-1', worst_case_usd: 0.02, worst_case_prompt_tokens: 400, worst_case_completion_tokens: 500 } as const;
    await test.database.db.insertInto('open_requests').values([{ ...note, id: 'held-first' }, { ...note, id: 'held-last' }]).execute();
    await test.database.db.insertInto('usage_records').values([usageRow({ id: 'ended-middle', cost_usd: 0.003, prompt_tokens: 10, completion_tokens: 20 }), usageRow({ id: 'ended-last', cost_usd: 0.004, prompt_tokens: 30, completion_tokens: 40 })]).execute();
    try {
      const ended = await usage.endedRequests(['held-first', ...unknown.slice(0, 20_000), 'ended-middle', ...unknown.slice(20_000), 'held-last', 'ended-last']);
      expect(Object.fromEntries(ended)).toEqual({ 'held-first': null, 'ended-middle': { tokens: 30, costUsd: 0.003 }, 'held-last': null, 'ended-last': { tokens: 70, costUsd: 0.004 } });
    } finally {
      await test.database.db.deleteFrom('open_requests').execute();
      await test.database.db.deleteFrom('usage_records').where('id', 'in', ['ended-middle', 'ended-last']).execute();
    }
  });

  it('names a user whose id looks like a client key apart from that key, as the limits do', async () => {
    // A project of its own: the key `k-1` without a user, and a user whose id is `key:k-1`.
    await test.database.db.insertInto('usage_records').values([
      usageRow({ project_id: 'p4', user_id: null, client_key_id: 'k-1', prompt_tokens: 10, completion_tokens: 0, cost_usd: 0.001, created_at: DAY_ONE + 1 }),
      usageRow({ project_id: 'p4', user_id: 'key:k-1', client_key_id: 'k-2', prompt_tokens: 20, completion_tokens: 0, cost_usd: 0.002, created_at: DAY_ONE + 2 }),
    ]).execute();
    const spent = await usage.spentByCallerSince('p4', DAY_ONE);
    expect([...spent].map(([caller, figures]) => [caller, figures.tokens])).toEqual(expect.arrayContaining([['key:k-1', 10], ['user:key:k-1', 20]]));
    expect(spent.size).toBe(2);
    const recent = await usage.requestsSince('p4', DAY_ONE);
    expect(Object.fromEntries([...recent.callers].map(([caller, use]) => [caller, use.tokens]))).toEqual({ 'key:k-1': 10, 'user:key:k-1': 20 });
  });

  it('lists newest first a page at a time, and filters by period, feature, model, user and status', async () => {
    const first = await usage.list({ projectId: 'p1' }, { limit: 3 });
    expect(first.entries.map((entry) => entry.status)).toEqual(['rejected', 'cancelled', 'error']);
    expect(first.entries[0]).toMatchObject({ feature: null, requestedModel: 'openai/gpt-4o', servedModel: null, streamed: true, cacheHit: false, createdAt: DAY_ONE + DAY + 4 });
    const second = await usage.list({ projectId: 'p1' }, { limit: 3, before: first.next! });
    expect(second.entries.map((entry) => entry.createdAt)).toEqual([DAY_ONE + DAY + 1, DAY_ONE + 100_000, DAY_ONE + 99_000]);
    const all = [];
    for await (const entry of usage.entries({ projectId: 'p1' }, 7)) all.push(entry.id);
    expect(new Set(all).size).toBe(104);

    const count = async (filter: Parameters<UsageQuery['list']>[0]) => (await usage.list(filter, { limit: 1_000 })).entries.length;
    expect(await count({ projectId: 'p1', from: DAY_ONE + DAY })).toBe(4);
    expect(await count({ projectId: 'p1', to: DAY_ONE + DAY })).toBe(100);
    expect(await count({ projectId: 'p1', feature: 'code' })).toBe(2);
    expect(await count({ projectId: 'p1', model: 'openai/gpt-4o' })).toBe(1);
    expect(await count({ projectId: 'p1', userId: 'u2' })).toBe(50);
    expect(await count({ projectId: 'p1', status: 'cancelled' })).toBe(1);
    expect(await count({ projectId: 'p2' })).toBe(1);
  });
});

describe('periods', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  it('reads day, week and month as the last 24 hours, 7 and 30 days', () => {
    expect(parsePeriod('day', now)).toEqual({ from: now - DAY });
    expect(parsePeriod('week', now)).toEqual({ from: now - 7 * DAY });
    expect(parsePeriod('month', now)).toEqual({ from: now - 30 * DAY });
  });

  it('reads FROM..TO with dates (the end day included), date-times and open ends', () => {
    expect(parsePeriod('2026-01-01..2026-01-31')).toEqual({ from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-02-01T00:00:00Z') });
    expect(parsePeriod('2026-01-01T10:00:00Z..')).toEqual({ from: Date.parse('2026-01-01T10:00:00Z') });
    expect(parsePeriod('..2026-01-01T10:00:00+02:00')).toEqual({ to: Date.parse('2026-01-01T08:00:00Z') });
    expect(parseTime('2026-01-31', 'end')).toBe(Date.parse('2026-02-01T00:00:00Z'));
  });

  it('refuses anything else', () => {
    for (const text of ['year', '..', '2026-01-31..2026-01-01', 'yesterday..today', '2026-13-01..', '1700000000']) expect(parsePeriod(text, now)).toBeUndefined();
  });
});
