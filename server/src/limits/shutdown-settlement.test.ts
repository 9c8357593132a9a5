import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import type { BudgetAlert } from './budget-alerts.js';

const prefix = `insforge-test:${randomBytes(6).toString('hex')}:`;
const alerts: BudgetAlert[] = [];
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: prefix }, onBudgetAlert: (alert) => void alerts.push(alert) });
});
afterAll(() => deleteRedisKeys(prefix));

const call = (path: string, body: unknown, key = CLIENT_KEY, method = 'POST') =>
  fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a gateway closing while cancelled streams wait for their cost', () => {
  it('settles them at their worst case and checks the budget alerts that raises before it closes Redis', async () => {
    const chat = { model: 'chat', stream: true, messages: [{ role: 'user', content: 'cancelled before shutdown' }] };
    const { estimate } = (await (await call('/api/ai/estimate', chat)).json()) as { estimate: { costUsd: number } };
    // The worst case alone passes the alert's threshold, once the cancelled stream settles at it.
    const saved = await call('/api/ai/limits/policy', { version: 0, policy: { project: { spendPerMonthUsd: estimate.costUsd * 1.5 } }, alerts: { thresholds: [0.5] } }, ADMIN_TOKEN, 'PUT');
    expect(saved.status).toBe(200);
    // OpenRouter shows the generation's cost long after the shutdown: the reservation waits for it until then.
    harness.emulator.addRule({ match: { contains: 'cancelled before shutdown' }, scenario: 'tps=20;tokens=200;generation-delay=60000' });
    const response = await call('/v1/chat/completions', chat);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"content"')) text += new TextDecoder().decode((await reader.read()).value);
    // The user stops it: its cost is known only once OpenRouter shows the generation.
    await reader.cancel();
    await expect.poll(() => harness.usage.records.filter((record) => record.status === 'cancelled').length).toBe(1);
    expect(alerts).toEqual([]);

    await harness.close();
    expect(harness.logs.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(alerts).toMatchObject([{ cap: 'spend_per_month_usd', threshold: 0.5 }]);
  }, 20_000);
});
