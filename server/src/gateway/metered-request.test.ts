import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';
import type { QuotaGuard } from '../limits/quota-guard.js';
import type { LimitPolicy } from '../limits/types.js';
import { MemoryUsageSink, type InFlightLog } from '../usage/usage-record.js';
import { RequestLifecycle } from './metered-request.js';

// Features for the policy checks, beside the harness's usual ones.
const FEATURES = [
  ...DEFAULT_FEATURES,
  { name: 'bounded', model: 'anthropic/claude-sonnet-4', clientOverrides: { max_tokens: { min: 50, max: 2000 }, reasoning: { min: 100, max: 1000 } } },
  { name: 'staff', model: 'openai/gpt-4o-mini', roles: ['admin' as const] },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ features: FEATURES, heartbeatMs: 100 });
});
afterAll(async () => {
  await harness.close();
});

let version = 0;
const admin = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const setPolicy = async (policy: Partial<LimitPolicy>) => {
  const saved = await admin('PUT', '/api/ai/limits/policy', { version, policy: { project: {}, features: {}, users: { default: {}, overrides: {} }, ...policy } });
  expect(saved.status).toBe(200);
  version = saved.body['version'] as number;
};
afterEach(async () => {
  await setPolicy({});
  harness.emulator.clearRules();
});

const post = (path: string, body: Record<string, unknown>, init: RequestInit = {}, key = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });
const chat = (body: Record<string, unknown>, init?: RequestInit, key?: string) => post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hello' }], ...body }, init, key);
const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string; param: string | null } }).error;
const generationCount = () => harness.emulator.generations().length;
const waitUntil = async (test: () => boolean, timeoutMs = 5_000) => {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
/** Sends a request and aborts it once OpenRouter (the emulator) has it; resolves with its status, or 'aborted'. */
async function abortOnceUpstream(send: (signal: AbortSignal) => Promise<Response>): Promise<number | 'aborted'> {
  const before = generationCount();
  const abort = new AbortController();
  const response = send(abort.signal).then((answer) => answer, () => undefined);
  const reached = await Promise.race([waitUntil(() => generationCount() > before).then(() => true), response.then(() => false)]);
  if (!reached) return (await response)?.status ?? 'aborted';
  abort.abort();
  await response;
  return 'aborted';
}
const billedTokens = () => harness.emulator.generations().reduce((sum, probe) => sum + (probe.billed ? probe.billed.promptTokens + probe.billed.completionTokens : 0), 0);

describe('caps hold when clients cancel', () => {
  it('a JSON chat cancelled after it reached OpenRouter keeps its worst case: cancelling cannot bypass a spend cap', async () => {
    harness.emulator.reset();
    const cap = 0.01;
    await setPolicy({ project: { spendPerDayUsd: cap } });
    harness.emulator.addRule({ match: { contains: 'cancel me' }, scenario: 'ttft=3000' });
    const outcomes: Array<number | 'aborted'> = [];
    for (let index = 0; index < 30; index += 1) {
      outcomes.push(await abortOnceUpstream((signal) => chat({ model: 'code', max_tokens: 100, messages: [{ role: 'user', content: `cancel me ${index}` }] }, { signal })));
    }
    const admitted = outcomes.filter((outcome) => outcome === 'aborted').length;
    expect(outcomes.filter((outcome) => outcome === 402).length).toBe(30 - admitted);
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThan(10);
    await waitUntil(() => harness.emulator.generations({ status: 'running' }).length === 0);
    expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
    const cancelled = harness.usage.records.filter((record) => record.status === 'cancelled' && record.requestedModel === 'code');
    expect(cancelled.at(-1)).toMatchObject({ costBasis: 'worst_case', costUsd: expect.any(Number) });
    expect(cancelled.at(-1)!.costUsd).toBeGreaterThan(0);
  });

  it('a JSON chat cancelled after it reached OpenRouter is recorded with the tokens its token cap kept, so a cap seeded from the ledger counts them too', async () => {
    harness.emulator.reset();
    await setPolicy({ project: { tokensPerDay: 1_000_000 } });
    harness.emulator.addRule({ match: { contains: 'cancel my tokens' }, scenario: 'ttft=1000' });
    const counted = async () => ((await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { data: Array<{ kind: string; used: number }> }).data.find((limit) => limit.kind === 'tokensPerDay')?.used ?? 0;
    const before = await counted();
    expect(await abortOnceUpstream((signal) => chat({ model: 'code', max_tokens: 100, messages: [{ role: 'user', content: 'cancel my tokens' }] }, { signal }))).toBe('aborted');
    await waitUntil(() => harness.emulator.generations({ status: 'running' }).length === 0);
    // OpenRouter bills a JSON generation whole, cancelled or not.
    expect(billedTokens()).toBeGreaterThan(0);
    const record = harness.usage.records.findLast((entry) => entry.status === 'cancelled' && entry.requestedModel === 'code');
    expect(record).toMatchObject({ costBasis: 'worst_case' });
    const recorded = (record?.promptTokens ?? 0) + (record?.completionTokens ?? 0);
    expect(recorded).toBeGreaterThanOrEqual(billedTokens());
    expect(recorded).toBe((await counted()) - before);
  });

  it('a stream cancelled mid-answer keeps its token reservation: cancelling cannot bypass a daily token cap', async () => {
    harness.emulator.reset();
    const cap = 2_000;
    await setPolicy({ project: { tokensPerDay: cap } });
    harness.emulator.addRule({ match: { contains: 'stream me' }, scenario: 'tps=20;tokens=400' });
    let admitted = 0;
    let refused = 0;
    for (let index = 0; index < 12; index += 1) {
      const abort = new AbortController();
      const response = await chat({ stream: true, messages: [{ role: 'user', content: `stream me ${index}` }] }, { signal: abort.signal });
      if (response.status === 402) {
        refused += 1;
        await response.text();
        continue;
      }
      admitted += 1;
      const reader = response.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
    }
    await waitUntil(() => harness.emulator.generations({ status: 'running' }).length === 0);
    expect(admitted + refused).toBe(12);
    expect(refused).toBeGreaterThan(0);
    expect(billedTokens()).toBeLessThanOrEqual(cap);
  });

  it('a request cancelled while it waits to retry counts nothing: its refused attempt was not billed and nothing else was sent', async () => {
    harness.emulator.reset();
    await setPolicy({ project: { spendPerDayUsd: 1 } });
    harness.emulator.addRule({ match: { contains: 'wait to retry' }, scenario: 'status=503;retry-after=2' });
    const spentToday = async () => {
      const limits = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { data: Array<{ kind: string; used: number }> };
      return limits.data.find((limit) => limit.kind === 'spendPerDayUsd')?.used;
    };
    const before = await spentToday();
    const abort = new AbortController();
    const response = chat({ model: 'code', max_tokens: 100, messages: [{ role: 'user', content: 'wait to retry' }] }, { signal: abort.signal }).catch(() => undefined);
    // The 503 comes at once: the gateway then waits out its Retry-After before the next attempt.
    await new Promise((resolve) => setTimeout(resolve, 500));
    abort.abort();
    await response;
    await waitUntil(() => harness.usage.records.at(-1)?.status === 'cancelled');
    expect(generationCount()).toBe(0);
    const record = harness.usage.records.at(-1)!;
    expect(record.costBasis).toBeUndefined();
    expect(record.costUsd ?? 0).toBe(0);
    // Its reservation is given back whole once settled.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await spentToday()).toBe(before);
  });

  it('counts tools and schemas in the worst case: 380 KB of tool definitions do not slip under a spend cap', async () => {
    await setPolicy({ features: { code: { spendPerDayUsd: 0.05 } } });
    const description = 'x'.repeat(3_800);
    const tools = Array.from({ length: 100 }, (_, index) => ({ type: 'function', function: { name: `tool_${index}`, description, parameters: { type: 'object', properties: {} } } }));
    const refused = await chat({ model: 'code', max_tokens: 50, tools });
    expect(refused.status).toBe(402);
    expect((await errorOf(refused)).code).toBe('quota_exceeded');
    expect((await chat({ model: 'code', max_tokens: 50 })).status).toBe(200);
  });

  it('counts the reasoning budget as output in the worst case', async () => {
    await setPolicy({ project: { tokensPerMinute: 5_000 } });
    const refused = await chat({ reasoning: { max_tokens: 20_000 } });
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain('tokens per minute');
  });
});

describe('feature policy', () => {
  it('bounds reasoning.max_tokens like max_tokens: clamped to the ceiling, 400 below the floor', async () => {
    const clamped = await chat({ model: 'bounded', reasoning: { max_tokens: 50_000 } });
    expect(clamped.status).toBe(200);
    expect(harness.emulator.generations().at(-1)!.request).toMatchObject({ reasoning: { max_tokens: 1_000 } });
    const low = await chat({ model: 'bounded', reasoning: { max_tokens: 10 } });
    expect(low.status).toBe(400);
    expect(await errorOf(low)).toMatchObject({ code: 'invalid_parameter', param: 'reasoning.max_tokens' });
  });

  it('enforces the floor of max_tokens a feature sets', async () => {
    const low = await chat({ model: 'bounded', max_tokens: 10 });
    expect(low.status).toBe(400);
    expect(await errorOf(low)).toMatchObject({ code: 'invalid_parameter', param: 'max_tokens', message: expect.stringContaining('between 50') });
    expect((await chat({ model: 'bounded', max_tokens: 60 })).status).toBe(200);
  });

  it('refuses image output on a text feature', async () => {
    const refused = await chat({ modalities: ['image', 'text'] });
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ code: 'parameter_not_allowed', param: 'modalities' });
  });

  it('hides admin-only features from users in the model list and in the model_not_found hint', async () => {
    const asUser = (await (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { data: Array<{ id: string }> };
    expect(asUser.data.map((model) => model.id)).not.toContain('staff');
    const asAdmin = (await (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { data: Array<{ id: string }> };
    expect(asAdmin.data.map((model) => model.id)).toContain('staff');
    expect((await fetch(`${harness.url}/v1/models/staff`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(404);
    const unknown = await errorOf(await chat({ model: 'no-such-feature' }));
    expect(unknown.code).toBe('model_not_found');
    expect(unknown.message).toContain('chat');
    expect(unknown.message).not.toContain('staff');
  });
});

describe('upstream answers that are not OpenRouter\'s', () => {
  const routes = [
    { name: 'chat', send: (model: string) => chat({ model: 'chat', messages: [{ role: 'user', content: `lie ${model}` }] }) },
    { name: 'embeddings', send: (model: string) => post('/v1/embeddings', { model: 'embed', input: `lie ${model}` }) },
    { name: 'images', send: (model: string) => post('/v1/images/generations', { model: 'image', prompt: `lie ${model}` }) },
  ];
  for (const route of routes) {
    it(`${route.name}: a 200 with {}, [1,2,3], null or text is a 502 upstream_error, recorded as an error`, async () => {
      for (const malformed of ['object', 'array', 'null', 'text']) {
        harness.emulator.clearRules();
        harness.emulator.addRule({ match: { contains: `lie ${malformed}` }, scenario: `malformed=${malformed}` });
        const response = await route.send(malformed);
        expect(response.status, malformed).toBe(502);
        expect((await errorOf(response)).code).toBe('upstream_error');
        expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'upstream_error' });
      }
    });
  }
});

describe('streams and their status', () => {
  it('answers a stream refused before its first byte with the real status and Retry-After, not 200 and heartbeats', async () => {
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=1' });
    const response = await chat({ stream: true, messages: [{ role: 'user', content: 'busy' }] });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await errorOf(response)).code).toBe('rate_limit_exceeded');
  });

  it('an error event after the stream started carries retry_after when the upstream gave one', async () => {
    harness.emulator.addRule({ match: { contains: 'limited later' }, scenario: 'error-after=3;error-code=429;retry-after=7' });
    const response = await chat({ stream: true, messages: [{ role: 'user', content: 'limited later' }] });
    expect(response.status).toBe(200);
    const { events } = parseSseBody(await response.text());
    const error = events.find((event) => event['error']) as { error: { code: string; retry_after?: number } } | undefined;
    expect(error?.error).toMatchObject({ code: 'rate_limit_exceeded', retry_after: 7 });
  });
});

describe('the live test is metered like any request', () => {
  it('stops during an emergency stop and counts against the limits', async () => {
    const liveTest = () => admin('POST', '/api/ai/configurations/test', { prompt: 'ping', draft: { modelId: 'openai/gpt-4o-mini' } });
    const stopped = await admin('POST', '/api/ai/emergency-stop', { stopped: true, reason: 'audit' });
    version = stopped.body['version'] as number;
    expect((await liveTest()).status).toBe(503);
    const restarted = await admin('POST', '/api/ai/emergency-stop', { stopped: false });
    version = restarted.body['version'] as number;
    await setPolicy({ project: { requestsPerMinute: 1 } });
    expect((await liveTest()).status).toBe(200);
    expect((await liveTest()).status).toBe(429);
  });
});

/** A stream of 400 tokens at 10 a second, its answer begun: what it will have read once it ends. */
async function longStreamUnderWay(harness: Harness): Promise<{ reading: Promise<string> }> {
  harness.emulator.addRule({ match: { contains: 'long' }, scenario: 'tps=10;tokens=400' });
  const slow = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'long answer' }] }),
  });
  expect(slow.status).toBe(200);
  const reading = slow.text();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { reading };
}

describe('deadline and shutdown', () => {
  let local: Harness;
  beforeAll(async () => {
    local = await startHarness({ requestDeadlineMs: 500 });
  });
  afterAll(async () => {
    await local.close();
  });
  const send = (body: Record<string, unknown>) =>
    fetch(`${local.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', ...body }) });

  it('ends a request whose upstream only sends keep-alives at the deadline, JSON and streamed, and records it', async () => {
    local.emulator.addRule({ match: { contains: 'forever' }, scenario: 'ttft=5000;keepalive=50' });
    const startedAt = Date.now();
    const json = await send({ messages: [{ role: 'user', content: 'forever json' }] });
    expect(json.status).toBe(504);
    expect((await errorOf(json)).code).toBe('upstream_timeout');
    const stream = await send({ stream: true, messages: [{ role: 'user', content: 'forever stream' }] });
    expect(stream.status).toBe(504);
    await stream.text();
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(local.usage.records.slice(-2).map((record) => [record.status, record.errorCode])).toEqual([['error', 'upstream_timeout'], ['error', 'upstream_timeout']]);
  });

  it('drain ends the streams still running with an error event (no reset), records each, and refuses new requests', async () => {
    local.emulator.clearRules();
    const { reading } = await longStreamUnderWay(local);
    const records = local.usage.records.length;
    await local.gateway.drain(50);
    const { events } = parseSseBody(await reading);
    const last = events.at(-1) as { error?: { code: string } } | undefined;
    expect(last?.error?.code).toBe('service_unavailable');
    expect(local.usage.records.length).toBe(records + 1);
    expect(local.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'service_unavailable', streamed: true });
    const refused = await send({ messages: [{ role: 'user', content: 'after' }] });
    expect(refused.status).toBe(503);
  });

  it('close without a drain first ends the requests still running and records each before the ledger closes', async () => {
    const closing = await startHarness();
    try {
      const { reading } = await longStreamUnderWay(closing);
      await closing.gateway.close();
      const last = parseSseBody(await reading).events.at(-1) as { error?: { code: string } } | undefined;
      expect(last?.error?.code).toBe('service_unavailable');
      expect(closing.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'service_unavailable', streamed: true });
      expect(closing.logs.filter((line) => line.startsWith('error'))).toEqual([]);
    } finally {
      await closing.close();
    }
  });
});

describe('what a request reserved in all, as its note in flight says', () => {
  it('notes the worst case of every attempt after a billed failure, and what its own calls reserved past the estimate', async () => {
    const reserved: unknown[] = [];
    const inFlight: InFlightLog = { opened: () => undefined, named: async () => undefined, reserved: (_, worstCase) => void reserved.push(worstCase) };
    const lifecycle = new RequestLifecycle({ quota: {} as QuotaGuard, usage: new MemoryUsageSink(), inFlight, logger: { info: () => undefined, warn: () => undefined, error: () => undefined }, deadlineMs: 60_000 });
    const meter = lifecycle.begin({ projectId: 'p1', role: 'user' }, 'chat');
    meter.estimate = { tokens: 1_200, promptTokens: 200, costUsd: 0.01 };
    meter.admission = { headers: {}, settle: async () => undefined, reserveAgain: async () => undefined, reserveMore: async () => undefined };
    await meter.beforeAttempt();
    expect(reserved).toEqual([]);
    meter.failedAfterSending('gen-failed');
    await meter.beforeAttempt();
    expect(reserved).toEqual([{ worstCaseUsd: 0.02, worstCaseTokens: { prompt: 400, completion: 2_000 } }]);
    await meter.reserveMore(0.005);
    expect(reserved.at(-1)).toEqual({ worstCaseUsd: 0.025, worstCaseTokens: { prompt: 400, completion: 2_000 } });
  });
});
