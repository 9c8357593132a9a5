import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createTestDatabase, DIALECTS, TEST_POSTGRES_URL, type TestDatabase } from '../../test/databases.js';
import type { DialectName } from '../store/database.js';
import { INTEGER_MAX, type Database } from '../store/schema.js';
import { OpenRouterClient } from '../upstream/openrouter-client.js';
import { UsageLedger } from './ledger.js';
import { openRouterGenerations, type GenerationLookup } from './reconciler.js';
import type { UsageRecord } from './usage-record.js';

/** Counts statements by kind and, while `down`, fails them as an unreachable database would. */
class DatabaseProbe implements KyselyPlugin {
  inserts = 0;
  down = false;
  /** Fails after the statement ran: the write landed, but the ledger cannot know it did. */
  failAfterNextInsert = false;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.down) throw new Error('connect ECONNREFUSED (test outage)');
    if (args.node.kind === 'InsertQueryNode') this.inserts += 1;
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.failAfterNextInsert && args.result.numAffectedRows !== undefined) {
      this.failAfterNextInsert = false;
      throw new Error('connection reset after the insert (test)');
    }
    return args.result;
  }
}

const usageRecord = (overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId: randomUUID(),
  endpoint: 'chat',
  projectId: 'p1',
  feature: 'chat',
  requestedModel: 'chat',
  servedModel: 'openai/gpt-4o-mini',
  status: 'ok',
  streamed: true,
  promptTokens: 10,
  completionTokens: 20,
  reasoningTokens: 0,
  costUsd: 0.0000135,
  latencyMs: 120.4,
  attempts: 1,
  startedAt: new Date(),
  ...overrides,
});
/** A record whose response carried no cost (a cancelled stream, or a stream without usage). */
const withoutCost = (overrides: Partial<UsageRecord> = {}): UsageRecord => {
  const { costUsd: _cost, ...record } = usageRecord(overrides);
  return record;
};

const PRICES = { prompt: 0.00000015, completion: 0.0000006, reasoning: 0.0000006, request: 0 };

const upstreamKey = generateKey();
let emulator: Emulator;
let upstream: OpenRouterClient;
beforeAll(async () => {
  emulator = await startEmulator({ keys: [upstreamKey] });
  upstream = new OpenRouterClient({ baseUrl: emulator.url, apiKey: upstreamKey, timeouts: { connectMs: 5_000, firstByteMs: 10_000, betweenChunksMs: 10_000 } });
});
afterAll(async () => {
  await upstream.close();
  await emulator.close();
});

/** One real generation on the emulator, whose `/generation` record appears only after `generation-delay`. */
async function generate(content: string): Promise<string> {
  const response = await fetch(`${emulator.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${upstreamKey}`, 'content-type': 'application/json', 'x-emulator-scenario': 'generation-delay=500' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  return ((await response.json()) as { id: string }).id;
}

/** A streamed generation the client abandons after its first chunk, as a user pressing Stop would. */
async function cancelledStream(content: string): Promise<string> {
  const abort = new AbortController();
  const response = await fetch(`${emulator.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${upstreamKey}`, 'content-type': 'application/json', 'x-emulator-scenario': 'tps=50;tokens=200;generation-delay=500' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] }),
    signal: abort.signal,
  });
  const id = response.headers.get('x-generation-id')!;
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('"content"')) text += new TextDecoder().decode((await reader.read()).value);
  abort.abort();
  await emulator.waitForGeneration(id);
  return id;
}

/**
 * Makes the test database answer reads but refuse every write until the function it returns is called: SQLite full
 * (its pages capped where they are, every free byte taken), Postgres a read-only server (as a standby after a failover).
 */
async function refuseWrites(dialect: DialectName, test: TestDatabase): Promise<() => Promise<void>> {
  const { db } = test.database;
  if (dialect === 'sqlite') {
    await sql`create table filler (bytes blob)`.execute(db);
    const { rows: pages } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    await sql.raw(`pragma max_page_count = ${pages[0]!.page_count}`).execute(db);
    for (const size of [4_000, 500, 20]) {
      for (let full = false; !full; ) full = await sql`insert into filler values (randomblob(${size}))`.execute(db).then(() => false, () => true);
    }
    return async () => {
      await sql`pragma max_page_count = 1073741823`.execute(db);
      await sql`drop table filler`.execute(db);
    };
  }
  const name = new URL(test.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  // Sessions read their database's settings when they start: end those open, and the pool's next ones are read-only.
  const reconnectWith = async (setting: string) => {
    await admin.query(`ALTER DATABASE ${name} ${setting}`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  };
  await reconnectWith('SET default_transaction_read_only = on');
  return async () => {
    await reconnectWith('RESET default_transaction_read_only');
    await admin.end();
  };
}

describe.each(DIALECTS)('usage ledger on %s', (dialect) => {
  let test: TestDatabase;
  let probe: DatabaseProbe;
  let db: Kysely<Database>;
  const ledgers: UsageLedger[] = [];
  const newLedger = (options: ConstructorParameters<typeof UsageLedger>[1] = {}) => {
    const ledger = new UsageLedger(db, { flushIntervalMs: 20, retryMinMs: 20, retryMaxMs: 100, ...options });
    ledgers.push(ledger);
    return ledger;
  };
  const rows = () => test.database.db.selectFrom('usage_records').selectAll().orderBy('created_at').execute();

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await Promise.all(ledgers.map((ledger) => ledger.close()));
    await test.drop();
  });
  beforeEach(async () => {
    await test.database.db.deleteFrom('usage_records').execute();
    probe = new DatabaseProbe();
    db = test.database.db.withPlugin(probe);
  });

  it('queues without touching the database, then writes each full batch in one transaction', async () => {
    const ledger = newLedger({ batchSize: 200, flushIntervalMs: 60_000 });
    for (let index = 0; index < 450; index += 1) ledger.record(usageRecord());
    expect(probe.inserts).toBe(0);
    expect(ledger.stats().buffered).toBe(450);
    // A full batch starts a write at once (the timer here is a minute); the write takes the rest along.
    await vi.waitFor(() => expect(ledger.stats().written).toBe(450));
    // Each batch as statements of 128, 64, 8 rows (200) and 32, 16, 2 (the 50 left): compiled once per count.
    expect(probe.inserts).toBe(3 + 3 + 3);
    expect(await rows()).toHaveLength(450);
  });

  it('writes a partial batch once the flush interval passes', async () => {
    const ledger = newLedger({ flushIntervalMs: 50 });
    for (let index = 0; index < 5; index += 1) ledger.record(usageRecord());
    await vi.waitFor(async () => expect(await rows()).toHaveLength(5));
    // 5 rows as statements of 4 and 1.
    expect(probe.inserts).toBe(2);
  });

  it('stores every field, OpenRouter cost as `upstream`, and estimates a missing cost from catalog prices', async () => {
    const ledger = newLedger({ prices: async () => PRICES });
    const startedAt = new Date(Date.now() - 1_000);
    const full = usageRecord({ userId: 'u1', clientKeyId: 'k1', provider: 'OpenAI', generationId: 'gen-1', timeToFirstTokenMs: 80.6, errorCode: 'upstream_error', imageCount: 2, imageResolution: '1024x1024', reasoningTokens: 5, startedAt });
    ledger.record(full);
    ledger.record(withoutCost({ promptTokens: 0, completionTokens: 0, promptCharacters: 400, completionCharacters: 200, status: 'cancelled', startedAt: new Date(startedAt.getTime() + 1) }));
    ledger.record(withoutCost({ status: 'rejected', attempts: 0, promptTokens: 0, completionTokens: 0, startedAt: new Date(startedAt.getTime() + 2) }));
    await ledger.flush();
    const [first, cancelled, rejected] = await rows();
    expect(first).toMatchObject({
      id: full.requestId, project_id: 'p1', endpoint: 'chat', feature: 'chat', user_id: 'u1', client_key_id: 'k1', requested_model: 'chat',
      served_model: 'openai/gpt-4o-mini', provider: 'OpenAI', generation_id: 'gen-1', status: 'ok', streamed: 1, prompt_tokens: 10,
      completion_tokens: 20, reasoning_tokens: 5, image_count: 2, image_resolution: '1024x1024', cost_usd: 0.0000135, cost_source: 'upstream',
      latency_ms: 120, time_to_first_token_ms: 81, error_code: 'upstream_error', cache_hit: 0, attempts: 1, created_at: startedAt.getTime(), reconciled_at: null,
    });
    // 400 and 200 characters are about 100 prompt and 50 completion tokens.
    expect(cancelled).toMatchObject({ status: 'cancelled', cost_source: 'estimated' });
    expect(cancelled!.cost_usd).toBeCloseTo(100 * PRICES.prompt + 50 * PRICES.completion, 15);
    expect(rejected).toMatchObject({ status: 'rejected', cost_source: 'estimated', cost_usd: 0 });
  });

  it('keeps a record whose upstream claimed more tokens than a column holds, at the most the column holds', async () => {
    const ledger = newLedger();
    const claimed = usageRecord({ promptTokens: 5e9, completionTokens: 2 ** 31, reasoningTokens: Number.MAX_SAFE_INTEGER });
    ledger.record(claimed);
    await ledger.flush();
    expect(ledger.stats()).toMatchObject({ written: 1, dropped: 0 });
    const [row] = await rows();
    expect(row).toMatchObject({ id: claimed.requestId, prompt_tokens: INTEGER_MAX, completion_tokens: INTEGER_MAX, reasoning_tokens: INTEGER_MAX });
  });

  it('writes the same row through a plugin that rewrites each insert, and a value left out as its column default', async () => {
    // Every field, each with a value no other column has: a value in the wrong column would show.
    const fields: Partial<UsageRecord> = {
      userId: 'u1', clientKeyId: 'k1', provider: 'OpenAI', generationId: 'gen-1', promptTokens: 11, completionTokens: 22, reasoningTokens: 3,
      imageCount: 4, imageResolution: '1024x1024', costUsd: 0.0007, latencyMs: 55.4, timeToFirstTokenMs: 66.6, errorCode: 'upstream_error',
      cacheHit: true, streamed: false, costSavedUsd: 0.0008, guardrails: [{ name: 'pii', stage: 'input', verdict: 'redact' }], guardrailCostUsd: 0.0009,
      attempts: 2, jobId: 'job-1', startedAt: new Date(Date.now() - 1_000),
    };
    const passed = usageRecord(fields);
    const rewritten = usageRecord(fields);
    const rewriting = db.withPlugin({ transformQuery: (args) => ({ ...args.node }), transformResult: async (args) => args.result });
    const viaRewriting = new UsageLedger(rewriting, { flushIntervalMs: 20 });
    ledgers.push(viaRewriting);
    const ledger = newLedger();
    ledger.record(passed);
    viaRewriting.record(rewritten);
    await Promise.all([ledger.flush(), viaRewriting.flush()]);
    ledger.record({ ...usageRecord({ startedAt: new Date(Date.now() - 500) }), attempts: undefined as unknown as number });
    await ledger.flush();
    const written = await rows();
    const byId = (id: string) => written.find((row) => row.id === id);
    expect({ ...byId(rewritten.requestId), id: passed.requestId }).toEqual(byId(passed.requestId));
    expect(written.filter((row) => row.id !== passed.requestId && row.id !== rewritten.requestId)).toMatchObject([{ attempts: 0 }]);
  });

  it('writes a request once even when its batch is written again after a write that did land', async () => {
    const ledger = newLedger();
    probe.failAfterNextInsert = true;
    for (let index = 0; index < 10; index += 1) ledger.record(usageRecord());
    await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ written: 10, buffered: 0, dropped: 0 }));
    expect(await rows()).toHaveLength(10);
  });

  it('sets aside a record the database refuses, so it cannot hold back the others', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const ledger = newLedger({ logger });
    const poison = usageRecord({ requestedModel: null as unknown as string });
    ledger.record(usageRecord());
    ledger.record(poison);
    ledger.record(usageRecord());
    await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ written: 2, buffered: 0, dropped: 1 }), { timeout: 5_000 });
    expect((await rows()).map((row) => row.id)).not.toContain(poison.requestId);
    expect(logger.error).toHaveBeenCalledWith('usage ledger dropped a record the database refuses', expect.objectContaining({ requestId: poison.requestId }));
  });

  it('buffers records while the database is down and writes every one when it returns', async () => {
    const ledger = newLedger({ batchSize: 100 });
    probe.down = true;
    const records = Array.from({ length: 1_000 }, () => usageRecord());
    for (const record of records) ledger.record(record);
    await vi.waitFor(() => expect(ledger.stats().writeFailures).toBeGreaterThanOrEqual(3));
    expect(ledger.stats()).toMatchObject({ buffered: 1_000, written: 0, dropped: 0, lastWriteError: expect.stringContaining('ECONNREFUSED') });
    probe.down = false;
    await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ buffered: 0, written: 1_000 }), { timeout: 5_000 });
    const ids = (await rows()).map((row) => row.id);
    expect(new Set(ids)).toEqual(new Set(records.map((record) => record.requestId)));
  });

  it('keeps every record while the database answers but takes no writes (a full disk, a read-only standby), and writes them once it does', async () => {
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const ledger = newLedger({ logger });
    // More than the table's free room holds.
    const records = Array.from({ length: 100 }, () => usageRecord());
    const allowWrites = await refuseWrites(dialect, test);
    try {
      for (const record of records) ledger.record(record);
      // What fitted is written (a full SQLite has room left in its pages); the rest waits through every retry.
      await vi.waitFor(() => {
        const { buffered, written, dropped, writeFailures } = ledger.stats();
        expect({ kept: buffered + written, dropped }).toEqual({ kept: 100, dropped: 0 });
        expect(buffered).toBeGreaterThan(0);
        expect(writeFailures).toBeGreaterThanOrEqual(4);
      }, { timeout: 10_000 });
    } finally {
      await allowWrites();
    }
    await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ buffered: 0, written: 100, dropped: 0 }), { timeout: 5_000 });
    expect(new Set((await rows()).map((row) => row.id))).toEqual(new Set(records.map((record) => record.requestId)));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('keeps at most `maxBuffered` records during an outage and counts the ones it drops', async () => {
    const ledger = newLedger({ maxBuffered: 10 });
    probe.down = true;
    for (let index = 0; index < 15; index += 1) ledger.record(usageRecord());
    expect(ledger.stats()).toMatchObject({ buffered: 10, dropped: 5 });
    probe.down = false;
    await ledger.flush();
    expect(await rows()).toHaveLength(10);
  });

  it('close() writes what is still queued, retrying through a short outage', async () => {
    const ledger = newLedger({ flushIntervalMs: 60_000, closeTimeoutMs: 5_000 });
    for (let index = 0; index < 30; index += 1) ledger.record(usageRecord());
    probe.down = true;
    setTimeout(() => (probe.down = false), 200);
    await ledger.close();
    expect(await rows()).toHaveLength(30);
    ledger.record(usageRecord());
    expect(ledger.stats().dropped).toBe(1);
  });

  it.runIf(dialect === 'postgres')('survives Postgres dropping every connection during traffic, then writes everything', async () => {
    const name = new URL(test.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    const ledger = newLedger({ batchSize: 20, flushIntervalMs: 5 });
    const records: UsageRecord[] = [];
    // Steady traffic, so writes are in flight when the connections die.
    const traffic = setInterval(() => {
      for (let index = 0; index < 10; index += 1) {
        const record = usageRecord();
        records.push(record);
        ledger.record(record);
      }
    }, 5);
    try {
      await vi.waitFor(() => expect(ledger.stats().written).toBeGreaterThan(50));
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      await vi.waitFor(() => expect(ledger.stats().writeFailures).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
      const duringOutage = ledger.stats().written;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ledger.stats().written).toBe(duringOutage);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await vi.waitFor(() => expect(ledger.stats().written).toBeGreaterThan(duringOutage), { timeout: 10_000 });
    } finally {
      clearInterval(traffic);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ buffered: 0, written: records.length, dropped: 0 }), { timeout: 10_000 });
    expect(new Set((await rows()).map((row) => row.id))).toEqual(new Set(records.map((record) => record.requestId)));
  });

  describe('reconciliation with GET /generation', () => {
    const countingLookup = () => {
      const lookup = openRouterGenerations(upstream, async () => upstreamKey);
      const results: string[] = [];
      const counting: GenerationLookup = async (job, signal) => {
        const result = await lookup(job, signal);
        results.push(typeof result === 'string' ? result : 'found');
        return result;
      };
      return { counting, results };
    };

    it('writes a record without cost as `estimated` at once, then `reconciled` with what OpenRouter billed', async () => {
      const generationId = await generate('Reconcile me');
      const { counting, results } = countingLookup();
      const ledger = newLedger({ prices: async () => PRICES, reconcile: { lookup: counting, firstDelayMs: 100, attempts: 6 } });
      const record = withoutCost({ generationId, promptTokens: 0, completionTokens: 0 });
      ledger.record(record);
      await ledger.flush();
      expect((await rows())[0]).toMatchObject({ cost_source: 'estimated', reconciled_at: null });
      await vi.waitFor(async () => expect((await rows())[0]).toMatchObject({ cost_source: 'reconciled' }), { timeout: 10_000, interval: 50 });
      const billed = emulator.probe(generationId)!.billed!;
      expect((await rows())[0]).toMatchObject({ cost_usd: billed.cost, prompt_tokens: billed.promptTokens, completion_tokens: billed.completionTokens, reconciled_at: expect.any(Number) });
      // The record was not there yet at first: OpenRouter answers 404 for a while after a generation.
      expect(results[0]).toBe('pending');
      expect(results.at(-1)).toBe('found');
      expect(ledger.stats().reconciliation).toMatchObject({ pending: 0, reconciled: 1, gaveUp: 0 });
    });

    it('reconciles a cancelled stream with what OpenRouter billed for the tokens it sent', async () => {
      const generationId = await cancelledStream('Stop me early');
      const probed = emulator.probe(generationId)!;
      expect(probed.status).toBe('cancelled');
      const ledger = newLedger({ reconcile: { lookup: countingLookup().counting, firstDelayMs: 100, attempts: 6 } });
      ledger.record(withoutCost({ generationId, status: 'cancelled', promptTokens: 0, completionTokens: 0 }));
      await vi.waitFor(async () => expect((await rows())[0]).toMatchObject({ cost_source: 'reconciled' }), { timeout: 10_000, interval: 50 });
      expect((await rows())[0]).toMatchObject({ status: 'cancelled', cost_usd: probed.billed!.cost, completion_tokens: probed.billed!.completionTokens });
      expect(probed.billed!.completionTokens).toBeLessThan(200);
    });

    it('reconciles the generations of its guardrails\' calls apart: their worst cases give way to what OpenRouter billed', async () => {
      const answer = await generate('Reconcile my answer');
      const moderation = await generate('Reconcile my moderation call');
      const unknown = 'gen-0-doesnotexist0000000000';
      const { counting } = countingLookup();
      const ledger = newLedger({ prices: async () => PRICES, reconcile: { lookup: counting, firstDelayMs: 100, attempts: 4 } });
      const guardrailGenerations = [{ generationId: moderation, worstCaseUsd: 0.002 }, { generationId: unknown, worstCaseUsd: 0.001 }];
      ledger.record(withoutCost({ generationId: answer, guardrailCostUsd: 0.0005 + 0.002 + 0.001, guardrailGenerations }));
      await ledger.flush();
      expect((await rows())[0]).toMatchObject({ cost_source: 'estimated', guardrail_cost_usd: 0.0035 });
      await vi.waitFor(() => expect(ledger.stats().reconciliation).toMatchObject({ pending: 0, reconciled: 2, gaveUp: 1 }), { timeout: 15_000, interval: 50 });
      await vi.waitFor(() => expect(ledger.stats().pendingUpdates).toBe(0), { timeout: 5_000, interval: 50 });
      // The answer's cost, and the guardrails' with the call never found still at its worst case.
      const [row] = await rows();
      expect(row).toMatchObject({ cost_source: 'reconciled', cost_usd: emulator.probe(answer)!.billed!.cost });
      expect(row!.guardrail_cost_usd).toBeCloseTo(0.0005 + emulator.probe(moderation)!.billed!.cost + 0.001, 12);
    });

    it('leaves the record `estimated` when the generation never shows up', async () => {
      const { counting, results } = countingLookup();
      const ledger = newLedger({ prices: async () => PRICES, reconcile: { lookup: counting, firstDelayMs: 20, attempts: 3 } });
      ledger.record(withoutCost({ generationId: 'gen-0-doesnotexist0000000000' }));
      await vi.waitFor(() => expect(ledger.stats().reconciliation.gaveUp).toBe(1), { timeout: 5_000 });
      expect(results).toEqual(['pending', 'pending', 'pending']);
      expect((await rows())[0]).toMatchObject({ cost_source: 'estimated', cost_usd: 10 * PRICES.prompt + 20 * PRICES.completion });
    });

    it('keeps reconciled figures while the database is down and writes them when it returns', async () => {
      const generationId = await generate('Reconcile me during an outage');
      const ledger = newLedger({ reconcile: { lookup: countingLookup().counting, firstDelayMs: 100, attempts: 6 } });
      ledger.record(withoutCost({ generationId }));
      await ledger.flush();
      probe.down = true;
      await vi.waitFor(() => expect(ledger.stats()).toMatchObject({ pendingUpdates: 1 }), { timeout: 10_000, interval: 50 });
      probe.down = false;
      await vi.waitFor(async () => expect((await rows())[0]).toMatchObject({ cost_source: 'reconciled', cost_usd: emulator.probe(generationId)!.billed!.cost }), { timeout: 5_000 });
    });
  });
});
