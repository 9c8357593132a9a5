import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

// Requests OpenRouter billed nothing for: their ledger rows say so, instead of an estimate nobody will ever reconcile.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ usage: undefined, retry: { baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 10_000 } });
});
afterAll(() => harness.close());

const rows = async () => (await harness.gateway.ready).database.db.selectFrom('usage_records').selectAll().execute();
const rowOf = async (requestId: string | null) => {
  await expect.poll(async () => (await rows()).some((row) => row.id === requestId)).toBe(true);
  return (await rows()).find((row) => row.id === requestId)!;
};
const chat = (body: string, init: RequestInit = {}) =>
  fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body, ...init });

describe('a request nothing was billed for', () => {
  it('is recorded at no cost when it is refused before it is sent', async () => {
    const response = await chat('{"model":"chat","messages":[{"role":"wizard","content":"hi"}]}');
    expect(response.status).toBe(400);
    expect(await rowOf(response.headers.get('x-request-id'))).toMatchObject({ status: 'rejected', cost_usd: 0, cost_source: 'upstream' });
  });

  it('is recorded at no cost when OpenRouter refused it with an error status', async () => {
    harness.emulator.addRule({ match: { contains: 'refuse me' }, scenario: 'status=400' });
    const response = await chat(JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'refuse me, '.repeat(50) }] }));
    expect(response.status).toBe(400);
    expect(await rowOf(response.headers.get('x-request-id'))).toMatchObject({ status: 'error', cost_usd: 0, cost_source: 'upstream' });
  });

  it('is recorded at no cost when it is cancelled while waiting to retry after a refusal', async () => {
    harness.emulator.addRule({ match: { contains: 'wait then leave' }, scenario: 'status=503;retry-after=2' });
    const before = new Set((await rows()).map((row) => row.id));
    const abort = new AbortController();
    const response = chat(JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'wait then leave, '.repeat(50) }] }), { signal: abort.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    abort.abort();
    await response;
    await expect.poll(async () => (await rows()).filter((row) => !before.has(row.id) && row.status === 'cancelled').length).toBe(1);
    expect((await rows()).find((row) => !before.has(row.id))).toMatchObject({ status: 'cancelled', cost_usd: 0, cost_source: 'upstream' });
  });

  it('is not counted among the estimated costs of the usage summary', async () => {
    const summary = await fetch(`${harness.url}/api/ai/usage/summary`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await summary.json()) as { totals: { requests: number; estimatedCosts: number } };
    expect(body.totals.requests).toBeGreaterThanOrEqual(3);
    expect(body.totals.estimatedCosts).toBe(0);
  });
});
