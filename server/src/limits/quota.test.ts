import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { spentToday } from '../../test/spend-caps.js';
import type { BudgetAlert } from './budget-alerts.js';
import { MemoryBackend } from './memory-backend.js';
import type { LimitPolicy } from './types.js';

let harness: Harness;
const callbackAlerts: BudgetAlert[] = [];
const webhookAlerts: unknown[] = [];
let webhook: ReturnType<express.Express['listen']>;
let webhookUrl: string;

beforeAll(async () => {
  const app = express().use(express.json());
  app.post('/alerts', (req, res) => {
    webhookAlerts.push(req.body);
    res.sendStatus(204);
  });
  webhook = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => webhook.once('listening', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
  // The test webhook listens on loopback over plain http, which a host must opt in to.
  harness = await startHarness({ onBudgetAlert: (alert) => void callbackAlerts.push(alert), webhooks: { allowHttp: true, allowPrivateAddresses: true } });
});
afterAll(async () => {
  webhook.close();
  await harness.close();
});

let version = 0;
const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const setPolicy = async (policy: Partial<LimitPolicy>, alerts?: unknown) => {
  const saved = await admin('PUT', '/api/ai/limits/policy', { version, policy: { project: {}, features: {}, users: { default: {}, overrides: {} }, ...policy }, ...(alerts ? { alerts } : {}) });
  expect(saved.status).toBe(200);
  version = saved.body['version'] as number;
};
afterEach(async () => {
  await setPolicy({});
  harness.emulator.clearRules();
});
const chat = (content: string, extra: Record<string, unknown> = {}, key = CLIENT_KEY) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }], ...extra }),
  });
/** The "code" feature has no fallback, and a long answer costs exactly its worst case: max_tokens at its price. */
const costly = (content: string, maxTokens: number) => chat(content, { model: 'code', max_tokens: maxTokens });
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

describe('rate limits (429)', () => {
  it('allows N requests a minute, then answers 429 with Retry-After and RateLimit-* headers', async () => {
    await setPolicy({ project: { requestsPerMinute: 3 } });
    const responses = [];
    for (let index = 0; index < 4; index += 1) responses.push(await chat(`rpm ${index}`));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(responses[0]!.headers.get('ratelimit-limit')).toBe('3');
    expect(responses[0]!.headers.get('ratelimit-remaining')).toBe('2');
    const limited = responses[3]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(await errorOf(limited)).toMatchObject({ code: 'rate_limit_exceeded', message: expect.stringContaining('3 per minute') });
  });

  it('limits tokens per minute, counting the worst case of each request', async () => {
    await setPolicy({ project: { tokensPerMinute: 500 } });
    expect((await chat('small', { max_tokens: 100 })).status).toBe(200);
    const big = await chat('big', { max_tokens: 512 });
    expect(big.status).toBe(429);
    expect((await errorOf(big)).message).toContain('tokens per minute');
  });

  it('limits concurrent requests', async () => {
    await setPolicy({ users: { default: { concurrentRequests: 2 }, overrides: {} } });
    // Slow enough to stay in flight while the third is refused; the third is sent once both are admitted and upstream.
    harness.emulator.addRule({ match: { contains: 'slow' }, scenario: 'ttft=1500' });
    const slow = [chat('slow one'), chat('slow two')];
    const slowRunning = () => harness.emulator.generations({ status: 'running' }).filter((generation) => JSON.stringify(generation.request).includes('slow')).length;
    await expect.poll(slowRunning).toBe(2);
    const third = await chat('third');
    expect(third.status).toBe(429);
    expect((await errorOf(third)).message).toContain('2 at a time');
    expect((await Promise.all(slow)).map((response) => response.status)).toEqual([200, 200]);
    expect((await chat('after')).status).toBe(200);
  });

  it('applies a user override instead of the default for every user', async () => {
    await setPolicy({ users: { default: { requestsPerMinute: 1 }, overrides: { 'user-1': { requestsPerMinute: 5 } } } });
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push((await chat(`override ${index}`)).status);
    expect(statuses).toEqual([200, 200, 200]);
  });
});

describe('caps (402)', () => {
  it('answers 402 quota_exceeded with the cap and its reset when the daily token cap is reached', async () => {
    await setPolicy({ features: { chat: { tokensPerDay: 300 } } });
    expect((await chat('first', { max_tokens: 100 })).status).toBe(200);
    const statuses = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await chat(`more ${index}`, { max_tokens: 100 })).status);
    expect(statuses).toContain(402);
    const refused = await chat('refused', { max_tokens: 100 });
    expect(refused.status).toBe(402);
    expect(refused.headers.get('x-quota-limit')).toBe('tokensPerDay=300');
    expect(new Date(refused.headers.get('x-quota-reset')!).getTime()).toBeGreaterThan(Date.now());
    const error = await errorOf(refused);
    expect(error).toMatchObject({ code: 'quota_exceeded', message: expect.stringContaining('daily token limit of 300 for the "chat" feature') });
  });

  it('says what is left, and that a smaller request would pass, when only the worst case does not fit', async () => {
    await setPolicy({ project: { tokensPerDay: 1_000 } });
    const tokens = await errorOf(await costly('a long answer', 5_000));
    expect(tokens).toMatchObject({ code: 'quota_exceeded', message: expect.stringMatching(/daily token limit of 1000 for this project has 1000 tokens left, and this request may use up to 5\d{3} \(lower max_tokens/) });
    expect((await costly('a short answer', 50)).status).toBe(200);
    // Spend in this test would count against the next test's cap of the same day: only a refusal here.
    await setPolicy({ project: { spendPerDayUsd: 0.002 } });
    const spend = await errorOf(await costly('a dear answer', 900));
    expect(spend).toMatchObject({ code: 'quota_exceeded', message: expect.stringMatching(/daily spending limit of \$0\.0020 for this project has \$0\.0020 left, and this request may cost up to \$0\.\d{4} \(its worst case/) });
    expect(spend.message).not.toContain('is reached');
  });

  it('never lets 50 concurrent requests overshoot a spend cap', async () => {
    // Each answer runs to max_tokens, so each costs about its reserved worst case (~$0.0015).
    harness.emulator.addRule({ match: { contains: 'spend' }, scenario: 'tokens=400' });
    const cap = 0.016;
    await setPolicy({ project: { spendPerDayUsd: cap } });
    harness.emulator.reset();
    harness.emulator.addRule({ match: { contains: 'spend' }, scenario: 'tokens=400' });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => costly(`spend ${index}`, 100)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((status) => status === 402).length).toBeGreaterThan(0);
    await Promise.all(responses.map((response) => response.text()));
    expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
    await expect.poll(() => spentToday(harness)).toBeCloseTo(harness.emulator.billedTotal().cost, 12);
  });
});

describe('budget alerts', () => {
  it('fires each threshold once per period, to the webhook and the callback', async () => {
    await setPolicy({ project: { spendPerMonthUsd: 0.01 } }, { thresholds: [0.1, 0.2], webhookUrl });
    harness.emulator.addRule({ match: { contains: 'alert' }, scenario: 'tokens=400' });
    for (let index = 0; index < 4; index += 1) await (await costly(`alert ${index}`, 60)).text();
    await expect.poll(() => callbackAlerts.filter((alert) => alert.cap === 'spend_per_month_usd').map((alert) => alert.threshold).sort()).toEqual([0.1, 0.2]);
    await expect.poll(() => webhookAlerts.length).toBe(2);
    expect(webhookAlerts[0]).toMatchObject({ type: 'budget_alert', projectId: 'default', limitUsd: 0.01, cap: 'spend_per_month_usd' });
    const audit = await admin('GET', '/api/ai/audit?limit=100');
    const fired = (audit.body['data'] as Array<{ action: string; after: { cap?: string } | null }>).filter((entry) => entry.action === 'budget_alert.fired' && entry.after?.cap === 'spend_per_month_usd');
    expect(fired).toHaveLength(2);
  });

  it('takes the spend for alerts from the settle itself, never reading it back', async () => {
    const settle = vi.spyOn(MemoryBackend.prototype, 'settle');
    const current = vi.spyOn(MemoryBackend.prototype, 'current');
    try {
      await setPolicy({ project: { spendPerDayUsd: 100 } }, { thresholds: [], webhookUrl: null });
      await (await chat('no threshold')).text();
      await expect.poll(() => settle.mock.calls.length).toBeGreaterThan(0);

      await setPolicy({ project: { spendPerDayUsd: 100 } }, { thresholds: [0.9], webhookUrl: null });
      await (await chat('one threshold')).text();
      await expect.poll(() => settle.mock.calls.length).toBeGreaterThan(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(current).not.toHaveBeenCalled();
    } finally {
      settle.mockRestore();
      current.mockRestore();
      await setPolicy({}, { thresholds: [0.8, 1], webhookUrl: null });
    }
  });
});

describe('emergency stop', () => {
  it('stops all AI traffic of the project at once with a clear 503, and restarts it', async () => {
    const stopped = await admin('POST', '/api/ai/emergency-stop', { stopped: true, reason: 'runaway costs' });
    expect(stopped.status).toBe(200);
    version = stopped.body['version'] as number;
    const refused = await chat('during the stop');
    expect(refused.status).toBe(503);
    expect((await errorOf(refused)).message).toContain('paused for this project by an administrator: runaway costs');
    const limits = await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json();
    expect(limits).toMatchObject({ stopped: true, stopReason: 'runaway costs' });
    const restarted = await admin('POST', '/api/ai/emergency-stop', { stopped: false });
    version = restarted.body['version'] as number;
    expect((await chat('after the stop')).status).toBe(200);
    const audit = await admin('GET', '/api/ai/audit?limit=100');
    const actions = (audit.body['data'] as Array<{ action: string }>).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['emergency_stop.on', 'emergency_stop.off']));
  });
});
