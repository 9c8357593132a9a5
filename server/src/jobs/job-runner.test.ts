import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import type { OpenDatabase } from '../store/database.js';
import { newRequestId } from '../usage/request-id.js';
import { BILLED_WITHOUT_ANSWER, JobRunner, MAYBE_BILLED } from './job-runner.js';
import { JobStore } from './job-store.js';

let harness: Harness;
let database: OpenDatabase;
let store: JobStore;

beforeAll(async () => {
  harness = await startHarness({
    features: DEFAULT_FEATURES,
    // The gateway's own ledger, in its database: the rows are read back with their job id. Its lookups give up within
    // a second, except for a generation that may show up late (a lost item's): that one is looked for again until found.
    usage: undefined,
    ledger: { flushIntervalMs: 10, reconcile: { attempts: 2, firstDelayMs: 100, maxDelayMs: 400 } },
    // Jobs are taken only when one is offered: the test sets up a dead worker's job before any worker looks.
    jobs: { pollMs: 60_000, generationWaitMs: 1_500, statusPollMs: 50 },
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
  it('records a billed item’s cost and keeps it in the dead-letter list, and runs again what was never sent', async () => {
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
    expect(settled.counts).toMatchObject({ done: 2, failed: 3, running: 0, pending: 0 });
    const items = await store.items(job.id);
    expect(items[0]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: BILLED_WITHOUT_ANSWER, cost_usd: billedCost });
    // OpenRouter named a generation, so it was sent: never run again by itself, even when its record never shows up.
    expect(items[2]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: MAYBE_BILLED, cost_usd: null });
    expect(items[3]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: MAYBE_BILLED });
    expect(items.filter((item) => item.status === 'done').map((item) => item.position)).toEqual([1, 4]);
    // Only the two items never sent reached OpenRouter (and the nudge): no sent one was sent twice.
    const sent = harness.emulator.generations().slice(generationsBefore).map((generation) => JSON.stringify(generation.request));
    expect(sent.filter((request) => /billed-before-death|unknown-generation|no-generation-yet/.test(request))).toHaveLength(0);
    expect(sent.filter((request) => /never-sent|not-started/.test(request))).toHaveLength(2);

    // The ledger holds the billed generation once, with the job's id, a row per item run, and an estimate for the
    // generation whose figures could not be had.
    const rows = await until(async () => {
      const found = await database.db.selectFrom('usage_records').selectAll().where('job_id', '=', job.id).execute();
      return found.length >= 4 ? found : undefined;
    });
    // It counts in its feature's caps and usage, as the item's request would have.
    expect(rows.filter((row) => row.generation_id === billedId)).toMatchObject([{ cost_usd: billedCost, cost_source: 'upstream', status: 'cancelled', user_id: 'user-1', feature: 'chat' }]);
    expect(rows.filter((row) => row.generation_id === 'gen-that-openrouter-never-made')).toMatchObject([{ cost_source: 'estimated', status: 'cancelled', error_code: 'worker_lost', feature: 'chat' }]);
    expect(rows.find((row) => row.generation_id === 'gen-that-openrouter-never-made')?.cost_usd).toBeGreaterThan(0);
    expect(rows.filter((row) => row.status === 'ok')).toHaveLength(2);

    // An admin retries the item nobody could check: it runs (and may be billed) again, on purpose.
    expect((await call('POST', `/api/ai/jobs/${job.id}/retry`, { items: [3] })).status).toBe(403);
    const retried = await call('POST', `/api/ai/jobs/${job.id}/retry`, { items: [3] }, ADMIN_TOKEN);
    expect(retried.body['retried']).toBe(1);
    await until(async () => (await store.summary(job.id))?.job.status === 'completed' && (await store.items(job.id))[3]?.status === 'done');
    expect((await store.items(job.id))[0]?.status).toBe('failed');
  });

  it('records at its worst case an item its dead worker sent before the note of its request was written', async () => {
    const job = await store.create({ identity: { projectId: 'default', role: 'user', userId: 'user-1', clientKeyId: 'ck' }, kind: 'chat', options: {}, items: [chatItem('sent-without-a-note')], worstCaseUsd: 1 });
    await database.db.updateTable('batch_jobs').set({ status: 'running', locked_by: 'dead-worker', locked_until: Date.now() - 1 }).where('id', '=', job.id).execute();
    // Marked sent, then killed before OpenRouter named the generation and before the request's note was written (on
    // Postgres it goes with the next turn of the event loop): nothing else will ever record this request.
    const requestId = newRequestId();
    await database.db.updateTable('batch_job_items').set({ status: 'running', attempts: 1, sent_at: Date.now() - 1_000, request_id: requestId }).where('job_id', '=', job.id).execute();

    const nudge = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'wake up for the untraced' }] });
    expect(nudge.status).toBe(202);
    await until(async () => (await store.get(job.id))?.status === 'completed');
    expect((await store.items(job.id))[0]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: MAYBE_BILLED });
    const record = await until(() => database.db.selectFrom('usage_records').selectAll().where('id', '=', requestId).executeTakeFirst());
    expect(record).toMatchObject({ job_id: job.id, status: 'error', error_code: 'instance_lost', cost_source: 'worst_case', feature: 'chat', user_id: 'user-1' });
    expect(record.cost_usd).toBeGreaterThan(0);
    expect(record.completion_tokens).toBeGreaterThan(0);
    expect((await call('GET', `/api/ai/jobs/${job.id}`)).body['costUsd']).toBeCloseTo(record.cost_usd ?? 0, 12);
  });

  it('never runs again an item whose generation OpenRouter is slow to know, and its ledger adds up to what OpenRouter billed', async () => {
    // OpenRouter's `GET /generation` answers 404 for a while after a generation ends: briefly for one, longer than the
    // worker's wait for the other two.
    const late = harness.emulator.addRule({ match: { contains: 'late-record' }, scenario: 'generation-delay=700' });
    const lagging = harness.emulator.addRule({ match: { contains: 'lagging-record' }, scenario: 'generation-delay=4000' });
    const billedBefore = harness.emulator.billedTotal();
    const contents = ['late-record-0', 'lagging-record-1', 'lagging-record-2', 'fresh-3'];
    // What the dead worker sent for items 0-2 reached OpenRouter, which billed it; the answers died with the worker.
    const generationIds = await Promise.all(contents.slice(0, 3).map(async (content) => {
      const direct = await fetch(`${harness.emulator.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${harness.upstreamKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
      });
      const id = ((await direct.json()) as { id: string }).id;
      await harness.emulator.waitForGeneration(id);
      return id;
    }));
    try {
      const job = await store.create({ identity: { projectId: 'default', role: 'user', userId: 'user-1', clientKeyId: 'ck' }, kind: 'chat', options: {}, items: contents.map(chatItem), worstCaseUsd: 1 });
      const now = Date.now();
      await database.db.updateTable('batch_jobs').set({ status: 'running', locked_by: 'dead-worker', locked_until: now - 1 }).where('id', '=', job.id).execute();
      for (const [position, generationId] of generationIds.entries()) {
        await database.db.updateTable('batch_job_items').set({ status: 'running', attempts: 1, sent_at: now - 1_000, generation_id: generationId }).where('job_id', '=', job.id).where('position', '=', position).execute();
      }

      const nudge = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'wake up again' }] });
      expect(nudge.status).toBe(202);
      const settled = await until(async () => {
        const summary = await store.summary(job.id);
        return summary?.job.status === 'completed' ? summary : undefined;
      });
      expect(settled.counts).toMatchObject({ done: 1, failed: 3, running: 0, pending: 0 });
      const items = await store.items(job.id);
      expect(items[0]).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: BILLED_WITHOUT_ANSWER });
      expect(items[0]?.cost_usd).toBeGreaterThan(0);
      for (const item of items.slice(1, 3)) expect(item).toMatchObject({ status: 'failed', error_code: 'worker_lost', error: MAYBE_BILLED });
      expect(items[3]?.status).toBe('done');

      // No item was billed twice: each item's content reached OpenRouter once.
      for (const content of contents) {
        const billed = harness.emulator.generations().filter((generation) => JSON.stringify(generation.request).includes(content) && (generation.billed?.cost ?? 0) > 0);
        expect(billed, content).toHaveLength(1);
      }
      // Once the ledger has reconciled its estimates, it holds every generation OpenRouter billed since: the
      // dead worker's three, the item run, and the nudge.
      const billedCost = harness.emulator.billedTotal().cost - billedBefore.cost;
      const ledger = async () => {
        const rows = await database.db.selectFrom('usage_records').selectAll().where('job_id', 'in', [job.id, nudge.body['id'] as string]).execute();
        return { rows, cost: rows.reduce((sum, row) => sum + row.cost_usd, 0) };
      };
      const reconciled = await until(async () => {
        const found = await ledger();
        return Math.abs(found.cost - billedCost) < 1e-12 ? found : undefined;
      }, 20_000).catch(async () => ledger());
      expect(reconciled.cost).toBeCloseTo(billedCost, 12);
      expect(reconciled.rows).toHaveLength(5);
      for (const generationId of generationIds) expect(reconciled.rows.filter((row) => row.generation_id === generationId)).toMatchObject([{ status: 'cancelled', error_code: 'worker_lost', job_id: job.id }]);
      expect(reconciled.rows.map((row) => row.cost_source).sort()).toEqual(['reconciled', 'reconciled', 'upstream', 'upstream', 'upstream']);
    } finally {
      late.remove();
      lagging.remove();
    }
  }, 40_000);
});

describe('cancelling a running job', () => {
  it('records its items in flight with their generations, reconciled to what OpenRouter billed, and counts them in its cost', async () => {
    const slow = harness.emulator.addRule({ match: { contains: 'cancelled-mid-way' }, scenario: 'tps=5;tokens=400' });
    try {
      const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: Array.from({ length: 6 }, (_, index) => chatItem(`cancelled-mid-way ${index}`)) });
      expect(created.status).toBe(202);
      const id = created.body['id'] as string;
      // Each item in flight has answered its first words: the job's item rows hold their generations.
      const running = await until(async () => {
        const items = (await store.items(id)).filter((item) => item.status === 'running' && item.generation_id !== null);
        return items.length === 4 ? items : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await call('POST', `/api/ai/jobs/${id}/cancel`)).status).toBe(200);
      const billed = await Promise.all(running.map((item) => harness.emulator.waitForGeneration(item.generation_id as string)));
      const billedCost = billed.reduce((sum, generation) => sum + (generation.billed?.cost ?? 0), 0);
      expect(billedCost).toBeGreaterThan(0);
      const rows = await until(async () => {
        const found = await database.db.selectFrom('usage_records').selectAll().where('job_id', '=', id).execute();
        return found.length === 4 && found.every((row) => row.cost_source === 'reconciled') ? found : undefined;
      });
      expect(rows.map((row) => row.generation_id).sort()).toEqual(running.map((item) => item.generation_id).sort());
      for (const generation of billed) expect(rows.find((row) => row.generation_id === generation.id)).toMatchObject({ status: 'cancelled', cost_usd: generation.billed?.cost });
      const job = await call('GET', `/api/ai/jobs/${id}`);
      expect(job.body['costUsd']).toBeCloseTo(billedCost, 12);
    } finally {
      slow.remove();
    }
  }, 30_000);
});

describe('cancelling a job whose worker died', () => {
  it('leaves no item running: the items the dead worker held are cancelled with the rest', async () => {
    const job = await store.create({ identity: { projectId: 'default', role: 'user', userId: 'user-1', clientKeyId: 'ck' }, kind: 'chat', options: {}, items: [chatItem('held-by-the-dead'), chatItem('sent-by-the-dead'), chatItem('not-started')], worstCaseUsd: 1 });
    const now = Date.now();
    // Its worker was killed with two items in flight, and its lease has not run out yet: no worker settles them.
    await database.db.updateTable('batch_jobs').set({ status: 'running', locked_by: 'dead-worker', locked_until: now + 60_000 }).where('id', '=', job.id).execute();
    await database.db.updateTable('batch_job_items').set({ status: 'running', attempts: 1 }).where('job_id', '=', job.id).where('position', '=', 0).execute();
    await database.db.updateTable('batch_job_items').set({ status: 'running', attempts: 1, sent_at: now - 1_000, request_id: 'req-of-the-dead', generation_id: 'gen-of-the-dead' }).where('job_id', '=', job.id).where('position', '=', 1).execute();

    const cancelled = await call('POST', `/api/ai/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body['progress']).toMatchObject({ running: 0, pending: 0, cancelled: 3 });
    // The item sent keeps its request's id: the record its note in flight becomes counts in the job's cost.
    expect((await store.items(job.id))[1]).toMatchObject({ status: 'cancelled', request_id: 'req-of-the-dead', generation_id: 'gen-of-the-dead' });
  });
});

describe('cancelling a job whose every item has finished', () => {
  it('answers that it is completed, as it is, instead of calling it cancelled', async () => {
    const job = await store.create({ identity: { projectId: 'default', role: 'user', userId: 'user-1', clientKeyId: 'ck' }, kind: 'chat', options: {}, items: [chatItem('answered'), chatItem('failed for good')], worstCaseUsd: 1 });
    // Its worker saved the last item's result and has yet to mark the job completed (or died just then).
    await database.db.updateTable('batch_jobs').set({ status: 'running', locked_by: 'busy-worker', locked_until: Date.now() + 60_000 }).where('id', '=', job.id).execute();
    await database.db.updateTable('batch_job_items').set({ status: 'done', attempts: 1, output: JSON.stringify({ content: 'hi' }) }).where('job_id', '=', job.id).where('position', '=', 0).execute();
    await database.db.updateTable('batch_job_items').set({ status: 'failed', attempts: 1, error_code: 'invalid_request', error: 'No.' }).where('job_id', '=', job.id).where('position', '=', 1).execute();

    const refused = await call('POST', `/api/ai/jobs/${job.id}/cancel`);
    expect(refused.status).toBe(409);
    expect((refused.body['error'] as { message: string }).message).toBe('The job is completed and cannot be cancelled.');
    const shown = await call('GET', `/api/ai/jobs/${job.id}`);
    expect(shown.body).toMatchObject({ status: 'completed', progress: { done: 1, failed: 1, cancelled: 0 } });
    expect(shown.body['finishedAt']).not.toBeNull();
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

describe('an item whose result the database cannot take at once', () => {
  it('keeps the answer it was billed for once the database is back, instead of failing the item', async () => {
    const save = JobStore.prototype.complete;
    let refused = 0;
    // The database drops the first write of the item's result, as a Postgres restarting or failing over does.
    const blip = vi.spyOn(JobStore.prototype, 'complete').mockImplementation(async function (this: JobStore, ...args) {
      if (refused++ === 0) throw new Error('Connection terminated unexpectedly');
      return save.apply(this, args);
    });
    try {
      const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: [chatItem('finished during a database blip')] });
      expect(created.status).toBe(202);
      const id = created.body['id'] as string;
      const done = await until(async () => {
        const summary = await store.summary(id);
        return summary?.job.status === 'completed' ? summary : undefined;
      });
      expect(done.counts).toMatchObject({ done: 1, failed: 0 });
      const [item] = await store.items(id);
      expect(item).toMatchObject({ status: 'done', error_code: null });
      expect(JSON.parse(item?.output ?? 'null')).toMatchObject({ content: expect.any(String) });
      // Answered once, billed once, one record.
      expect(harness.emulator.generations().filter((generation) => generation.id === item?.generation_id)).toHaveLength(1);
      const rows = await until(async () => {
        const found = await database.db.selectFrom('usage_records').selectAll().where('job_id', '=', id).execute();
        return found.length > 0 ? found : undefined;
      });
      expect(rows).toHaveLength(1);
    } finally {
      blip.mockRestore();
    }
  });
});

describe('an item that keeps failing', () => {
  it('is tried maxAttempts times (3), each attempt one ledger record, and says so in its attempts', async () => {
    const unreadable = harness.emulator.addRule({ match: { kind: 'embeddings' }, scenario: { malformed: 'object' } });
    try {
      const created = await call('POST', '/api/ai/jobs', { type: 'embeddings', items: [{ model: 'embed', input: 'unreadable every time' }] });
      expect(created.status).toBe(202);
      const id = created.body['id'] as string;
      await until(async () => (await store.get(id))?.status === 'completed', 20_000);
      const [item] = await store.items(id);
      expect(item).toMatchObject({ status: 'failed', error_code: 'upstream_error', attempts: 3 });
      const rows = await until(async () => {
        const found = await database.db.selectFrom('usage_records').selectAll().where('job_id', '=', id).execute();
        return found.length >= 3 ? found : undefined;
      });
      expect(rows).toHaveLength(3);
    } finally {
      unreadable.remove();
    }
  }, 30_000);
});

describe('an item OpenRouter keeps rate limiting', () => {
  it('is tried maxAttempts times, then kept in the dead-letter list, never retried forever', async () => {
    const limited = harness.emulator.addRule({ match: { contains: 'rate limited every time' }, scenario: { failStatus: 429, retryAfterSeconds: 0 } });
    try {
      const created = await call('POST', '/api/ai/jobs', { type: 'chat', items: [chatItem('rate limited every time')] });
      expect(created.status).toBe(202);
      const id = created.body['id'] as string;
      await until(async () => (await store.get(id))?.status === 'completed', 20_000);
      const [item] = await store.items(id);
      expect(item).toMatchObject({ status: 'failed', error_code: 'rate_limit_exceeded', attempts: 3 });
    } finally {
      limited.remove();
    }
  }, 30_000);
});

describe('a worker whose lease lapsed while an item waited to be tried again', () => {
  it('sends it no more: the worker that took the job over runs it', async () => {
    const failing = harness.emulator.addRule({ match: { contains: 'waited past its lease' }, scenario: { failStatus: 502 } });
    try {
      const job = await store.create({ identity: { projectId: 'default', role: 'user', userId: 'user-1' }, kind: 'chat', options: {}, items: [chatItem('waited past its lease')], worstCaseUsd: 1 });
      const runner = new JobRunner(harness.gateway.context, store, async () => 'pending', { backoffMs: 300 });
      // No renewal has said so yet, but by this process's clock the lease is gone (it was paused while the item waited).
      let held = true;
      const running = runner.run(job.id, { signal: new AbortController().signal, held: () => held });
      const records = () => database.db.selectFrom('usage_records').select('id').where('job_id', '=', job.id).execute();
      await until(async () => (await records()).length === 1);
      held = false;
      await running;
      expect(await records()).toHaveLength(1);
      expect(await store.items(job.id)).toMatchObject([{ status: 'running', attempts: 1 }]);
    } finally {
      failing.remove();
    }
  });
});
