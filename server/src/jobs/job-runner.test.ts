import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import type { OpenDatabase } from '../store/database.js';
import { BILLED_WITHOUT_ANSWER, MAYBE_BILLED } from './job-runner.js';
import { JobStore } from './job-store.js';

let harness: Harness;
let database: OpenDatabase;
let store: JobStore;

beforeAll(async () => {
  harness = await startHarness({
    features: DEFAULT_FEATURES,
    // The gateway's own ledger, in its database: the rows are read back with their job id.
    usage: undefined,
    ledger: { flushIntervalMs: 10 },
    // Jobs are taken only when one is offered: the test sets up a dead worker's job before any worker looks.
    jobs: { pollMs: 60_000, generationWaitMs: 300, statusPollMs: 50 },
  });
  database = (await harness.gateway.ready).database;
  store = new JobStore(database.db);
});
afterAll(() => harness.close());

const chatItem = (content: string) => ({ model: 'chat', messages: [{ role: 'user', content }] });

async function call(method: string, path: string, body?: unknown, key = CLIENT_KEY) {
  const response = await fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(read: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a worker taking over a dead worker’s job', () => {
  it('records a billed item’s cost and keeps it in the dead-letter list, and runs again what OpenRouter never billed', async () => {
    // What the dead worker sent for item 0 reached OpenRouter, which billed it; its answer died with the worker.
    const direct = await fetch(`${harness.emulator.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.upstreamKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'billed-before-death' }] }),
    });
    const billedId = ((await direct.json()) as { id: string }).id;
    const billed = await harness.emulator.waitForGeneration(billedId);
    const billedCost = billed.billed?.cost ?? 0;
    expect(billedCost).toBeGreaterThan(0);

    const job = await store.create({
      identity: { projectId: 'default', role: 'user', userId: 'user-1', clientKeyId: 'ck' },
      kind: 'chat',
      options: {},
      items: [chatItem('billed-before-death'), chatItem('never-sent'), chatItem('unknown-generation'), chatItem('no-generation-yet'), chatItem('not-started')],
      worstCaseUsd: 1,
    });
    const now = Date.now();
    await database.db.updateTable('batch_jobs').set({ status: 'running', locked_by: 'dead-worker', locked_until: now - 1 }).where('id', '=', job.id).execute();
    const running = (position: number, values: { sent_at: number | null; generation_id: string | null }) =>
      database.db.updateTable('batch_job_items').set({ status: 'running', attempts: 1, ...values }).where('job_id', '=', job.id).where('position', '=', position).execute();
    await running(0, { sent_at: now - 1_000, generation_id: billedId });
    await running(1, { sent_at: null, generation_id: null });
    await running(2, { sent_at: now - 1_000, generation_id: 'gen-that-openrouter-never-made' });
    await running(3, { sent_at: now - 1_000, generation_id: null });
    const generationsBefore = harness.emulator.generations().length;

    // Offering another job wakes this instance's worker, which takes the oldest job first: the dead worker's.
    const nudge = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'wake up' }] });
    expect(nudge.status).toBe(202);
    const settled = await until(async () => {
      const summary = await store.summary(job.id);
      return summary?.job.status === 'completed' ? summary : undefined;
    });
    expect(settled.counts).toMatchObject({ done: 3, failed: 2, running: 0, pending: 0 });
    const items = await store.items(job.id);
    expect(items[0]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: BILLED_WITHOUT_ANSWER, cost_usd: billedCost });
    expect(items[3]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: MAYBE_BILLED });
    expect(items.filter((item) => item.status === 'done').map((item) => item.position)).toEqual([1, 2, 4]);
    // Only the three items run again reached OpenRouter (and the nudge): the billed one was not sent twice.
    const sent = harness.emulator.generations().slice(generationsBefore).map((generation) => JSON.stringify(generation.request));
    expect(sent.filter((request) => request.includes('billed-before-death'))).toHaveLength(0);
    expect(sent.filter((request) => /never-sent|unknown-generation|not-started/.test(request))).toHaveLength(3);

    // The ledger holds the billed generation once, with the job's id, and a row per item run.
    const rows = await until(async () => {
      const found = await database.db.selectFrom('usage_records').selectAll().where('job_id', '=', job.id).execute();
      return found.length >= 4 ? found : undefined;
    });
    expect(rows.filter((row) => row.generation_id === billedId)).toMatchObject([{ cost_usd: billedCost, status: 'cancelled', user_id: 'user-1' }]);
    expect(rows.filter((row) => row.status === 'ok')).toHaveLength(3);

    // An admin retries the item nobody could check: it runs (and may be billed) again, on purpose.
    expect((await call('POST', `/api/ai/jobs/${job.id}/retry`, { items: [3] })).status).toBe(403);
    const retried = await call('POST', `/api/ai/jobs/${job.id}/retry`, { items: [3] }, ADMIN_TOKEN);
    expect(retried.body['retried']).toBe(1);
    await until(async () => (await store.summary(job.id))?.job.status === 'completed' && (await store.items(job.id))[3]?.status === 'done');
    expect((await store.items(job.id))[0]?.status).toBe('failed');
  });
});

describe('the emergency stop and an admin resume', () => {
  it('pauses a job while AI traffic is stopped, with the reason, and an admin resumes it once the stop is lifted', async () => {
    const stop = (stopped: boolean) => call('POST', '/api/ai/emergency-stop', stopped ? { stopped, reason: 'Incident 42' } : { stopped }, ADMIN_TOKEN);
    expect((await stop(true)).status).toBe(200);
    try {
      const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: [chatItem('stopped one'), chatItem('stopped two')] });
      expect(created.status).toBe(202);
      const id = created.body['id'] as string;
      const paused = await until(async () => {
        const summary = await store.summary(id);
        return summary?.job.status === 'paused' ? summary : undefined;
      });
      expect(paused.job.status_reason).toMatch(/paused for this project by an administrator: Incident 42/);
      expect(paused.counts).toMatchObject({ pending: 2, failed: 0 });
      // A user cannot resume; an admin can, and while the stop holds the job pauses again.
      expect((await call('POST', `/api/ai/jobs/${id}/resume`)).status).toBe(403);
      expect((await call('POST', `/api/ai/jobs/${id}/resume`, undefined, ADMIN_TOKEN)).status).toBe(200);
      await until(async () => (await store.get(id))?.status === 'paused' && (await store.get(id))?.updated_at !== paused.job.updated_at);
      await stop(false);
      expect((await call('POST', `/api/ai/jobs/${id}/resume`, undefined, ADMIN_TOKEN)).status).toBe(200);
      const done = await until(async () => {
        const summary = await store.summary(id);
        return summary?.job.status === 'completed' ? summary : undefined;
      });
      expect(done.counts).toMatchObject({ done: 2, failed: 0 });
      expect((await call('POST', `/api/ai/jobs/${id}/resume`, undefined, ADMIN_TOKEN)).status).toBe(409);
    } finally {
      await stop(false);
    }
  });
});

