import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';
import { MAX_SPEND_CAP_USD, type LimitPolicy } from './types.js';

// Figures nobody checked: an upstream that answers every chat with the usage and names the test sets, well formed or
// not, and clients that ask for absurd amounts. Limits settle, every request keeps its record, nothing fails.
let usage: Record<string, unknown> = {};
let names: Record<string, unknown> = {};
/** A whole body to answer chats with instead, when set. */
let body: string | undefined;
const chunk = (extra: Record<string, unknown>) => JSON.stringify({ id: 'gen-liar-1', object: 'chat.completion.chunk', created: 1, model: 'openai/gpt-4o-mini', provider: 'OpenAI', ...extra });

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path, body: sent }) => {
    if (method !== 'POST' || path !== '/chat/completions') return undefined;
    if (body !== undefined) return { headers: { 'content-type': 'text/html' }, reads: [body] };
    if ((JSON.parse(sent.toString('utf8')) as { stream?: boolean }).stream) {
      return {
        headers: { 'content-type': 'text/event-stream' },
        reads: [
          `data: ${chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }] })}\n\n`,
          `data: ${chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage })}\n\ndata: [DONE]\n\n`,
        ],
      };
    }
    return { reads: [JSON.stringify({ id: 'gen-liar-1', object: 'chat.completion', created: 1, model: 'openai/gpt-4o-mini', provider: 'OpenAI', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage, ...names })] };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }], upstream: { baseUrl: upstream.baseUrl } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

let version = 0;
const putPolicy = async (project: LimitPolicy['project']) => {
  const response = await fetch(`${harness.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version, policy: { project, features: {}, users: { default: {}, overrides: {} } } }),
  });
  const body = (await response.json()) as { version: number; error?: { code: string; message: string; param: string | null } };
  if (response.status === 200) version = body.version;
  return { status: response.status, body };
};
afterEach(async () => {
  names = {};
  body = undefined;
  expect((await putPolicy({})).status).toBe(200);
});

const chat = (stream: boolean, extra: Record<string, unknown> = {}) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }], ...extra }),
  });
const used = async () => {
  const response = await fetch(`${harness.url}/api/ai/limits`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const { data } = (await response.json()) as { data: Array<{ kind: string; used: number }> };
  return Object.fromEntries(data.map((entry) => [entry.kind, entry.used]));
};
const errorLogs = () => harness.logs.filter((line) => line.startsWith('error '));

describe('an upstream whose usage is not well formed', () => {
  it.each([false, true])('negative and fractional counts: the answer arrives, the record reads them as 0 and rounded, and limits settle to them (stream: %s)', async (stream) => {
    expect((await putPolicy({ tokensPerDay: 1_000_000, spendPerDayUsd: 100 })).status).toBe(200);
    usage = { prompt_tokens: -5, completion_tokens: 1.5, total_tokens: -3.5, cost: 0.00001 };
    const logged = errorLogs().length;
    const before = await used();
    const answer = await chat(stream);
    expect(answer.status).toBe(200);
    if (stream) expect(parseSseBody(await answer.text()).done).toBe(true);
    else await answer.json();
    await expect.poll(() => harness.usage.records.at(-1)?.generationId).toBe('gen-liar-1');
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', promptTokens: 0, completionTokens: 2, costUsd: 0.00001 });
    // What was said (2 tokens), where a failed settlement would keep the estimate held (the day's counts go on from
    // one test to the next).
    await expect.poll(async () => (await used())['tokensPerDay']).toBe((before['tokensPerDay'] ?? 0) + 2);
    expect((await used())['spendPerDayUsd']).toBeCloseTo((before['spendPerDayUsd'] ?? 0) + 0.00001, 9);
    expect(errorLogs().slice(logged)).toEqual([]);
    harness.usage.records.length = 0;
  });

  it.each([-1, null, '0.01'])('a cost of %j reads as none: the record has no cost and nothing fails', async (cost) => {
    usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, cost };
    const logged = errorLogs().length;
    const answer = await chat(false);
    expect(answer.status).toBe(200);
    await answer.json();
    await expect.poll(() => harness.usage.records.at(-1)?.generationId).toBe('gen-liar-1');
    expect(harness.usage.records.at(-1)).toMatchObject({ promptTokens: 5, completionTokens: 2 });
    expect(harness.usage.records.at(-1)?.costUsd).toBeUndefined();
    expect(errorLogs().slice(logged)).toEqual([]);
    harness.usage.records.length = 0;
  });

  it('a cost past what limits count exactly: the spend cap is reached, and the next request is refused', async () => {
    expect((await putPolicy({ spendPerDayUsd: 100 })).status).toBe(200);
    usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, cost: 1e12 };
    const logged = errorLogs().length;
    const first = await chat(false);
    expect(first.status).toBe(200);
    await first.json();
    await expect.poll(async () => (await used())['spendPerDayUsd']).toBeGreaterThan(100);
    const next = await chat(false);
    expect(next.status).toBe(402);
    expect(((await next.json()) as { error: { code: string } }).error.code).toBe('quota_exceeded');
    expect(errorLogs().slice(logged)).toEqual([]);
  });
});

describe('a spend cap larger than limits count exactly', () => {
  it('is refused with a 400 naming it, and requests go on under the policy before', async () => {
    const refused = await putPolicy({ spendPerDayUsd: MAX_SPEND_CAP_USD + 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_parameter', param: 'policy.project.spendPerDayUsd' });
    expect(refused.body.error?.message).toMatch(/at most 9,007,199 USD/);
    expect((await putPolicy({ spendPerMonthUsd: MAX_SPEND_CAP_USD })).status).toBe(200);
    usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, cost: 0.001 };
    const answer = await chat(false);
    expect(answer.status).toBe(200);
    await answer.json();
  });
});

describe('an answer whose names are not strings, or that carries neither cost nor id', () => {
  it('keeps the request\'s record, without the names', async () => {
    usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, cost: 0.001 };
    names = { model: { evil: 1 }, provider: ['x'], id: true };
    const logged = errorLogs().length;
    const answer = await chat(false);
    expect(answer.status).toBe(200);
    await answer.json();
    await expect.poll(() => harness.usage.records.length).toBeGreaterThan(0);
    const record = harness.usage.records.at(-1);
    expect(record).toMatchObject({ status: 'ok', promptTokens: 5, completionTokens: 2, costUsd: 0.001 });
    expect([record?.servedModel, record?.provider, record?.generationId]).toEqual([undefined, undefined, undefined]);
    expect(errorLogs().slice(logged)).toEqual([]);
    harness.usage.records.length = 0;
  });

  it('holds its worst case against the spend cap, where it counted nothing before', async () => {
    // The month's counter: an earlier test here fills the day's.
    expect((await putPolicy({ spendPerMonthUsd: 100 })).status).toBe(200);
    const before = (await used())['spendPerMonthUsd'] ?? 0;
    usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
    names = { id: undefined };
    const answer = await chat(false);
    expect(answer.status).toBe(200);
    await answer.json();
    await expect.poll(() => harness.usage.records.at(-1)?.costBasis).toBe('worst_case');
    expect(harness.usage.records.at(-1)?.costUsd).toBeGreaterThan(0);
    expect((await used())['spendPerMonthUsd']).toBeCloseTo(before + (harness.usage.records.at(-1)?.costUsd ?? 0), 9);
    harness.usage.records.length = 0;
  });
});

describe('a client asking for more than limits count', () => {
  it.each([1e300, 2 ** 53 + 2])('a reasoning budget of %d is refused as over the token cap, not a 500', async (budget) => {
    expect((await putPolicy({ tokensPerDay: 100_000_000 })).status).toBe(200);
    const answer = await chat(false, { reasoning: { max_tokens: budget } });
    expect(answer.status).toBe(402);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('quota_exceeded');
  });
});

describe('an answer that is not JSON', () => {
  it('is a 502 saying the answer could not be read, not that the connection failed, and keeps its record', async () => {
    body = '<html><body>502 Bad Gateway</body></html>';
    const answer = await chat(false);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'upstream_error', message: 'The model provider sent an answer the gateway cannot read.' });
    await expect.poll(() => harness.usage.records.at(-1)?.status).toBe('error');
    harness.usage.records.length = 0;
  });
});
