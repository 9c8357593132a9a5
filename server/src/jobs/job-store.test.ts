import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import type { UsageRow } from '../usage/ledger.js';
import { newRequestId } from '../usage/request-id.js';
import { JobStore } from './job-store.js';

describe.each(DIALECTS)('JobStore on %s', (dialect) => {
  let test: TestDatabase | undefined;
  const database = async () => (test ??= await createTestDatabase(dialect)).database;
  afterAll(async () => test?.drop());

  it('finds a job item’s record by its generation through the index kept for job items alone', async () => {
    const { db } = await database();
    const row = (generationId: string, jobId: string | null): UsageRow => ({
      id: newRequestId(), project_id: 'p', endpoint: 'chat', requested_model: 'chat', generation_id: generationId, status: 'ok', streamed: 0,
      prompt_tokens: 1, completion_tokens: 1, reasoning_tokens: 0, cost_usd: 0.001, cost_source: 'upstream', latency_ms: 1, cache_hit: 0, attempts: 1, created_at: Date.now(), job_id: jobId,
    });
    await db.insertInto('usage_records').values([row('gen-of-an-item', 'job-1'), row('gen-of-a-chat', null)]).execute();
    // The query `ledgerHas` runs, as compiled, to ask the database how it would run it.
    const seen: RootOperationNode[] = [];
    const capture: KyselyPlugin = { transformQuery: ({ node }) => (seen.push(node), node), transformResult: async ({ result }) => result };
    const store = new JobStore(db.withPlugin(capture));
    expect(await store.ledgerHas('gen-of-an-item')).toBe(true);
    expect(await store.ledgerHas('gen-of-a-chat')).toBe(false);
    const query = db.getExecutor().compileQuery(seen[0] as RootOperationNode, { queryId: 'ledger-has' });
    const plan = await db.transaction().execute(async (transaction) => {
      // A table this small is read whole by Postgres whatever its indexes; without that option, it shows the index it would use.
      if (dialect === 'postgres') await transaction.executeQuery(CompiledQuery.raw('set local enable_seqscan = off'));
      const explained = await transaction.executeQuery(CompiledQuery.raw(`${dialect === 'postgres' ? 'explain' : 'explain query plan'} ${query.sql}`, [...query.parameters]));
      return JSON.stringify(explained.rows);
    });
    expect(plan).toContain('usage_records_job_generation');
  });

  it('retries only the failed items named, and names past every position (however large) name none, on every database', async () => {
    // Positions are `integer` columns: Postgres refused a larger number in the query, a 500.
    const store = new JobStore((await database()).db);
    const job = await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{ n: 1 }], worstCaseUsd: 0 });
    await store.fail((await store.startNext(job.id))!, { code: 'upstream_error', message: 'failed' });
    expect(await store.retryFailed(job.id, [2 ** 31, Number.MAX_SAFE_INTEGER])).toBe(0);
    expect(await store.retryFailed(job.id, [0, 2 ** 31])).toBe(1);
  });

  it('puts no failed item of a cancelled job back in line (a retry that read the job before it was cancelled)', async () => {
    const store = new JobStore((await database()).db);
    const job = await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{ n: 1 }, { n: 2 }], worstCaseUsd: 0 });
    await store.fail((await store.startNext(job.id))!, { code: 'upstream_error', message: 'failed' });
    await store.transition(job.id, ['queued'], 'paused', 'A cap.');
    expect(await store.cancel(job.id)).toBe('cancelled');
    await store.cancelUnfinished(job.id);
    expect(await store.retryFailed(job.id)).toBe(0);
    expect((await store.items(job.id)).map((item) => item.status)).toEqual(['failed', 'cancelled']);
  });

  it('cancels a job with an item unfinished, and marks completed one whose every item finished, on every database', async () => {
    const store = new JobStore((await database()).db);
    const fields = { identity: { projectId: 'p', role: 'user' as const, userId: 'u' }, kind: 'chat' as const, options: {}, items: [{ n: 1 }], worstCaseUsd: 0 };
    const unfinished = await store.create(fields);
    expect(await store.cancel(unfinished.id)).toBe('cancelled');
    expect(await store.cancel(unfinished.id)).toBe('not-cancellable');
    const finished = await store.create(fields);
    await store.complete((await store.startNext(finished.id))!, { output: 'hi', requestId: undefined, generationId: undefined, model: undefined, promptTokens: 1, completionTokens: 1, costUsd: 0 });
    expect(await store.cancel(finished.id)).toBe('finished');
    expect(await store.get(finished.id)).toMatchObject({ status: 'completed', status_reason: null });
  });

  it('creates a job of a given id once, and withdraws a job only while no worker has taken it', async () => {
    const store = new JobStore((await database()).db);
    const fields = { identity: { projectId: 'p', role: 'user' as const, userId: 'u' }, kind: 'chat' as const, options: {}, items: [{ n: 1 }, { n: 2 }], worstCaseUsd: 0 };
    const id = '6f1c2a4e-0d3b-8a1f-9c2d-3e4f5a6b7c8d';
    expect((await store.createOnce(fields, id))?.id).toBe(id);
    expect(await store.createOnce({ ...fields, items: [{ n: 3 }] }, id)).toBeUndefined();
    expect((await store.items(id)).map((item) => item.input)).toEqual(['{"n":1}', '{"n":2}']);
    expect(await store.withdraw(id)).toBe(true);
    expect(await store.get(id)).toBeUndefined();
    expect(await store.items(id)).toEqual([]);

    const taken = await store.create(fields);
    expect(await store.claimById(taken.id, 'worker-1', 60_000)).toBeDefined();
    expect(await store.withdraw(taken.id)).toBe(false);
    expect((await store.get(taken.id))?.status).toBe('queued');
    expect((await store.waiting(10)).map((job) => job.id)).not.toContain(taken.id);
    await store.release(taken.id, 'worker-1');
    expect((await store.waiting(10)).map((job) => job.id)).toContain(taken.id);
  });

  it('counts the cost of an item retried by an admin once while its new request runs: the ledger holds the earlier run', async () => {
    const { db } = await database();
    const store = new JobStore(db);
    const job = await store.create({ identity: { projectId: 'p', role: 'user', userId: 'u' }, kind: 'chat', options: {}, items: [{ n: 1 }], worstCaseUsd: 1 });
    const first = (await store.startNext(job.id)) as NonNullable<Awaited<ReturnType<JobStore['startNext']>>>;
    const earlier = newRequestId();
    await store.markSent(first, earlier);
    // Its worker died after OpenRouter billed it: the item is a dead letter with that cost, which the ledger holds.
    await store.fail(first, { code: 'worker_lost', message: 'billed, answer lost', costUsd: 0.002, requestId: earlier });
    await db.insertInto('usage_records').values({
      id: earlier, project_id: 'p', endpoint: 'chat', requested_model: 'chat', generation_id: 'gen-earlier', status: 'cancelled', streamed: 1,
      prompt_tokens: 1, completion_tokens: 1, reasoning_tokens: 0, cost_usd: 0.002, cost_source: 'upstream', latency_ms: 0, cache_hit: 0, attempts: 1, created_at: Date.now(), job_id: job.id,
    }).execute();
    expect((await store.summary(job.id))?.costUsd).toBeCloseTo(0.002, 12);

    expect(await store.retryFailed(job.id)).toBe(1);
    const again = (await store.startNext(job.id)) as NonNullable<Awaited<ReturnType<JobStore['startNext']>>>;
    await store.markSent(again, newRequestId());
    // The new request has no cost yet: the earlier run's is counted once, from the ledger.
    expect((await store.summary(job.id))?.costUsd).toBeCloseTo(0.002, 12);
  });
});
