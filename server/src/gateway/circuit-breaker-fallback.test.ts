import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import type { DegradationAlert } from '../observability/degradation-alerts.js';

const PRIMARY = 'openai/gpt-4o-mini';
const FALLBACK = 'anthropic/claude-sonnet-4';
// Long enough that a loaded machine still checks the open circuit before it turns half-open; the recovery waits only
// for the time the gateway says the probe may go (`retryAt`).
const OPEN_MS = 2_500;

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});
const PREFIX = `test:breaker:${randomUUID()}:`;
afterAll(() => deleteRedisKeys(PREFIX));

async function start(extra: Parameters<typeof startHarness>[0] = {}) {
  const alerts: DegradationAlert[] = [];
  const harness = await startHarness({
    retry: { maxRetries: 0 },
    operations: { circuitBreakers: { failureThreshold: 2, openMs: OPEN_MS } },
    onDegradation: (alert) => void alerts.push(alert),
    ...extra,
  });
  harnesses.push(harness);
  return { harness, alerts };
}

const ask = async (harness: Harness, content: string, stream = false) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });
  await response.text();
  return { status: response.status, record: harness.usage.records.at(-1)! };
};
const calls = (harness: Harness, model: string) => harness.emulator.generations({ model }).length;
const adminGet = async (harness: Harness, path: string) => (await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as Promise<Record<string, unknown>>;

describe('circuit breakers on the fallback path', () => {
  it('opens a failing model\'s circuit after the threshold, sends the next requests to the fallback without calling it, and closes once it recovers', async () => {
    const { harness, alerts } = await start();
    // An error inside a 200, so the emulator keeps a (failed) generation of each call the failing model got.
    harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'error-body;error-code=502' });
    for (let index = 0; index < 2; index += 1) {
      const { status, record } = await ask(harness, `failing ${index}`);
      expect(status).toBe(200);
      expect(record).toMatchObject({ servedModel: FALLBACK, attempts: 2 });
    }
    expect(calls(harness, PRIMARY)).toBe(2);
    expect(alerts).toContainEqual(expect.objectContaining({ type: 'circuit_open', scope: 'model', name: PRIMARY }));

    // Open: the failing model is not called at all, JSON or streamed.
    for (const stream of [false, true]) {
      const { status, record } = await ask(harness, `while open ${stream}`, stream);
      expect(status).toBe(200);
      expect(record).toMatchObject({ servedModel: FALLBACK, attempts: 1 });
    }
    expect(calls(harness, PRIMARY)).toBe(2);
    const health = await adminGet(harness, '/api/ai/models/health');
    expect(health['circuits']).toContainEqual(expect.objectContaining({ scope: 'model', name: PRIMARY, state: 'open' }));
    const ready = await (await fetch(`${harness.url}/health`)).json() as { openCircuits: unknown[] };
    expect(ready.openCircuits).toContainEqual(expect.objectContaining({ scope: 'model', name: PRIMARY }));

    // Recovered: after the open time one probe reaches it, succeeds, and the circuit closes.
    harness.emulator.clearRules();
    const retryAt = Date.parse(String((health['circuits'] as Array<{ name: string; retryAt: string }>).find((circuit) => circuit.name === PRIMARY)?.retryAt));
    expect(retryAt).toBeGreaterThan(Date.now());
    await delay(retryAt - Date.now() + 20);
    const probe = await ask(harness, 'probe');
    expect(probe.record).toMatchObject({ servedModel: PRIMARY, attempts: 1 });
    expect(calls(harness, PRIMARY)).toBe(3);
    const after = await ask(harness, 'closed again');
    expect(after.record.servedModel).toBe(PRIMARY);
    expect(alerts).toContainEqual(expect.objectContaining({ type: 'circuit_closed', scope: 'model', name: PRIMARY }));
    const closed = await adminGet(harness, '/api/ai/models/health');
    expect(closed['circuits']).toContainEqual(expect.objectContaining({ name: PRIMARY, state: 'closed' }));
  });

  it('answers 503 without calling anything when every model of the request has an open circuit', async () => {
    const { harness } = await start({ retry: { maxRetries: 0 }, operations: { circuitBreakers: { failureThreshold: 1, openMs: 60_000 } } });
    harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'status=502' });
    harness.emulator.addRule({ match: { model: FALLBACK }, scenario: 'status=502' });
    expect((await ask(harness, 'both fail')).status).toBe(502);
    const before = harness.emulator.generations().length;
    const { status, record } = await ask(harness, 'both open');
    expect(status).toBe(503);
    expect(record).toMatchObject({ status: 'error', errorCode: 'service_unavailable', attempts: 0 });
    expect(harness.emulator.generations().length).toBe(before);
  });

  it('shares circuits through Redis: a model one instance saw failing is skipped by another', async () => {
    const shared = { limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: PREFIX } };
    const first = await start(shared);
    const second = await start(shared);
    first.harness.emulator.addRule({ match: { model: PRIMARY }, scenario: 'status=503' });
    await ask(first.harness, 'fail once');
    await ask(first.harness, 'fail twice');
    const { record } = await ask(second.harness, 'on the other instance');
    expect(record).toMatchObject({ servedModel: FALLBACK, attempts: 1 });
    expect(calls(second.harness, PRIMARY)).toBe(0);
  });
});
