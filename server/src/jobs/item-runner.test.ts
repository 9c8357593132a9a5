import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

/**
 * A gateway writing its own ledger and working on jobs at once; an attempt that sends nothing for 300 ms is a
 * first-byte timeout.
 */
async function start(): Promise<Harness> {
  const harness = await startHarness({
    usage: undefined,
    ledger: { flushIntervalMs: 10, reconcile: { firstDelayMs: 50, attempts: 6 } },
    upstream: { timeouts: { firstByteMs: 300 } },
    jobs: { pollMs: 50, statusPollMs: 50, backoffMs: 10 },
  });
  harnesses.push(harness);
  return harness;
}

const chatItem = (content: string) => ({ model: 'chat', max_tokens: 100, messages: [{ role: 'user', content }] });

async function call(harness: Harness, method: string, path: string, body?: unknown, key = CLIENT_KEY) {
  const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  // Answers are read loosely: each test asserts the fields it needs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json()) as any };
}

/** Runs a job of one chat item to its end; answers the item as the API shows it. */
async function runChatItem(harness: Harness, content: string) {
  const created = await call(harness, 'POST', '/api/ai/jobs', { type: 'chat', items: [chatItem(content)] });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  await expect.poll(async () => (await call(harness, 'GET', `/api/ai/jobs/${id}`)).body.status, { timeout: 10_000, interval: 50 }).toBe('completed');
  return { id, item: (await call(harness, 'GET', `/api/ai/jobs/${id}`)).body.items[0] };
}

/** The job's ledger rows once written and none still waits for OpenRouter's figures. */
async function settledRows(harness: Harness, jobId: string, count: number) {
  const { db } = (await harness.gateway.ready).database;
  const rows = () => db.selectFrom('usage_records').selectAll().where('job_id', '=', jobId).execute();
  await expect.poll(async () => {
    const found = await rows();
    return found.length === count && found.every((row) => row.cost_source !== 'estimated');
  }, { timeout: 10_000, interval: 50 }).toBe(true);
  return rows();
}

/** The job's cost as the jobs API reports it. */
async function jobCost(harness: Harness, id: string): Promise<number> {
  return (await call(harness, 'GET', `/api/ai/jobs/${id}`)).body.costUsd as number;
}

async function setSpendCap(harness: Harness, spendPerDayUsd: number) {
  const { body } = await call(harness, 'GET', '/api/ai/limits/policy', undefined, ADMIN_TOKEN);
  const saved = await call(harness, 'PUT', '/api/ai/limits/policy', { version: body.version, policy: { project: { spendPerDayUsd }, features: {}, users: { default: {}, overrides: {} } } }, ADMIN_TOKEN);
  expect(saved.status).toBe(200);
}

async function spentToday(harness: Harness): Promise<number | undefined> {
  const { body } = await call(harness, 'GET', '/api/ai/limits');
  return (body.data as Array<{ kind: string; used: number }>).find((entry) => entry.kind === 'spendPerDayUsd')?.used;
}

async function worstCaseOf(harness: Harness, content: string): Promise<number> {
  const { body } = await call(harness, 'POST', '/api/ai/estimate', chatItem(content));
  const worstCase = body.estimate.costUsd as number;
  expect(worstCase).toBeGreaterThan(0);
  return worstCase;
}

describe('job items whose attempt failed after reaching OpenRouter', () => {
  it('count an attempt that timed out before its first byte at its worst case, in the item\'s ledger row and the cap', async () => {
    const harness = await start();
    await setSpendCap(harness, 1);
    // The first attempt sends nothing for a second (no headers: no generation id); the retry answers.
    harness.emulator.addRule({ match: { contains: 'stalls first' }, scenario: 'stall=1000', times: 1 });
    const { id, item } = await runChatItem(harness, 'stalls first');
    expect(item.status).toBe('done');

    const worstCase = await worstCaseOf(harness, 'stalls first');
    const answered = harness.emulator.generations({ status: 'completed' });
    expect(answered).toHaveLength(1);
    const answeredCost = answered[0]!.billed!.cost;
    const [row] = await settledRows(harness, id, 1);
    expect(row).toMatchObject({ status: 'ok', attempts: 2, cost_source: 'worst_case', generation_id: answered[0]!.id });
    expect(row!.cost_usd).toBeCloseTo(answeredCost + worstCase, 12);
    // The job's cost is its ledger's: the failed attempt's worst case with the answer's cost.
    expect(await jobCost(harness, id)).toBeCloseTo(row!.cost_usd, 12);
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(answeredCost + worstCase, 9);
  });

  it('count an attempt that failed inside its 200 before the first chunk in the item\'s one ledger row and the cap', async () => {
    const harness = await start();
    await setSpendCap(harness, 1);
    harness.emulator.addRule({ match: { contains: 'fails inside' }, scenario: 'error-body', times: 1 });
    const { id, item } = await runChatItem(harness, 'fails inside');
    expect(item.status).toBe('done');

    const generations = harness.emulator.generations({});
    expect(generations.map((generation) => generation.status)).toEqual(['failed', 'completed']);
    expect(generations[0]!.billed!.cost).toBeGreaterThan(0);
    const billed = harness.emulator.billedTotal();
    // One row for the item, as for a chat request: its answer's generation, and the cost of both.
    const [row] = await settledRows(harness, id, 1);
    expect(row).toMatchObject({ status: 'ok', attempts: 2, cost_source: 'reconciled', generation_id: generations[1]!.id });
    expect(row!.cost_usd).toBeCloseTo(billed.cost, 12);
    expect(await jobCost(harness, id)).toBeCloseTo(billed.cost, 12);
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(billed.cost, 9);
  });

  it('fail the item with the cap\'s error, unsent, when the cap has no room for the next attempt', async () => {
    const harness = await start();
    // Room for one worst case but not two: the first attempt is admitted, the retry after its billed failure is not.
    const worstCase = await worstCaseOf(harness, 'no room for a second');
    await setSpendCap(harness, worstCase * 1.5);
    harness.emulator.addRule({ match: { contains: 'no room for a second' }, scenario: 'error-body', times: 1 });
    const { id, item } = await runChatItem(harness, 'no room for a second');
    expect(item).toMatchObject({ status: 'failed', error: { code: 'quota_exceeded' } });
    expect(item.error.message).toMatch(/spending limit/);

    // The refused attempt was never sent, and the item was not run again.
    expect(harness.emulator.generations({})).toHaveLength(1);
    const [row] = await settledRows(harness, id, 1);
    expect(row).toMatchObject({ status: 'error', error_code: 'quota_exceeded', attempts: 1, cost_source: 'reconciled' });
    expect(row!.cost_usd).toBeCloseTo(harness.emulator.billedTotal().cost, 12);
    expect(await jobCost(harness, id)).toBeCloseTo(row!.cost_usd, 12);
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
  });
});
