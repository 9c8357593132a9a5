import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { createAiGateway } from '../create-ai-gateway.js';
import type { UsageRecord } from '../usage/usage-record.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});
const PREFIX = `test:operations:${randomUUID()}:`;
afterAll(() => deleteRedisKeys(PREFIX));

async function start(options: Parameters<typeof startHarness>[0] = {}) {
  const harness = await startHarness(options);
  harnesses.push(harness);
  return harness;
}
const chat = async (harness: Harness, content: string, extra: Record<string, unknown> = {}) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: response.status, body: await response.text() };
};
const adminGet = async <T>(harness: Harness, path: string, token = ADMIN_TOKEN): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as T };
};

interface ErrorEntry { at: string; requestId: string; kind: string; class: string; code: string; model: string; feature: string | null; endpoint: string }

describe('GET /api/ai/errors', () => {
  it('lists recent upstream and gateway errors by class, code, model, feature, time and request id, with no prompt or key', async () => {
    const harness = await start({ retry: { maxRetries: 0 } });
    harness.emulator.addRule({ match: { contains: 'PROMPT-TEXT-1', model: 'openai/gpt-4o-mini' }, scenario: 'status=503' });
    expect((await chat(harness, 'PROMPT-TEXT-1 falls back')).status).toBe(200);
    harness.emulator.addRule({ match: { contains: 'PROMPT-TEXT-2' }, scenario: 'status=400' });
    expect((await chat(harness, 'PROMPT-TEXT-2 refused')).status).toBe(400);
    expect((await chat(harness, 'PROMPT-TEXT-3', { model: 'no-such-feature' })).status).toBe(400);
    const [fellBack, refused, unknown] = harness.usage.records.slice(-3) as [UsageRecord, UsageRecord, UsageRecord];

    const { status, body } = await adminGet<{ data: ErrorEntry[] }>(harness, '/api/ai/errors');
    expect(status).toBe(200);
    expect(body.data.map(({ at: _at, ...entry }) => entry)).toEqual([
      { requestId: unknown.requestId, kind: 'request', class: 'request', code: 'model_not_found', model: 'no-such-feature', feature: null, endpoint: 'chat' },
      { requestId: refused.requestId, kind: 'request', class: 'request', code: 'invalid_request', model: 'chat', feature: 'chat', endpoint: 'chat' },
      { requestId: refused.requestId, kind: 'attempt', class: 'request', code: 'invalid_request', model: 'openai/gpt-4o-mini', feature: 'chat', endpoint: 'chat' },
      { requestId: fellBack.requestId, kind: 'attempt', class: 'upstream', code: 'upstream_error', model: 'openai/gpt-4o-mini', feature: 'chat', endpoint: 'chat' },
    ]);
    expect(Date.parse(body.data[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    const text = JSON.stringify(body);
    expect(text).not.toContain('PROMPT-TEXT');
    expect(text).not.toContain(harness.upstreamKey);

    const upstreamOnly = await adminGet<{ data: ErrorEntry[] }>(harness, '/api/ai/errors?class=upstream&limit=5');
    expect(upstreamOnly.body.data.map((entry) => entry.requestId)).toEqual([fellBack.requestId]);
    expect((await adminGet(harness, '/api/ai/errors?class=nonsense')).status).toBe(400);
    expect((await adminGet(harness, '/api/ai/errors', CLIENT_KEY)).status).toBe(403);
  });

  it('shares the log through Redis: an error seen by one instance is listed by another', async () => {
    const shared = { limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: PREFIX } };
    const first = await start(shared);
    const second = await start(shared);
    expect((await chat(first, 'x', { model: 'no-such-feature' })).status).toBe(400);
    // The log is written beside the answer, not before it: the other instance lists the entry once it has landed.
    const listed = async () => (await adminGet<{ data: ErrorEntry[] }>(second, '/api/ai/errors')).body.data[0];
    await expect.poll(listed).toMatchObject({ requestId: first.usage.records.at(-1)!.requestId, code: 'model_not_found' });
  });
});

describe('GET /api/ai/admin/connections', () => {
  it('counts the streams in flight of each instance; with Redis, every instance lists the others', async () => {
    const shared = { limits: { redisUrl: TEST_REDIS_URL, redisKeyPrefix: `${PREFIX}connections:` } };
    const first = await start(shared);
    const second = await start(shared);
    // Long enough to stay in flight on a loaded machine while the other instance is asked.
    first.emulator.addRule({ match: { contains: 'slow stream' }, scenario: 'ttft=3000' });
    const streaming = chat(first, 'slow stream', { stream: true });
    for (let tries = 0; tries < 250 && (await adminGet<{ streamsInFlight: number }>(first, '/api/ai/admin/connections')).body.streamsInFlight !== 1; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await first.gateway.operations.connections.report();
    const { status, body } = await adminGet<{ shared: boolean; streamsInFlight: number; instances: Array<{ instanceId: string; self: boolean; streamsInFlight: number }> }>(second, '/api/ai/admin/connections');
    expect(status).toBe(200);
    expect(body.shared).toBe(true);
    expect(body.streamsInFlight).toBe(1);
    const firstId = first.gateway.operations.connections.instanceId;
    expect(body.instances).toContainEqual(expect.objectContaining({ instanceId: firstId, self: false, streamsInFlight: 1 }));
    expect(body.instances[0]).toMatchObject({ instanceId: second.gateway.operations.connections.instanceId, self: true, streamsInFlight: 0 });
    expect((await streaming).status).toBe(200);
    expect((await adminGet<{ streamsInFlight: number }>(first, '/api/ai/admin/connections')).body.streamsInFlight).toBe(0);
  });
});

describe('gateway-wide views', () => {
  it('are for the admins of the default project only: an admin of another project gets a 403, not every project\'s features, spend and traffic', async () => {
    const otherAdmin = 'ik_operations_other_project_admin_0123';
    const harness = await start({ clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }, { key: otherAdmin, projectId: 'tenant-b', role: 'admin' }] });
    expect((await chat(harness, 'the default project\'s traffic')).status).toBe(200);
    for (const path of ['/metrics', '/api/ai/admin/connections']) {
      const refused = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${otherAdmin}` } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain('feature="chat"');
      expect((await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    }
    // The views of one project's own traffic stay open to its admins.
    expect((await adminGet(harness, '/api/ai/errors', otherAdmin)).status).toBe(200);
    expect((await adminGet(harness, '/api/ai/models/performance', otherAdmin)).status).toBe(200);
  });
});

describe('GET /api/ai/models/performance', () => {
  it('summarises latency, time to first token, tokens per second, error rate and cost per request by model from the ledger', async () => {
    const harness = await start({ usage: undefined, ledger: { flushIntervalMs: 5 }, retry: { maxRetries: 0 } });
    harness.emulator.addRule({ match: { contains: 'fails' }, scenario: 'status=400' });
    for (const content of ['a', 'b', 'c']) expect((await chat(harness, content)).status).toBe(200);
    expect((await chat(harness, 'streamed', { stream: true })).status).toBe(200);
    expect((await chat(harness, 'fails')).status).toBe(400);
    type Row = { model: string; provider: string | null; requests: number; errors: number; errorRate: number; latencyP50Ms: number; latencyP95Ms: number; timeToFirstTokenP50Ms: number | null; tokensPerSecond: number; costPerRequestUsd: number; costUsd: number };
    let rows: Row[] = [];
    for (let tries = 0; tries < 100 && rows.reduce((sum, row) => sum + row.requests, 0) < 5; tries += 1) {
      rows = (await adminGet<{ data: Row[] }>(harness, '/api/ai/models/performance?window=1h')).body.data;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const answered = rows.find((row) => row.model === 'openai/gpt-4o-mini' && row.requests === 4)!;
    expect(answered).toMatchObject({ errors: 0, errorRate: 0 });
    expect(answered.latencyP95Ms).toBeGreaterThanOrEqual(answered.latencyP50Ms);
    expect(answered.timeToFirstTokenP50Ms).not.toBeNull();
    expect(answered.tokensPerSecond).toBeGreaterThan(0);
    expect(answered.costPerRequestUsd).toBeCloseTo(answered.costUsd / 4, 12);
    // The failed request never got a served model: it counts under the name it asked for.
    expect(rows.find((row) => row.model === 'chat')).toMatchObject({ requests: 1, errors: 1, errorRate: 1, latencyP50Ms: null });
    expect((await adminGet(harness, '/api/ai/models/performance?window=3y')).status).toBe(400);
    const health = await adminGet<{ models: Array<{ model: string; circuit: string }> }>(harness, '/api/ai/models/health');
    expect(health.body.models).toContainEqual(expect.objectContaining({ model: 'openai/gpt-4o-mini', circuit: 'closed' }));
  });
});

describe('the time range of /api/ai/models/performance and /api/ai/models/health', () => {
  // A range that runs backwards reads nothing: a 200 with no rows would look like a quiet hour.
  it('is refused with a 400 naming from and to when from is not before to', async () => {
    const harness = await start();
    for (const path of ['/api/ai/models/performance', '/api/ai/models/health']) {
      const reversed = await adminGet<{ error: { message: string; type: string; param: string } }>(harness, `${path}?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z`);
      expect(reversed.status, path).toBe(400);
      expect(reversed.body.error).toMatchObject({ type: 'invalid_request_error', param: 'from' });
      expect(reversed.body.error.message).toBe('from (2026-03-01T00:00:00.000Z) is not before to (2026-02-01T00:00:00.000Z): the range runs backwards; swap from and to.');
    }
    const future = await adminGet<{ error: { message: string } }>(harness, '/api/ai/models/performance?from=2999-01-01');
    expect(future.status).toBe(400);
    expect(future.body.error.message).toMatch(/^from \(2999-01-01T00:00:00.000Z\) is not before to \(now, /);
    expect((await adminGet(harness, '/api/ai/models/performance?from=2026-02-01&to=2026-03-01')).status).toBe(200);
  });
});

describe('onRequestEnd', () => {
  it('receives every finished request\'s record, and a hook that throws changes nothing for the client', async () => {
    const ended: UsageRecord[] = [];
    const harness = await start({
      onRequestEnd: (record) => {
        ended.push(record);
        throw new Error('a broken hook');
      },
    });
    expect((await chat(harness, 'hello')).status).toBe(200);
    expect((await chat(harness, 'x', { model: 'no-such-feature' })).status).toBe(400);
    expect(ended.map((record) => [record.status, record.requestId])).toEqual(harness.usage.records.map((record) => [record.status, record.requestId]));
    expect(harness.logs.some((line) => line.includes('the onRequestEnd hook threw'))).toBe(true);
  });
});

describe('operations options', () => {
  it('are checked when the gateway is created, naming the option at fault', () => {
    expect(() => createAiGateway({ database: ':memory:', operations: { circuitBreakers: { failureThreshold: 0 } } })).toThrow(/operations\.circuitBreakers\.failureThreshold/);
    expect(() => createAiGateway({ database: ':memory:', operations: { alerts: { webhookUrl: 'not a url' } } })).toThrow(/operations\.alerts\.webhookUrl/);
    expect(() => createAiGateway({ database: ':memory:', operations: { alerts: { errorRateThreshold: 2 } } })).toThrow(/operations\.alerts\.errorRateThreshold/);
  });
});
