import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';

// The harness's `chat` feature: this model first, then its fallback.
const PRIMARY = 'openai/gpt-4o-mini';
const FALLBACK = 'anthropic/claude-sonnet-4';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

/** A gateway writing its own ledger (not the harness's in-memory sink), reconciling within a few hundred ms. */
async function start(): Promise<Harness> {
  const harness = await startHarness({ usage: undefined, retry: { maxRetries: 0 }, ledger: { reconcile: { firstDelayMs: 50, attempts: 6 } } });
  harnesses.push(harness);
  return harness;
}

const chat = (harness: Harness, content: string, stream = false) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, max_tokens: 100, messages: [{ role: 'user', content }] }),
  });

const rowsOf = async (harness: Harness) => (await harness.gateway.ready).database.db.selectFrom('usage_records').selectAll().execute();

/** Waits until every row is written and none is still waiting for OpenRouter's figures. */
async function settledRows(harness: Harness, count: number) {
  await expect.poll(async () => {
    const rows = await rowsOf(harness);
    return rows.length === count && rows.every((row) => row.cost_source !== 'estimated');
  }, { timeout: 10_000, interval: 50 }).toBe(true);
  return rowsOf(harness);
}

const setSpendCap = async (harness: Harness, spendPerDayUsd: number) => {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers })).json()) as { version: number };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers, body: JSON.stringify({ version, policy: { project: { spendPerDayUsd }, features: {}, users: { default: {}, overrides: {} } } }) });
  expect(saved.status).toBe(200);
};
const spentToday = async (harness: Harness) => {
  const { data } = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { data: Array<{ kind: string; used: number }> };
  return data.find((entry) => entry.kind === 'spendPerDayUsd')?.used;
};

describe('attempts that fail after OpenRouter answered 200 count in the record and the caps', () => {
  it.each([false, true])('a fallback after an error inside the answer: one record whose cost is both generations\' (stream: %s)', async (stream) => {
    const harness = await start();
    // An error inside a 200 after 3 tokens: OpenRouter bills the prompt and what was generated.
    harness.emulator.addRule({ match: { model: PRIMARY }, scenario: stream ? 'error-body' : 'error-after=3' });
    const response = await chat(harness, 'fails first, then falls back', stream);
    expect(response.status).toBe(200);
    if (stream) expect(parseSseBody(await response.text()).done).toBe(true);
    else expect(((await response.json()) as { model: string }).model).toBe(FALLBACK);

    const generations = harness.emulator.generations({});
    expect(generations.map((generation) => [generation.model, generation.status])).toEqual([[PRIMARY, 'failed'], [FALLBACK, 'completed']]);
    const billed = harness.emulator.billedTotal();
    expect(billed.generations).toBe(2);
    expect(generations[0]!.billed!.cost).toBeGreaterThan(0);

    const [row] = await settledRows(harness, 1);
    expect(row).toMatchObject({ status: 'ok', served_model: FALLBACK, attempts: 2, cost_source: 'reconciled', generation_id: generations[1]!.id });
    expect(row!.cost_usd).toBeCloseTo(billed.cost, 12);
    const tokens = generations.reduce((sum, generation) => sum + generation.billed!.promptTokens + generation.billed!.completionTokens, 0);
    expect(row!.prompt_tokens + row!.completion_tokens).toBe(tokens);
  });

  it('a request whose every attempt failed inside a 200 is an error whose cost is what was billed', async () => {
    const harness = await start();
    await setSpendCap(harness, 1);
    harness.emulator.addRule({ match: { contains: 'both fail' }, scenario: 'error-body;error-code=502' });
    const response = await chat(harness, 'both fail');
    expect(response.status).toBe(502);
    const billed = harness.emulator.billedTotal();
    expect(billed.generations).toBe(2);
    const [row] = await settledRows(harness, 1);
    expect(row).toMatchObject({ status: 'error', attempts: 2, cost_source: 'reconciled' });
    expect(row!.cost_usd).toBeCloseTo(billed.cost, 12);
    // The cap counts both generations, and keeps no worst case reserved for an attempt that never came.
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(billed.cost, 9);
  });

  it('a stream cancelled before its first chunk is the request\'s own generation, reconciled, not a failed one', async () => {
    const harness = await start();
    harness.emulator.addRule({ match: { contains: 'slow start' }, scenario: 'ttft=3000' });
    // The client hangs up while OpenRouter has answered 200 but sent no chunk yet.
    const request = http.request(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' } });
    request.on('error', () => undefined);
    request.end(JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'slow start' }] }));
    await expect.poll(() => harness.emulator.generations({}).length).toBe(1);
    request.destroy();
    const [generation] = harness.emulator.generations({});
    await harness.emulator.waitForGeneration(generation!.id);
    const [row] = await settledRows(harness, 1);
    expect(row).toMatchObject({ status: 'cancelled', attempts: 1, generation_id: generation!.id, cost_source: 'reconciled' });
    expect(row!.cost_usd).toBeCloseTo(harness.emulator.billedTotal().cost, 12);
  });

  it.each([false, true])('an attempt OpenRouter had whole but did not answer in time keeps its worst case, in the record and the cap (stream: %s)', async (stream) => {
    const harness = await startHarness({ usage: undefined, retry: { maxRetries: 0 }, ledger: { reconcile: { firstDelayMs: 50, attempts: 6 } }, upstream: { timeouts: { firstByteMs: 1_000 } } });
    harnesses.push(harness);
    await setSpendCap(harness, 1);
    // The first model sends nothing for five seconds (no headers: no generation id), the fallback answers. The
    // fallback's headers must come within the same timeout, so it is not cut fine for a loaded machine.
    harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'stall=5000' });
    const response = await chat(harness, 'slow to start', stream);
    expect(response.status).toBe(200);
    await response.text();
    const worstCase = ((await (await fetch(`${harness.url}/api/ai/estimate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', max_tokens: 100, messages: [{ role: 'user', content: 'slow to start' }] }),
    })).json()) as { estimate: { costUsd: number } }).estimate.costUsd;
    const [row] = await settledRows(harness, 1);
    expect(row).toMatchObject({ status: 'ok', served_model: FALLBACK, attempts: 2, cost_source: 'worst_case' });
    const answered = harness.emulator.generations({ model: FALLBACK })[0]!.billed!.cost;
    expect(row!.cost_usd).toBeCloseTo(answered + worstCase, 12);
    // Whatever OpenRouter billed for the stalled attempt, the cap holds its worst case for good.
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(answered + worstCase, 9);
  });

  it('a spend cap counts the failed generation, and refuses a fallback it has no room for', async () => {
    const harness = await start();
    await setSpendCap(harness, 1);
    harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'error-after=3' });
    expect((await chat(harness, 'counted twice')).status).toBe(200);
    await settledRows(harness, 1);
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);

    // Room for one worst case but not two: the first attempt is admitted, the fallback after its billed failure is not.
    const estimate = (await (await fetch(`${harness.url}/api/ai/estimate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', max_tokens: 100, messages: [{ role: 'user', content: 'no room for a second' }] }),
    })).json()) as { estimate: { costUsd: number } };
    const worstCase = estimate.estimate.costUsd;
    expect(worstCase).toBeGreaterThan(0);
    const spent = (await spentToday(harness))!;
    await setSpendCap(harness, spent + worstCase * 1.5);
    const refused = await chat(harness, 'no room for a second');
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('quota_exceeded');
    expect(harness.emulator.generations({ model: FALLBACK })).toHaveLength(1);
    const rows = await settledRows(harness, 2);
    const last = rows.find((row) => row.status !== 'ok');
    // The refused fallback was never an attempt: one reached OpenRouter.
    expect(last).toMatchObject({ error_code: 'quota_exceeded', attempts: 1 });
    await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
    expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(spent + worstCase * 1.5);
  });
});
