import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
beforeAll(async () => {
  // The gateway's own ledger (an in-memory database), not the harness's memory sink.
  harness = await startHarness({
    usage: undefined,
    ledger: { flushIntervalMs: 10 },
    features: [...DEFAULT_FEATURES, { name: 'faq', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true } }],
  });
});
afterAll(() => harness.close());

const call = (method: string, path: string, token: string, body?: unknown) =>
  fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('cache hits in the ledger and the limits', () => {
  it('count as requests but not as spend, and the usage summary shows the hit rate and the savings', async () => {
    const current = (await (await call('GET', '/api/ai/limits/policy', ADMIN_TOKEN)).json()) as { version: number };
    const saved = await call('PUT', '/api/ai/limits/policy', ADMIN_TOKEN, { version: current.version, policy: { project: { requestsPerMinute: 3, spendPerDayUsd: 1 }, features: {}, users: { default: {}, overrides: {} } } });
    expect(saved.status).toBe(200);
    const ask = () => call('POST', '/v1/chat/completions', CLIENT_KEY, { model: 'faq', messages: [{ role: 'user', content: 'How do refunds work?' }] });
    const statuses: Array<[number, string | null]> = [];
    for (let index = 0; index < 4; index += 1) {
      const response = await ask();
      await response.text();
      statuses.push([response.status, response.headers.get('x-cache')]);
    }
    // The fourth is over the request rate: hits were counted as requests.
    expect(statuses).toEqual([[200, 'miss'], [200, 'hit'], [200, 'hit'], [429, null]]);
    const billed = harness.emulator.billedTotal().cost;
    expect(billed).toBeGreaterThan(0);
    const spent = async () => ((await (await call('GET', '/api/ai/limits', CLIENT_KEY)).json()) as { data: Array<{ kind: string; used: number }> }).data.find((entry) => entry.kind === 'spendPerDayUsd')?.used;
    await expect.poll(spent).toBeCloseTo(billed, 12);

    type Summary = { totals: { requests: number; costUsd: number; cacheHits: number; cacheHitRate: number; costSavedUsd: number } };
    const summary = async () => ((await (await call('GET', '/api/ai/usage/summary?feature=faq', ADMIN_TOKEN)).json()) as Summary).totals;
    await expect.poll(async () => (await summary()).requests).toBe(4);
    const totals = await summary();
    expect(totals.cacheHits).toBe(2);
    expect(totals.cacheHitRate).toBeCloseTo(2 / 3, 12);
    expect(totals.costUsd).toBeCloseTo(billed, 12);
    expect(totals.costSavedUsd).toBeCloseTo(2 * billed, 12);
    const entries = ((await (await call('GET', '/api/ai/usage?feature=faq', ADMIN_TOKEN)).json()) as { data: Array<{ cacheHit: boolean; costUsd: number; costSavedUsd: number | null }> }).data;
    expect(entries.filter((entry) => entry.cacheHit).map((entry) => [entry.costUsd, entry.costSavedUsd])).toEqual([[0, billed], [0, billed]]);
  });
});
