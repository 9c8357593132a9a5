import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { usageRow } from '../../test/usage-rows.js';
import type { UsageLedger } from '../usage/ledger.js';
import type { UsageTotals } from '../usage/usage-query.js';
import { csvField } from './usage.js';

const DAY = 86_400_000;
const now = Date.now();
const today = now - 60_000;
const yesterday = now - DAY;
let harness: Harness;
let chatId: string;

beforeAll(async () => {
  // No `usage` sink: the gateway's own ledger takes the records.
  harness = await startHarness({ usage: undefined, ledger: { flushIntervalMs: 20 } });
  const stores = await harness.gateway.ready;
  chatId = (await stores.features.record('default', 'chat'))!.id;
  await stores.database.db
    .insertInto('usage_records')
    .values([
      usageRow({ project_id: 'default', feature: 'chat', user_id: 'alice', cost_usd: 0.002, prompt_tokens: 100, completion_tokens: 50, latency_ms: 100, created_at: yesterday }),
      usageRow({ project_id: 'default', feature: 'chat', user_id: 'alice', cost_usd: 0.003, prompt_tokens: 200, completion_tokens: 80, latency_ms: 300, created_at: yesterday + 1 }),
      usageRow({ project_id: 'default', feature: 'chat', user_id: 'bob', status: 'error', error_code: 'upstream_timeout', cost_usd: 0, prompt_tokens: 0, completion_tokens: 0, latency_ms: 60_000, created_at: today }),
      usageRow({ project_id: 'default', feature: 'code', served_model: 'anthropic/claude-sonnet-4', requested_model: 'code', user_id: 'bob', cost_usd: 0.01, prompt_tokens: 500, completion_tokens: 400, latency_ms: 200, created_at: today + 1 }),
      usageRow({ project_id: 'default', feature: 'code', served_model: 'anthropic/claude-sonnet-4', requested_model: 'code', user_id: '=HYPERLINK("http://evil"),"x"\nnext', status: 'cancelled', cost_source: 'estimated', cost_usd: 0.0004, created_at: today + 2 }),
      // Older than the summaries' default 30 days, and another project's.
      usageRow({ project_id: 'default', feature: 'chat', cost_usd: 5, created_at: now - 40 * DAY }),
      usageRow({ project_id: 'other', feature: 'chat', cost_usd: 7, created_at: today }),
    ])
    .execute();
});
afterAll(() => harness.close());

type ErrorBody = { error: { code: string; message: string; param: string | null } };
type Entry = { id: string; feature: string | null; userId: string | null; status: string; costUsd: number; costSource: string; createdAt: string };
type Page = { data: Entry[]; next: string | null };
type Summary = { from: string | null; to: string | null; groupBy: string[]; totals: UsageTotals; groups: Array<UsageTotals & Record<string, unknown>> };

async function get<T>(path: string, key: string | null = ADMIN_TOKEN) {
  const response = await fetch(`${harness.url}/api/ai${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as T & ErrorBody) : undefined;
  return { status: response.status, headers: response.headers, text, body: json as T & ErrorBody };
}

describe('the usage API', () => {
  it.each(['/usage', '/usage.csv', '/usage?format=csv', '/usage/summary', '/usage/config/chat'])('GET %s: 401 without an identity, 403 for a user', async (path) => {
    expect((await get(path, null)).status).toBe(401);
    const user = await get(path, CLIENT_KEY);
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe('forbidden');
  });

  it("lists the project's records newest first, a page at a time", async () => {
    const first = await get<Page>('/usage?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((entry) => entry.status)).toEqual(['cancelled', 'ok']);
    expect(first.body.data[1]).toMatchObject({ feature: 'code', userId: 'bob', costUsd: 0.01, costSource: 'upstream', createdAt: new Date(today + 1).toISOString() });
    const second = await get<Page>(`/usage?limit=2&before=${encodeURIComponent(first.body.next!)}`);
    expect(second.body.data.map((entry) => entry.status)).toEqual(['error', 'ok']);
    const third = await get<Page>(`/usage?limit=2&before=${encodeURIComponent(second.body.next!)}`);
    expect(third.body.data.map((entry) => entry.costUsd)).toEqual([0.002, 5]);
    expect(third.body.next).toBeNull();
  });

  it('filters by period, feature, model, user and status', async () => {
    const ids = async (query: string) => (await get<Page>(`/usage?${query}`)).body.data.length;
    expect(await ids(`from=${new Date(today).toISOString()}`)).toBe(3);
    expect(await ids(`to=${new Date(today).toISOString()}`)).toBe(3);
    expect(await ids(`period=week`)).toBe(5);
    expect(await ids('feature=code')).toBe(2);
    expect(await ids('model=anthropic/claude-sonnet-4')).toBe(2);
    expect(await ids('user=alice')).toBe(2);
    expect(await ids('status=error')).toBe(1);
    expect(await ids('feature=chat&user=bob&status=error')).toBe(1);
  });

  it('400 for a bad filter, limit or cursor, naming it', async () => {
    expect((await get('/usage?status=lost')).body.error.param).toBe('status');
    expect((await get('/usage?from=yesterday')).body.error.param).toBe('from');
    expect((await get('/usage?limit=0')).body.error.param).toBe('limit');
    expect((await get('/usage?before=nope')).body.error.param).toBe('before');
    expect((await get('/usage/summary?groupBy=week')).body.error.param).toBe('groupBy');
    expect((await get('/usage/summary?period=year')).status).toBe(400);
    const reversed = await get('/usage/summary?period=2027-01-01..2026-01-01');
    expect([reversed.status, reversed.body.error.param]).toEqual([400, 'period']);
    expect(JSON.stringify(reversed.body)).toContain('runs backwards: its end is before its start');
    for (const path of ['/usage', '/usage/summary']) {
      const backwards = await get(`${path}?from=2026-03-01&to=2026-02-01`);
      expect([backwards.status, backwards.body.error.param], path).toEqual([400, 'from']);
      expect(backwards.body.error.message).toContain('from (2026-03-01T00:00:00.000Z) is not before to (2026-02-02T00:00:00.000Z): the range runs backwards');
    }
  });

  it('summarizes the last 30 days by default: requests, tokens, cost, errors and latency percentiles', async () => {
    const { status, body } = await get<Summary>('/usage/summary');
    expect(status).toBe(200);
    expect(body.totals).toMatchObject({ requests: 5, promptTokens: 810, completionTokens: 550, totalTokens: 1_360, errors: 1, cancelled: 1, estimatedCosts: 1 });
    expect(body.totals.costUsd).toBeCloseTo(0.0154, 12);
    // Successful latencies 100, 200, 300 ms.
    expect(body.totals).toMatchObject({ latencyP50Ms: 200, latencyP95Ms: 300 });
    expect(Date.parse(body.from!)).toBeGreaterThan(now - 31 * DAY);
    expect(body.groups).toEqual([]);
  });

  it('groups a summary by feature, model, user or day', async () => {
    const byFeature = await get<Summary>('/usage/summary?groupBy=feature');
    expect(byFeature.body.groups.map((group) => [group['feature'], group.requests, group.errors, group.promptTokens, group.latencyP50Ms])).toEqual([
      ['code', 2, 0, 510, 200],
      ['chat', 3, 1, 300, 100],
    ]);
    const byUser = await get<Summary>('/usage/summary?groupBy=user&feature=chat');
    expect(byUser.body.groups.map((group) => [group['user'], group.requests, group.costUsd])).toEqual([
      ['alice', 2, 0.005],
      ['bob', 1, 0],
    ]);
    const byDay = await get<Summary>('/usage/summary?groupBy=day,model&period=week');
    expect(byDay.body.groupBy).toEqual(['day', 'model']);
    expect(byDay.body.groups.map((group) => group['day'])).toEqual([...byDay.body.groups.map((group) => group['day'] as string)].sort());
    expect(byDay.body.groups.reduce((sum, group) => sum + group.requests, 0)).toBe(5);
    const all = await get<Summary>(`/usage/summary?from=${new Date(now - 60 * DAY).toISOString().slice(0, 10)}`);
    expect(all.body.totals.requests).toBe(6);
  });

  it("shows one configuration's usage, by id or by name", async () => {
    type ConfigUsage = Summary & Page & { configuration: { id: string; name: string; model: string } };
    const byName = await get<ConfigUsage>('/usage/config/chat');
    expect(byName.status).toBe(200);
    expect(byName.body.configuration).toEqual({ id: chatId, name: 'chat', model: 'openai/gpt-4o-mini' });
    expect(byName.body.totals).toMatchObject({ requests: 3, errors: 1 });
    expect(byName.body.groups.map((group) => group['model'])).toEqual(['openai/gpt-4o-mini']);
    expect(byName.body.data).toHaveLength(3);
    const byId = await get<ConfigUsage>(`/usage/config/${chatId}?limit=1`);
    expect(byId.body.totals.requests).toBe(3);
    expect(byId.body.data).toHaveLength(1);
    expect(byId.body.next).toEqual(expect.any(String));
    const missing = await get('/usage/config/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.param).toBe('configId');
  });

  it('exports CSV with a header row, RFC 4180 quoting and no spreadsheet formulas', async () => {
    for (const path of ['/usage.csv?feature=code', '/usage?format=csv&feature=code']) {
      const { status, headers, text } = await get(path);
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/^text\/csv/);
      expect(headers.get('content-disposition')).toContain('usage.csv');
      const lines = text.split('\r\n');
      expect(lines[0]).toBe(
        'createdAt,id,endpoint,feature,userId,clientKeyId,requestedModel,servedModel,provider,generationId,status,streamed,promptTokens,completionTokens,reasoningTokens,imageCount,imageResolution,costUsd,costSource,latencyMs,timeToFirstTokenMs,errorCode,cacheHit,attempts,reconciledAt',
      );
      // The user id holds a quote, a comma and a line break, and starts with "=".
      expect(text).toContain(`,code,"'=HYPERLINK(""http://evil""),""x""\nnext",,code,anthropic/claude-sonnet-4,`);
      expect(lines.at(-1)).toBe('');
      expect(text.split('\r\n').filter((line) => line.includes(',code,'))).toHaveLength(2);
    }
  });

  it('quotes only what needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
    expect(csvField(true)).toBe('true');
  });
});

describe('the ledger behind the gateway', () => {
  it('records each chat with the cost OpenRouter reported, readable through the API', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Count me' }] }),
    });
    const { id } = (await response.json()) as { id: string };
    await expect.poll(async () => (await get<Page>('/usage?user=user-1')).body.data.length).toBe(1);
    const [entry] = (await get<Page>('/usage?user=user-1')).body.data;
    expect(entry).toMatchObject({ status: 'ok', feature: 'chat', costSource: 'upstream', costUsd: harness.emulator.probe(id)!.billed!.cost, generationId: id });
    const ledger = harness.gateway.context.usage as UsageLedger;
    expect(ledger.stats()).toMatchObject({ buffered: 0, dropped: 0 });
  });
});
