import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

// A per-minute window starts with its first request: what the limits API says of its reset is when requests pass again.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const policy = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { version: number };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: policy.version, policy: { project: {}, features: {}, users: { default: { requestsPerMinute: 1 }, overrides: {} } } }),
  });
  expect(saved.status).toBe(200);
});
afterAll(() => harness.close());

const chat = () =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  });
type Limits = { data: Array<{ kind: string; used: number; resetsAt: string }> };

describe('GET /api/ai/limits for a per-minute limit', () => {
  it('names the reset a refused request is told to wait for, not the end of the clock minute', async () => {
    // Not at the turn of a clock minute, whose end would then be near the window's (at most a few seconds of waiting).
    const inside = () => new Date().getUTCSeconds() >= 3 && new Date().getUTCSeconds() <= 56;
    while (!inside()) await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json() as Limits;
    expect(before.data[0]).toMatchObject({ kind: 'requestsPerMinute', used: 0 });
    const started = Date.now();
    expect((await chat()).status).toBe(200);
    const refused = await chat();
    expect(refused.status).toBe(429);
    const waitMs = Number(refused.headers.get('retry-after')) * 1_000;
    const limits = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as Limits;
    const rpm = limits.data.find((limit) => limit.kind === 'requestsPerMinute')!;
    expect(rpm.used).toBe(1);
    const resetsAt = Date.parse(rpm.resetsAt);
    expect(resetsAt).toBeGreaterThanOrEqual(started + 59_000);
    expect(Math.abs(resetsAt - (Date.now() + waitMs))).toBeLessThan(2_000);
  });
});
