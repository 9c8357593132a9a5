import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@insforge/openrouter-emulator';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

let harness: Harness;
const chat = (body: unknown, key: string | null = CLIENT_KEY, extraHeaders: Record<string, string> = {}) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...extraHeaders },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const errorOf = async (response: Response) => ((await response.json()) as { error: { message: string; type: string; code: string; param: string | null } }).error;
const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'code', messages: [{ role: 'user', content }], ...extra });

beforeAll(async () => {
  harness = await startHarness({
    maxBodyBytes: 64 * 1024,
    retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10, maxRetryAfterMs: 2_000 },
    upstream: { timeouts: { firstByteMs: 300 } },
    features: [
      { name: 'code', model: 'anthropic/claude-sonnet-4', systemPrompt: 'You write TypeScript.', clientOverrides: { temperature: { min: 0, max: 1 }, top_p: false } },
      { name: 'ops', model: 'openai/gpt-4o-mini', roles: ['admin'] },
    ],
  });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

describe('the error table: every failure is an OpenAI error body with its real status', () => {
  it('400 for a body that is not JSON, and for missing messages, naming the parameter', async () => {
    const broken = await chat('{"model":');
    expect(broken.status).toBe(400);
    expect((await errorOf(broken)).type).toBe('invalid_request_error');
    const missing = await chat({ model: 'code', messages: [] });
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ code: 'invalid_parameter', param: 'messages' });
  });

  it('404 saying responses are not stored for a client that fetches one, which a stateless gateway never keeps', async () => {
    const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const generated = harness.emulator.generations({ kind: 'chat' }).length;
    const refused = await client.responses.retrieve('resp_123').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect((refused as InstanceType<typeof OpenAI.NotFoundError>).message).toMatch(/not stored.*POST \/v1\/responses/);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(generated);
  });

  it('400 naming the parameter for a value out of the feature\'s bounds, or one it does not allow', async () => {
    const hot = await chat(ask('x', { temperature: 1.5 }));
    expect(hot.status).toBe(400);
    const error = await errorOf(hot);
    expect(error).toMatchObject({ code: 'invalid_parameter', param: 'temperature' });
    expect(error.message).toContain('between 0 and 1');
    const topP = await chat(ask('x', { top_p: 0.5 }));
    expect(await errorOf(topP)).toMatchObject({ code: 'parameter_not_allowed', param: 'top_p' });
  });

  it('400 model_not_found for an unknown feature, listing the available ones', async () => {
    const response = await chat(ask('x', { model: 'poetry' }));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect((await chat(ask('x', { model: 'openai/gpt-4o' }))).status).toBe(400);
  });

  it('401 without an identity or with an unknown key', async () => {
    expect((await chat(ask('x'), null)).status).toBe(401);
    const wrong = await chat(ask('x'), 'ik_nope');
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).type).toBe('authentication_error');
  });

  it('403 for a feature the caller\'s role may not use, and for input the provider\'s moderation flags', async () => {
    expect((await chat(ask('x', { model: 'ops' }))).status).toBe(403);
    expect((await chat(ask('x', { model: 'ops' }), ADMIN_TOKEN)).status).toBe(200);
    harness.emulator.addRule({ match: { contains: 'flag me' }, scenario: 'moderation' });
    const flagged = await chat(ask('flag me'));
    expect(flagged.status).toBe(403);
    expect((await errorOf(flagged)).code).toBe('content_policy_violation');
  });

  it('413 for a body over the limit', async () => {
    const response = await chat(ask('x'.repeat(80 * 1024)));
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('request_too_large');
  });

  it('429 with Retry-After when the provider keeps rate limiting', async () => {
    harness.emulator.addRule({ match: { contains: 'busy' }, scenario: 'status=429;retry-after=30' });
    const response = await chat(ask('busy'));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
    expect((await errorOf(response)).code).toBe('rate_limit_exceeded');
  });

  it('502 upstream_auth when OpenRouter rejects the gateway\'s key, which no message or log shows', async () => {
    const wrongKey = generateKey();
    const other = await startHarness({ upstream: { apiKey: wrongKey } });
    try {
      const client = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
      const error = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_auth');
      expect([...other.bodies, ...other.logs].some((text) => text.includes(wrongKey))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('502 for provider errors that retries did not cure', async () => {
    harness.emulator.addRule({ match: { contains: 'broken' }, scenario: 'status=500' });
    const response = await chat(ask('broken'));
    expect(response.status).toBe(502);
    expect((await errorOf(response)).code).toBe('upstream_error');
  });

  it('504 when OpenRouter does not answer before the first-byte timeout', async () => {
    harness.emulator.addRule({ match: { contains: 'silent' }, scenario: 'stall=1500' });
    const response = await chat(ask('silent'));
    expect(response.status).toBe(504);
    expect((await errorOf(response)).code).toBe('upstream_timeout');
  });

  it('tells the openai SDK not to send again a request that fails for good, and lets it retry one that may pass', async () => {
    // The SDK retries 409 and 5xx twice by default unless `x-should-retry: false` says otherwise: three requests (and
    // the gateway's own upstream retries under each) for an answer that cannot change until someone acts.
    const client = new OpenAI({ apiKey: CLIENT_KEY, baseURL: `${harness.url}/v1`, maxRetries: 2 });
    const attempts = async (content: string) => {
      const before = harness.usage.records.length;
      const error = await client.chat.completions.create({ model: 'code', messages: [{ role: 'user', content }] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      await expect.poll(() => harness.usage.records.length).toBeGreaterThan(before);
      return { error: error as InstanceType<typeof OpenAI.APIError>, requests: harness.usage.records.length - before };
    };
    harness.emulator.addRule({ match: { contains: 'no endpoint' }, scenario: 'status=404' });
    const gone = await attempts('no endpoint');
    expect(gone.error).toMatchObject({ status: 502, code: 'upstream_model_unavailable' });
    expect(gone.error.headers?.get('x-should-retry')).toBe('false');
    expect(gone.requests).toBe(1);

    const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { version: number };
    const stop = (stopped: boolean, at: number) => fetch(`${harness.url}/api/ai/emergency-stop`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ stopped, version: at }) });
    const stopped = (await (await stop(true, version)).json()) as { version: number };
    try {
      const paused = await attempts('while paused');
      expect(paused.error).toMatchObject({ status: 503 });
      expect(paused.error.headers?.get('x-should-retry')).toBe('false');
      expect(paused.requests).toBe(1);
    } finally {
      expect((await stop(false, stopped.version)).status).toBe(200);
    }

    // Two upstream failures: the gateway's one retry does not cure them, the SDK's request after its 502 is answered.
    harness.emulator.addRule({ match: { contains: 'flaky' }, scenario: 'status=500', times: 2 });
    const before = harness.usage.records.length;
    const flaky = await client.chat.completions.create({ model: 'code', messages: [{ role: 'user', content: 'flaky' }] });
    expect(flaky.choices[0]?.message.content).toContain('flaky');
    await expect.poll(() => harness.usage.records.slice(before).map((record) => record.status)).toEqual(['error', 'ok']);
  });

  it('records rejected and failed requests in the usage log too', async () => {
    await chat(ask('x', { temperature: 9 }));
    const rejected = harness.usage.records.filter((record) => record.status === 'rejected');
    expect(rejected.at(-1)).toMatchObject({ requestedModel: 'code', errorCode: 'invalid_parameter' });
    expect(harness.usage.records.some((record) => record.status === 'error' && record.errorCode === 'upstream_timeout')).toBe(true);
  });

  it('never shows the upstream key in any response body or log line of this suite', () => {
    expect(harness.bodies.length).toBeGreaterThan(10);
    const leaks = [...harness.bodies, ...harness.logs].filter((text) => text.includes(harness.upstreamKey));
    expect(leaks).toEqual([]);
  });
});
