import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { usageRow } from '../../test/usage-rows.js';
import { newGatewayInstance, type GatewayInstance } from '../gateway-instance.js';
import { UsageLedger } from './ledger.js';
import { INSTANCE_LOST } from './open-requests.js';
import type { GenerationLookup } from './reconciler.js';
import { UsageQuery } from './usage-query.js';
import type { OpenRequest, UsageRecord } from './usage-record.js';

/** What OpenRouter billed for the one generation it knows; every other one it does not show (yet). */
const BILLED = { costUsd: 0.000042, promptTokens: 12, completionTokens: 60, reasoningTokens: 0 };
/** Generations OpenRouter shows late: billed once a test releases them. */
const released = new Set<string>();
const lookup: GenerationLookup = async (job) => (job.generationId === 'gen-billed' || released.has(job.generationId) ? BILLED : 'pending');

const openRequest = (overrides: Partial<OpenRequest> = {}): OpenRequest => ({
  requestId: randomUUID(),
  endpoint: 'chat',
  projectId: 'p1',
  userId: 'u1',
  clientKeyId: undefined,
  feature: 'chat',
  requestedModel: 'chat',
  streamed: true,
  jobId: undefined,
  worstCaseUsd: 0.0009,
  worstCaseTokens: { prompt: 200, completion: 1_000 },
  startedAt: Date.now(),
  ...overrides,
});
const recordOf = (request: OpenRequest, overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId: request.requestId,
  endpoint: 'chat',
  projectId: request.projectId,
  feature: 'chat',
  requestedModel: 'chat',
  status: 'ok',
  streamed: true,
  promptTokens: 10,
  completionTokens: 20,
  reasoningTokens: 0,
  costUsd: 0.00002,
  latencyMs: 40,
  attempts: 1,
  startedAt: new Date(request.startedAt),
  ...overrides,
});

/** An instance on another machine: only its heartbeat tells whether it is alive. */
const elsewhere = (): GatewayInstance => ({ id: `elsewhere-${randomUUID()}`, host: 'another-machine', pid: 4242 });

describe.each(DIALECTS)('requests in flight on %s', (dialect) => {
  let test: TestDatabase;
  const ledgers: UsageLedger[] = [];
  /** A ledger of a new instance; `atOnce: false` leaves it without SQLite's statements run at once (Kysely's way only). */
  const newLedger = (leaseMs = 300, atOnce = true) => {
    const statements = atOnce ? test.database.statements : undefined;
    const ledger = new UsageLedger(test.database.db, {
      flushIntervalMs: 10,
      openRequests: { instance: newGatewayInstance(), leaseMs, statements: Promise.resolve(statements) },
      reconcile: { lookup, attempts: 2, firstDelayMs: 20, maxDelayMs: 50 },
    });
    ledgers.push(ledger);
    return ledger;
  };
  const db = () => test.database.db;
  const records = () => db().selectFrom('usage_records').selectAll().orderBy('created_at').execute();
  const notes = () => db().selectFrom('open_requests').selectAll().execute();
  /** What an instance leaves in the database: its heartbeat, and its requests in flight. */
  const leftBy = async (instance: GatewayInstance, seenUntil: number, requests: Array<OpenRequest & { generationId?: string }>) => {
    await db().insertInto('gateway_instances').values({ id: instance.id, host: instance.host, pid: instance.pid, started_at: Date.now() - 60_000, seen_until: seenUntil }).execute();
    for (const request of requests) {
      await db()
        .insertInto('open_requests')
        .values({
          id: request.requestId, instance_id: instance.id, project_id: request.projectId, endpoint: request.endpoint, feature: request.feature ?? null, user_id: request.userId ?? null,
          client_key_id: null, requested_model: request.requestedModel, streamed: request.streamed ? 1 : 0, job_id: null, worst_case_usd: request.worstCaseUsd,
          worst_case_prompt_tokens: request.worstCaseTokens.prompt, worst_case_completion_tokens: request.worstCaseTokens.completion,
          generation_id: request.generationId ?? null, started_at: request.startedAt,
        })
        .execute();
    }
  };

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await Promise.all(ledgers.splice(0).map((ledger) => ledger.close()));
    for (const table of ['usage_records', 'open_requests', 'gateway_instances'] as const) await db().deleteFrom(table).execute();
  });
  afterAll(() => test.drop());

  it('keeps a request noted from before it is sent until the write that stores its record removes the note', async () => {
    const ledger = newLedger();
    await ledger.start();
    const request = openRequest();
    // SQLite, a request alone in its turn: committed before `opened` returns, so before the request leaves; Postgres:
    // written alongside the upstream call, which does not wait for it.
    expect(ledger.inFlight?.opened(request)).toBeUndefined();
    if (dialect === 'sqlite') expect(await notes()).toHaveLength(1);
    await expect.poll(notes).toMatchObject([{ id: request.requestId, feature: 'chat', worst_case_usd: 0.0009, worst_case_prompt_tokens: 200, worst_case_completion_tokens: 1_000, generation_id: null }]);
    await ledger.inFlight?.named(request.requestId, 'gen-streaming', 'now');
    expect(await notes()).toMatchObject([{ generation_id: 'gen-streaming' }]);
    ledger.record(recordOf(request));
    await ledger.flush();
    expect(await notes()).toEqual([]);
    expect(await records()).toMatchObject([{ id: request.requestId, status: 'ok', cost_source: 'upstream' }]);
  });

  it('writes the notes of every request that starts in one turn, however many, before any of them leaves', async () => {
    const ledger = newLedger();
    await ledger.start();
    // On SQLite the first is committed at once, the rest in the next turn, together: more than one statement takes
    // (64) go through Kysely's way.
    const requests = Array.from({ length: 70 }, () => openRequest());
    const waits = requests.map((request) => ledger.inFlight?.opened(request));
    if (dialect === 'sqlite') {
      expect(waits[0]).toBeUndefined();
      expect(waits.slice(1).every((wait) => wait instanceof Promise)).toBe(true);
      await Promise.all(waits);
      expect(await notes()).toHaveLength(70);
      // Once a turn's write holds one note alone, the next request alone in its turn is committed at once again.
      await ledger.inFlight?.opened(openRequest());
      await new Promise((resolve) => setImmediate(resolve));
      expect(ledger.inFlight?.opened(openRequest())).toBeUndefined();
      expect(await notes()).toHaveLength(72);
    }
    await Promise.all(waits);
    await expect.poll(async () => (await notes()).length).toBeGreaterThanOrEqual(70);
    for (const request of requests) expect((await notes()).some((note) => note.id === request.requestId)).toBe(true);
  });

  it('writes a generation named `soon` within a second, and none for a request whose record came first', async () => {
    const ledger = newLedger();
    await ledger.start();
    const [lasting, short] = [openRequest(), openRequest()];
    for (const request of [lasting, short]) ledger.inFlight?.opened(request);
    await expect.poll(notes).toHaveLength(2);
    const lastingNamed = ledger.inFlight?.named(lasting.requestId, 'gen-lasting', 'soon');
    void ledger.inFlight?.named(short.requestId, 'gen-short', 'soon');
    ledger.record(recordOf(short, { generationId: 'gen-short' }));
    await ledger.flush();
    expect(await notes()).toMatchObject([{ id: lasting.requestId, generation_id: null }]);
    const named = performance.now();
    await lastingNamed;
    expect(performance.now() - named).toBeLessThan(1_500);
    expect(await notes()).toMatchObject([{ id: lasting.requestId, generation_id: 'gen-lasting' }]);
  });

  it('stands a request that reserved again at its whole worst case for good: no generation of it is noted after', async () => {
    const ledger = newLedger();
    await ledger.start();
    const retried = openRequest();
    // Reserved again before its note was written (Postgres writes it in the next turn) and after (SQLite at once).
    const early = openRequest();
    for (const request of [retried, early]) ledger.inFlight?.opened(request);
    const whole = { worstCaseUsd: 0.0018, worstCaseTokens: { prompt: 400, completion: 2_000 } };
    await ledger.inFlight?.reserved(early.requestId, whole);
    await expect.poll(notes).toHaveLength(2);
    await ledger.inFlight?.named(retried.requestId, 'gen-failed', 'now');
    // A name still waiting to be written when the request reserves again is not written after it.
    void ledger.inFlight?.named(retried.requestId, 'gen-next', 'soon');
    await ledger.inFlight?.reserved(retried.requestId, whole);
    await ledger.inFlight?.named(retried.requestId, 'gen-billed', 'now');
    await ledger.inFlight?.named(early.requestId, 'gen-billed', 'now');
    // Past the second a name `soon` waits.
    await sleep(1_200);
    const wholeColumns = { worst_case_usd: 0.0018, worst_case_prompt_tokens: 400, worst_case_completion_tokens: 2_000, generation_id: null };
    const rows = await notes();
    expect(rows).toHaveLength(2);
    for (const request of [retried, early]) expect(rows.find((row) => row.id === request.requestId)).toMatchObject(wholeColumns);
  });

  it('records what a stopped instance left after a request reserved again at the worst case of every attempt, never reconciled to one generation', async () => {
    const ledger = newLedger(60_000);
    await ledger.start();
    const retried = openRequest();
    ledger.inFlight?.opened(retried);
    await expect.poll(notes).toHaveLength(1);
    // Its first attempt's generation is billed and shown: reconciled to it, the record would leave the next one out.
    await ledger.inFlight?.named(retried.requestId, 'gen-billed', 'now');
    await ledger.inFlight?.reserved(retried.requestId, { worstCaseUsd: 0.0018, worstCaseTokens: { prompt: 400, completion: 2_000 } });
    // The instance stops without writing its record; the next one turns its note into one.
    await ledger.close();
    const next = newLedger(60_000);
    await next.start();
    // Long enough for a lookup of the generation, were one scheduled.
    await sleep(300);
    expect(await records()).toMatchObject([{ id: retried.requestId, error_code: INSTANCE_LOST, cost_source: 'worst_case', cost_usd: 0.0018, prompt_tokens: 400, completion_tokens: 2_000, generation_id: null }]);
  });

  it.runIf(dialect === 'sqlite')('has a request wait for its note when SQLite cannot write it at once', async () => {
    const ledger = newLedger(300, false);
    await ledger.start();
    const request = openRequest();
    const noted = ledger.inFlight?.opened(request);
    expect(noted).toBeInstanceOf(Promise);
    await noted;
    expect(await notes()).toMatchObject([{ id: request.requestId }]);
  });

  it('records what an instance that stopped beating left in flight: at its worst case, or reconciled through the generation OpenRouter named', async () => {
    const gone = elsewhere();
    const named = { ...openRequest({ worstCaseUsd: 0.0007 }), generationId: 'gen-billed' };
    const unnamed = openRequest({ streamed: false, worstCaseUsd: 0.0005, userId: 'u2' });
    await leftBy(gone, Date.now() - 1, [named, unnamed]);
    const ledger = newLedger();
    await ledger.start();
    expect(await notes()).toEqual([]);
    expect(await db().selectFrom('gateway_instances').select('id').where('id', '=', gone.id).execute()).toEqual([]);
    await expect.poll(async () => (await records()).find((row) => row.id === named.requestId)?.cost_source).toBe('reconciled');
    const rows = await records();
    expect(rows.find((row) => row.id === named.requestId)).toMatchObject({ status: 'error', error_code: INSTANCE_LOST, generation_id: 'gen-billed', cost_usd: BILLED.costUsd, feature: 'chat', streamed: 1 });
    expect(rows.find((row) => row.id === unnamed.requestId)).toMatchObject({ status: 'error', error_code: INSTANCE_LOST, cost_source: 'worst_case', cost_usd: 0.0005, user_id: 'u2', streamed: 0 });
  });

  it('records what an instance that stopped left in flight at the tokens its caps reserved, which a token cap seeded from the ledger counts, until reconciled', async () => {
    const gone = elsewhere();
    const unnamed = openRequest({ streamed: false, worstCaseTokens: { prompt: 50, completion: 500 } });
    const waiting = { ...openRequest({ worstCaseTokens: { prompt: 300, completion: 4_000 } }), generationId: 'gen-not-shown-yet' };
    const billed = { ...openRequest({ worstCaseTokens: { prompt: 300, completion: 4_000 } }), generationId: 'gen-billed' };
    // A note whose worst case passes what a row holds (a reasoning budget of billions) stands at the most it holds.
    const vast = openRequest({ worstCaseTokens: { prompt: 300, completion: 9_000_000_000 } });
    await leftBy(gone, Date.now() - 1, [unnamed, waiting, billed, vast]);
    const ledger = newLedger();
    await ledger.start();
    const rowOf = async (request: OpenRequest) => (await records()).find((row) => row.id === request.requestId);
    expect(await rowOf(unnamed)).toMatchObject({ error_code: INSTANCE_LOST, cost_source: 'worst_case', prompt_tokens: 50, completion_tokens: 500 });
    expect(await rowOf(waiting)).toMatchObject({ error_code: INSTANCE_LOST, cost_source: 'estimated', prompt_tokens: 300, completion_tokens: 4_000 });
    expect(await rowOf(vast)).toMatchObject({ prompt_tokens: 0, completion_tokens: 2_147_483_647 });
    // Reconciled: OpenRouter's figures replace the worst case.
    await expect.poll(async () => (await rowOf(billed))?.cost_source).toBe('reconciled');
    expect(await rowOf(billed)).toMatchObject({ prompt_tokens: BILLED.promptTokens, completion_tokens: BILLED.completionTokens });
    // What a token cap's seed reads: every request left in flight, at its worst case until reconciled.
    const spent = await new UsageQuery(db()).spentSince({ projectId: 'p1' }, Date.now() - 60_000);
    expect(spent.tokens).toBe(550 + 4_300 + BILLED.promptTokens + BILLED.completionTokens + 2_147_483_647);
  });

  it('tells after each round how many instances beat on the database, this one among them', async () => {
    const counts: number[] = [];
    await leftBy(elsewhere(), Date.now() + 60_000, []);
    const ledger = new UsageLedger(db(), { openRequests: { instance: newGatewayInstance(), leaseMs: 60_000, onInstancesAlive: (count) => counts.push(count) } });
    ledgers.push(ledger);
    await ledger.start();
    expect(counts).toEqual([2]);
  });

  it('leaves the requests of an instance alone while it beats, and records them once its lease lapses', async () => {
    const quiet = elsewhere();
    const request = openRequest();
    await leftBy(quiet, Date.now() + 700, [request]);
    const ledger = newLedger();
    await ledger.start();
    await sleep(300);
    expect(await records()).toEqual([]);
    expect(await notes()).toHaveLength(1);
    // Its heartbeat stopped: a lease later, the next look records its request.
    await expect.poll(records, { timeout: 3_000 }).toMatchObject([{ id: request.requestId, cost_source: 'worst_case', error_code: INSTANCE_LOST }]);
    expect(await notes()).toEqual([]);
  });

  it("lets a request's own record replace the one written for it while its instance was taken for gone", async () => {
    // A long lease: its renewal (a third of it) must not come between the lease taken away below and the other's start.
    const ledger = newLedger(60_000);
    await ledger.start();
    const request = openRequest();
    await ledger.inFlight?.opened(request);
    await expect.poll(notes).toHaveLength(1);
    // Another instance took this one for gone (it was cut off past its lease) and recorded the request at its worst case.
    await db().updateTable('gateway_instances').set({ seen_until: 0 }).execute();
    const other = newLedger();
    await other.start();
    expect(await records()).toMatchObject([{ id: request.requestId, error_code: INSTANCE_LOST, cost_source: 'worst_case', cost_usd: 0.0009 }]);
    ledger.record(recordOf(request, { costUsd: 0.00003 }));
    await ledger.flush();
    expect(await records()).toMatchObject([{ id: request.requestId, error_code: null, status: 'ok', cost_source: 'upstream', cost_usd: 0.00003 }]);
  });

  it.runIf(dialect === 'postgres')('does not wait on a note another instance holds in an open transaction (paused mid-write): its start goes on, and a later round records it', async () => {
    const gone = newLedger(60_000);
    await gone.start();
    const request = openRequest();
    await gone.inFlight?.opened(request);
    await expect.poll(notes).toHaveLength(1);
    await db().updateTable('gateway_instances').set({ seen_until: 0 }).execute();
    const paused = new pg.Client({ connectionString: test.url });
    await paused.connect();
    try {
      await paused.query('begin');
      await paused.query('select * from open_requests for update');
      const started = performance.now();
      const other = newLedger();
      await other.start();
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(await records()).toEqual([]);
      await paused.query('rollback');
      await expect.poll(async () => (await records()).map((row) => row.error_code), { timeout: 5_000 }).toEqual([INSTANCE_LOST]);
    } finally {
      await paused.end();
    }
  }, 15_000);

  it('keeps the sum a request\'s own record came back with when the generation its stand-in named shows up later', async () => {
    const ledger = newLedger(60_000);
    await ledger.start();
    const request = openRequest();
    await ledger.inFlight?.opened(request);
    await ledger.inFlight?.named(request.requestId, 'gen-late', 'now');
    await expect.poll(async () => (await notes())[0]?.generation_id, { timeout: 5_000 }).toBe('gen-late');
    await db().updateTable('gateway_instances').set({ seen_until: 0 }).execute();
    // Another instance takes this one for gone: its stand-in names the last generation, to be reconciled once shown.
    const other = newLedger();
    await other.start();
    expect(await records()).toMatchObject([{ id: request.requestId, error_code: INSTANCE_LOST, generation_id: 'gen-late' }]);
    // The instance was only paused: its own record comes, with the attempt that failed before the answer.
    ledger.record(recordOf(request, { generationId: 'gen-late', failedGenerations: ['gen-billed'], costUsd: 0.00003 }));
    // Closed before it adds up its generations: the row keeps the sum of its estimates.
    await ledger.close();
    const own = (await records())[0];
    expect(own).toMatchObject({ error_code: null, failed_generations: JSON.stringify(['gen-billed']) });
    // OpenRouter shows the last generation: the stand-in's lookup must not put one generation's cost over the sum.
    released.add('gen-late');
    await sleep(500);
    expect(await records()).toMatchObject([{ cost_usd: own?.cost_usd, cost_source: own?.cost_source, failed_generations: JSON.stringify(['gen-billed']) }]);
  });

  it('reconciles what a gone instance left estimated as soon as it is found gone, not at the next start', async () => {
    const survivor = newLedger();
    await survivor.start();
    // Another instance wrote a record still waiting for OpenRouter's figures, then was killed (its lease lapsed).
    const gone = elsewhere();
    await db().insertInto('gateway_instances').values({ id: gone.id, host: gone.host, pid: gone.pid, started_at: 0, seen_until: 0 }).execute();
    await db().insertInto('usage_records').values(usageRow({ id: 'left-by-gone', generation_id: 'gen-billed', cost_source: 'estimated', cost_usd: 0.001, created_at: Date.now() })).execute();
    await expect.poll(async () => (await records()).find((row) => row.id === 'left-by-gone')?.cost_source, { timeout: 5_000 }).toBe('reconciled');
  });

  it('takes a sibling that beats under this host name and process id (another PID namespace) for alive, and a predecessor for gone', async () => {
    const { host } = newGatewayInstance();
    // Beating a lease past this instance's start: a container on the host's network, its process 1 as this one's.
    const sibling: GatewayInstance = { id: `sibling-${randomUUID()}`, host, pid: process.pid };
    const request = openRequest();
    await leftBy(sibling, Date.now() + 120_000, [request]);
    // Under the same name and id, its lease not lapsed, but its last heartbeat came before this instance started.
    const predecessor: GatewayInstance = { id: `predecessor-${randomUUID()}`, host, pid: process.pid };
    const left = openRequest();
    await leftBy(predecessor, Date.now() + 30_000, [left]);
    const ledger = newLedger(60_000);
    await ledger.start();
    expect((await records()).map((row) => row.id)).toEqual([left.requestId]);
    expect((await notes()).map((note) => note.id)).toEqual([request.requestId]);
  });

  it('leaves its requests noted when it closes without writing their records, for the next start to record', async () => {
    const ledger = newLedger(60_000);
    await ledger.start();
    const request = openRequest();
    await ledger.inFlight?.opened(request);
    await expect.poll(notes).toHaveLength(1);
    await ledger.close();
    const next = newLedger(60_000);
    await next.start();
    expect(await records()).toMatchObject([{ id: request.requestId, error_code: INSTANCE_LOST }]);
  });

  it('resumes reconciling the records a stopped process left estimated, except those that add up several generations', async () => {
    const now = Date.now();
    await db()
      .insertInto('usage_records')
      .values([
        usageRow({ id: 'left-estimated', generation_id: 'gen-billed', cost_source: 'estimated', cost_usd: 0.001, created_at: now - 60_000 }),
        usageRow({ id: 'left-with-parts', generation_id: 'gen-billed', cost_source: 'estimated', cost_usd: 0.002, created_at: now - 60_000, failed_generations: JSON.stringify(['gen-other']) }),
        usageRow({ id: 'already-reconciled', generation_id: 'gen-billed', cost_source: 'reconciled', cost_usd: 0.003, created_at: now - 60_000, reconciled_at: now - 30_000 }),
      ])
      .execute();
    const ledger = newLedger();
    await ledger.start();
    await expect.poll(async () => (await records()).find((row) => row.id === 'left-estimated')?.cost_source).toBe('reconciled');
    const rows = await records();
    expect(rows.find((row) => row.id === 'left-estimated')).toMatchObject({ cost_usd: BILLED.costUsd, completion_tokens: 60 });
    expect(rows.find((row) => row.id === 'left-with-parts')).toMatchObject({ cost_source: 'estimated', cost_usd: 0.002 });
    expect(rows.find((row) => row.id === 'already-reconciled')).toMatchObject({ cost_source: 'reconciled', cost_usd: 0.003 });
  });
});
