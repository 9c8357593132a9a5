import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { deleteRedisKeys } from '../../test/redis.js';
import { startRedisProxy } from '../../test/redis-proxy.js';
import type { LimitPolicy } from '../limits/types.js';

const USER_TWO_KEY = 'ik_test_client_key_second_user_01';
// Keys of no user (a server's, a script's): each sees the jobs it made.
const SERVICE_KEY = 'ik_test_client_key_service_no_user';
const OTHER_SERVICE_KEY = 'ik_test_client_key_other_service_1';
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    features: [...DEFAULT_FEATURES, { name: 'summarize', model: 'openai/gpt-4o-mini', systemPrompt: 'You summarize news for Acme.', params: { max_tokens: 300 } }],
    clientKeys: [{ key: CLIENT_KEY, userId: 'user-1' }, { key: USER_TWO_KEY, userId: 'user-2' }, { key: SERVICE_KEY, id: 'service' }, { key: OTHER_SERVICE_KEY, id: 'other-service' }],
    jobs: { itemsPerJob: 4, backoffMs: 10, pauseRecheckMs: 200, statusPollMs: 50, pollMs: 50 },
  });
});
afterAll(async () => {
  await harness.close();
});
afterEach(async () => {
  await setPolicy({});
  harness.emulator.clearRules();
});

let version = 0;
async function setPolicy(policy: Partial<LimitPolicy>): Promise<void> {
  const saved = await call('PUT', '/api/ai/limits/policy', { version, policy: { project: {}, features: {}, users: { default: {}, overrides: {} }, ...policy } }, ADMIN_TOKEN);
  expect(saved.status).toBe(200);
  version = (saved.body as { version: number }).version;
}

// Answers are read loosely: each test asserts the fields it needs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

async function call(method: string, path: string, body?: unknown, key = CLIENT_KEY, headers: Record<string, string> = {}, url = harness.url): Promise<{ status: number; body: Loose; text: string; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // CSV and other text stay text.
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

const articles = (count: number, prefix = 'article') =>
  Array.from({ length: count }, (_, index) => ({ id: `${prefix}-${index}`, title: `Story ${index}`, content: `${prefix} ${index}: the city council approved a new park after a long debate about costs and benefits.` }));
const OPTIONS = { summary_length: 'short', summary_style: 'bullet_points', language: 'en', include_key_points: true, include_sentiment: true };

async function waitForJob(id: string, statuses: string[], timeoutMs = 30_000, key = CLIENT_KEY): Promise<Loose> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await call('GET', `/api/ai/jobs/${id}`, undefined, key);
    if (statuses.includes(job.body.status)) return job.body;
    if (Date.now() > until) throw new Error(`job ${id} is ${job.body.status}, not ${statuses.join('/')}: ${JSON.stringify(job.body.progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitFor<T>(read: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('summarize jobs', () => {
  it('completes a job of 50 articles with 50 structured results and 50 ledger rows with the job id, costing what the emulator billed', async () => {
    const billedBefore = harness.emulator.billedTotal();
    const created = await call('POST', '/api/ai/summarize', { articles: articles(50), options: OPTIONS });
    expect(created.status).toBe(202);
    const id = created.body.job.id as string;
    expect(created.headers.get('location')).toMatch(new RegExp(`/api/ai/jobs/${id}$`));
    const job = await waitForJob(id, ['completed']);
    expect(job.progress).toMatchObject({ total: 50, done: 50, failed: 0, pending: 0, running: 0 });
    expect(job.items).toHaveLength(50);
    for (const [index, item] of job.items.entries()) {
      expect(item.result.id).toBe(`article-${index}`);
      expect(typeof item.result.summary).toBe('string');
      expect(item.result.key_points.length).toBeGreaterThan(0);
      expect(['positive', 'neutral', 'negative']).toContain(item.result.sentiment.label);
      expect(item.model).toBe('openai/gpt-4o-mini');
      expect(item.promptTokens).toBeGreaterThan(0);
    }
    const records = harness.usage.records.filter((record) => record.jobId === id);
    expect(records).toHaveLength(50);
    expect(records.every((record) => record.status === 'ok' && record.feature === 'summarize')).toBe(true);
    const billed = harness.emulator.billedTotal();
    expect(billed.generations - billedBefore.generations).toBe(50);
    const ledgerCost = records.reduce((sum, record) => sum + (record.costUsd ?? 0), 0);
    expect(ledgerCost).toBeCloseTo(billed.cost - billedBefore.cost, 12);
    expect(job.costUsd).toBeCloseTo(ledgerCost, 12);
    // Every item's request carried the strict schema the answer was read with.
    const probe = harness.emulator.generations().find((generation) => generation.id === records[0]?.generationId);
    expect((probe?.request as { response_format: { type: string; json_schema: { strict: boolean } } }).response_format).toMatchObject({ type: 'json_schema', json_schema: { strict: true } });
  });

  it('answers a few articles at once, through the feature, without a job', async () => {
    const answered = await call('POST', '/api/ai/summarize', { articles: articles(2, 'inline'), options: { ...OPTIONS, include_sentiment: false } });
    expect(answered.status).toBe(200);
    expect(answered.body.summaries).toHaveLength(2);
    expect(answered.body.summaries[0]).toMatchObject({ id: 'inline-0', model: 'openai/gpt-4o-mini' });
    expect(answered.body.summaries[0].key_points.length).toBeGreaterThan(0);
    expect(answered.body.summaries[0].sentiment).toBeUndefined();
    expect(answered.body.summaries[0].costUsd).toBeGreaterThan(0);
  });

  it('refuses empty articles, over-long content and unknown options with a 400 naming the field', async () => {
    const empty = await call('POST', '/api/ai/summarize', { articles: [{ id: 'a', content: '   ' }] });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ param: 'articles.0.content' });
    expect(empty.body.error.message).toMatch(/empty/);
    const long = await call('POST', '/api/ai/summarize', { articles: [{ id: 'a', content: 'x'.repeat(100_001) }] });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/100,000 characters/);
    const unknown = await call('POST', '/api/ai/summarize', { articles: articles(1), options: { summary_length: 'tiny' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.param).toBe('options.summary_length');
    const extra = await call('POST', '/api/ai/summarize', { articles: articles(1), options: { tone: 'funny' } });
    expect(extra.status).toBe(400);
    const none = await call('POST', '/api/ai/summarize', { articles: [] });
    expect(none.status).toBe(400);
    // The feature is an option of the request, not a field of each article: one article, several answered at once, or
    // a job, the request is refused naming it.
    for (const [count, batch] of [[1, false], [2, false], [2, true]] as const) {
      const missing = await call('POST', '/api/ai/summarize', { articles: articles(count), options: { feature: 'no-such-feature' }, batch });
      expect(missing.status).toBe(400);
      expect(missing.body.error.param).toBe('options.feature');
      expect(missing.body.error.message).toMatch(/^options\.feature: .*no-such-feature/);
    }
  });
});

describe('jobs of requests', () => {
  it('runs chat and embeddings requests, each through its feature, with results as JSON and CSV', async () => {
    const chat = await call('POST', '/api/ai/jobs', { type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'Hello, "world", again' }] }, { model: 'chat', messages: [{ role: 'user', content: 'Second' }] }] });
    expect(chat.status).toBe(202);
    const embeddings = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'one' }, { model: 'embed', input: ['two', 'three'] }] });
    expect(embeddings.status).toBe(202);
    const chatJob = await waitForJob(chat.body.id, ['completed']);
    expect(typeof chatJob.items[0].result.content).toBe('string');
    const probe = harness.emulator.generations().find((generation) => generation.id === chatJob.items[0].generationId);
    // The feature's system prompt went first, as for a chat request.
    expect((probe?.request as { messages: Array<{ content: string }> }).messages[0]?.content).toBe('You are the chat assistant of Acme.');
    const embeddingsJob = await waitForJob(embeddings.body.id, ['completed']);
    expect(embeddingsJob.items[1].result.data).toHaveLength(2);
    // The same embeddings again: the gateway's response cache answers them, as it would an HTTP request.
    const generations = harness.emulator.generations().length;
    const again = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'one' }] });
    const cached = await waitForJob(again.body.id, ['completed']);
    expect(cached.items[0].result.data).toEqual(embeddingsJob.items[0].result.data);
    expect(cached.items[0].costUsd).toBe(0);
    expect(harness.emulator.generations().length).toBe(generations);
    expect(harness.usage.records.find((record) => record.jobId === again.body.id)).toMatchObject({ cacheHit: true, status: 'ok' });
    const csv = await call('GET', `/api/ai/jobs/${chat.body.id}/results?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('index,id,status,summary,key_points,sentiment,sentiment_score,content,model,prompt_tokens,completion_tokens,cost_usd,error_code,error');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^0,,done,/);
  });

  it('refuses a job with an invalid item at creation, naming the item', async () => {
    const refused = await call('POST', '/api/ai/jobs', { type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'ok' }] }, { model: 'chat', messages: [] }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.param).toBe('items.1.messages');
    const unknownFeature = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'no-such-feature', input: 'x' }] });
    expect(unknownFeature.status).toBe(400);
    expect(unknownFeature.body.error.param).toMatch(/^items\.0/);
  });

  it('shows a job to its creator and admins only', async () => {
    const created = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'mine' }] });
    const id = created.body.id as string;
    expect((await call('GET', `/api/ai/jobs/${id}`, undefined, USER_TWO_KEY)).status).toBe(404);
    expect((await call('POST', `/api/ai/jobs/${id}/cancel`, undefined, USER_TWO_KEY)).status).toBe(404);
    expect((await call('GET', `/api/ai/jobs/${id}`, undefined, ADMIN_TOKEN)).status).toBe(200);
    const mine = await call('GET', '/api/ai/jobs');
    expect(mine.body.data.some((job: { id: string }) => job.id === id)).toBe(true);
    const theirs = await call('GET', '/api/ai/jobs', undefined, USER_TWO_KEY);
    expect(theirs.body.data.some((job: { id: string }) => job.id === id)).toBe(false);
    expect((await call('GET', '/api/ai/jobs/not-a-uuid')).status).toBe(404);
    expect((await call('POST', `/api/ai/jobs/${id}/resume`)).status).toBe(403);
    await waitForJob(id, ['completed']);
  });

  it("lists a key's own jobs by the page it asks for, however many newer jobs other keys of no user made", async () => {
    const job = (input: string) => ({ type: 'embeddings', items: [{ model: 'embed', input }] });
    const own = await call('POST', '/api/ai/jobs', job('the service'), SERVICE_KEY);
    expect(own.status).toBe(202);
    const others = [await call('POST', '/api/ai/jobs', job('another service'), OTHER_SERVICE_KEY), await call('POST', '/api/ai/jobs', job('another service again'), OTHER_SERVICE_KEY)];
    const listed = await call('GET', '/api/ai/jobs?limit=1', undefined, SERVICE_KEY);
    expect(listed.body.data.map((entry: { id: string }) => entry.id)).toEqual([own.body.id]);
    const theirs = await call('GET', '/api/ai/jobs?limit=5', undefined, OTHER_SERVICE_KEY);
    expect(theirs.body.data.map((entry: { id: string }) => entry.id).sort()).toEqual(others.map((created) => created.body.id as string).sort());
    for (const created of [own, ...others]) await waitForJob(created.body.id as string, ['completed'], 30_000, ADMIN_TOKEN);
  });
});

describe('creating a job with an Idempotency-Key', () => {
  const chatJob = (content: string) => ({ type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content }] }] });
  const billedFor = (content: string) => harness.emulator.generations().filter((generation) => JSON.stringify(generation.request).includes(content)).length;

  it('answers a request sent again with the job the key created, which runs once', async () => {
    const key = { 'Idempotency-Key': `retry-${randomUUID()}` };
    const first = await call('POST', '/api/ai/jobs', chatJob('idempotent once'), CLIENT_KEY, key);
    expect(first.status).toBe(202);
    const again = await call('POST', '/api/ai/jobs', chatJob('idempotent once'), CLIENT_KEY, key);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    await waitForJob(first.body.id, ['completed']);
    expect(billedFor('idempotent once')).toBe(1);
    // Another caller's key of the same name is its own.
    const theirs = await call('POST', '/api/ai/jobs', chatJob('idempotent once'), USER_TWO_KEY, key);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(first.body.id);
    await waitForJob(theirs.body.id, ['completed'], 30_000, USER_TWO_KEY);
  });

  it('refuses the key sent with another job, and a malformed key, with a 400 naming the header', async () => {
    const key = { 'Idempotency-Key': `other-${randomUUID()}` };
    expect((await call('POST', '/api/ai/jobs', chatJob('first of a key'), CLIENT_KEY, key)).status).toBe(202);
    const other = await call('POST', '/api/ai/jobs', chatJob('another job, same key'), CLIENT_KEY, key);
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 'invalid_request', param: 'Idempotency-Key' });
    const malformed = await call('POST', '/api/ai/jobs', chatJob('bad key'), CLIENT_KEY, { 'Idempotency-Key': 'x'.repeat(256) });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.param).toBe('Idempotency-Key');
    expect(billedFor('another job, same key') + billedFor('bad key')).toBe(0);
  });
});

describe('creating a job while Redis is down', () => {
  it('answers 503 at once and keeps no job to run later; the request sent again once Redis is back runs once', async () => {
    const proxy = await startRedisProxy();
    const prefix = `insforge-test:jobs-outage:${randomUUID()}:`;
    const outage = await startHarness({
      features: [...DEFAULT_FEATURES],
      limits: { redisUrl: proxy.url, redisKeyPrefix: prefix },
      jobs: { itemsPerJob: 2, backoffMs: 10, statusPollMs: 50, retryDelayMs: 50 },
    });
    try {
      const job = { type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'ghost job item' }] }] };
      const key = { 'Idempotency-Key': `outage-${randomUUID()}` };
      const post = () => call('POST', '/api/ai/jobs', job, CLIENT_KEY, key, outage.url);
      await proxy.cut();
      const started = Date.now();
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('service_unavailable');
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(Date.now() - started).toBeLessThan(8_000);
      expect((await call('GET', '/api/ai/jobs', undefined, CLIENT_KEY, {}, outage.url)).body.data).toEqual([]);

      await proxy.restore();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await call('GET', '/api/ai/jobs', undefined, CLIENT_KEY, {}, outage.url)).body.data).toEqual([]);
      expect(outage.emulator.generations()).toHaveLength(0);

      const created = await waitFor(async () => {
        const answer = await post();
        return answer.status === 202 ? answer : undefined;
      });
      const until = Date.now() + 30_000;
      while ((await call('GET', `/api/ai/jobs/${created.body.id}`, undefined, CLIENT_KEY, {}, outage.url)).body.status !== 'completed') {
        if (Date.now() > until) throw new Error('the job did not complete');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await call('GET', '/api/ai/jobs', undefined, CLIENT_KEY, {}, outage.url)).body.data).toHaveLength(1);
      expect(outage.emulator.generations()).toHaveLength(1);
    } finally {
      await outage.close();
      await proxy.close();
      await deleteRedisKeys(prefix);
    }
  }, 60_000);
});

describe('jobs and spend caps', () => {
  it('refuses at creation a job whose worst case exceeds the spend left, with the reason', async () => {
    await setPolicy({ project: { spendPerDayUsd: 0.001 } });
    const refused = await call('POST', '/api/ai/jobs', { type: 'summarize', articles: articles(20), options: OPTIONS });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('quota_exceeded');
    expect(refused.body.error.message).toMatch(/This job of 20 items could use up to \$0\.\d+, more than the \$0\.0010 left of this project's daily spend cap/);
    expect(refused.headers.get('x-quota-limit')).toBe('spendPerDayUsd=0.001');
    const list = await call('GET', '/api/ai/jobs', undefined, ADMIN_TOKEN);
    expect(list.body.data.every((job: { progress: { total: number } }) => job.progress.total !== 20)).toBe(true);
  });

  it('pauses a job when a cap is reached mid-job, with the reason, and goes on once the cap is raised', async () => {
    harness.emulator.addRule({ match: { contains: 'paced' }, scenario: 'ttft=150' });
    const created = await call('POST', '/api/ai/summarize', { articles: articles(12, 'paced'), options: OPTIONS });
    const id = created.body.job.id as string;
    await waitFor(async () => (await call('GET', `/api/ai/jobs/${id}`)).body.progress.done >= 1);
    // The cap drops below what the project spent: the next item's admission is refused.
    await setPolicy({ project: { spendPerDayUsd: 0.000001 } });
    const paused = await waitForJob(id, ['paused']);
    expect(paused.statusReason).toMatch(/daily spending limit of \$0\.0000010 for this project (is reached|has \$0\.0000010 left, and this request may cost up to)/);
    expect(paused.progress.done).toBeLessThan(12);
    expect(paused.progress.failed).toBe(0);
    // Still paused at the next look while the cap holds.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await call('GET', `/api/ai/jobs/${id}`)).body.status).toBe('paused');
    await setPolicy({});
    const done = await waitForJob(id, ['completed']);
    expect(done.progress).toMatchObject({ done: 12, failed: 0 });
  });
});

describe('cancelling a job', () => {
  it('stops new items at once and aborts the ones in flight upstream', async () => {
    harness.emulator.addRule({ match: { contains: 'slow-cancel' }, scenario: 'tps=5;tokens=400' });
    const before = harness.emulator.generations().length;
    const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: Array.from({ length: 10 }, (_, index) => ({ model: 'chat', messages: [{ role: 'user', content: `slow-cancel ${index}` }] })) });
    const id = created.body.id as string;
    const running = await waitFor(() => {
      const generations = harness.emulator.generations({ status: 'running' }).filter((generation) => JSON.stringify(generation.request).includes('slow-cancel'));
      return generations.length === 4 ? generations : undefined;
    });
    const cancelled = await call('POST', `/api/ai/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.progress.pending).toBe(0);
    for (const generation of running) {
      const ended = await harness.emulator.waitForGeneration(generation.id);
      expect(ended.clientClosed).toBe(true);
    }
    const job = await waitFor(async () => {
      const current = (await call('GET', `/api/ai/jobs/${id}`)).body;
      return current.progress.running === 0 ? current : undefined;
    });
    expect(job.progress).toMatchObject({ cancelled: 10, done: 0 });
    // No item started after the cancel.
    expect(harness.emulator.generations().length - before).toBe(4);
    expect((await call('POST', `/api/ai/jobs/${id}/cancel`)).status).toBe(409);
    await waitFor(() => harness.usage.records.filter((record) => record.jobId === id).length === 4);
    expect(harness.usage.records.filter((record) => record.jobId === id).every((record) => record.status === 'cancelled')).toBe(true);
  });
});

describe('revoking the client key that created a job', () => {
  it('cancels its jobs with work left, with the reason, and aborts their items in flight upstream; other keys’ jobs go on', async () => {
    harness.emulator.addRule({ match: { contains: 'slow-revoke' }, scenario: 'tps=5;tokens=400' });
    const made = await call('POST', '/api/ai/keys', { label: 'leaked script key' }, ADMIN_TOKEN);
    expect(made.status).toBe(201);
    const leaked = made.body.key as string;
    const before = harness.emulator.generations().length;
    const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: Array.from({ length: 10 }, (_, index) => ({ model: 'chat', messages: [{ role: 'user', content: `slow-revoke ${index}` }] })) }, leaked);
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const other = await call('POST', '/api/ai/jobs', { type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'quick' }] }] }, SERVICE_KEY);
    const running = await waitFor(() => {
      const generations = harness.emulator.generations({ status: 'running' }).filter((generation) => JSON.stringify(generation.request).includes('slow-revoke'));
      return generations.length === 4 ? generations : undefined;
    });
    const revoked = await call('DELETE', `/api/ai/keys/${made.body.id as string}`, undefined, ADMIN_TOKEN);
    expect(revoked.status).toBe(200);
    expect(revoked.body.cancelledJobs).toBe(1);
    const job = (await call('GET', `/api/ai/jobs/${id}`, undefined, ADMIN_TOKEN)).body;
    expect(job.status).toBe('cancelled');
    expect(job.statusReason).toBe('Cancelled: the client key that created this job was revoked.');
    expect(job.progress.pending).toBe(0);
    for (const generation of running) expect((await harness.emulator.waitForGeneration(generation.id)).clientClosed).toBe(true);
    expect((await call('GET', `/api/ai/jobs/${id}`, undefined, leaked)).status).toBe(401);
    // No item of it started after the revocation.
    expect(harness.emulator.generations().filter((generation) => JSON.stringify(generation.request).includes('slow-revoke')).length).toBe(4);
    expect(harness.emulator.generations().length - before).toBeLessThanOrEqual(5);
    expect((await waitForJob(other.body.id as string, ['completed'], 30_000, SERVICE_KEY)).progress.done).toBe(1);
  });
});
