import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator, type GenerationProbe } from '@insforge/openrouter-emulator';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { startServeProcess, type ServeProcess } from '../../test/serve-process.js';

const ADMIN = 'ik_crash_admin_token_0123456789';
const CLIENT = 'ik_crash_client_key_0123456789';
const upstreamKey = generateKey();
let emulator: Emulator;
let directory: string;
let features: string;
const running: ServeProcess[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ keys: [upstreamKey] });
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-crash-'));
  features = path.join(directory, 'features.json');
  writeFileSync(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini', params: { max_tokens: 1000 } }]));
});
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

const env = { OPENROUTER_API_KEY: upstreamKey, INSFORGE_AI_ADMIN_TOKEN: ADMIN, INSFORGE_AI_CLIENT_KEY: CLIENT };
/** A gateway whose instances are taken for gone a second after their last heartbeat. */
const serve = async (args: string[]) => {
  const process = await startServeProcess(['--upstream', emulator.url, '--features', features, '--instance-lease', '1', ...args], env);
  running.push(process);
  return process;
};

const setCaps = async (url: string, project: { spendPerMonthUsd: number; tokensPerDay?: number }) => {
  const current = (await (await fetch(`${url}/api/ai/limits/policy`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { version: number };
  const response = await fetch(`${url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: current.version, policy: { project } }),
  });
  expect(response.status).toBe(200);
};

/** The generations OpenRouter made for requests whose text carries `tag`. */
const generationsOf = (tag: string): GenerationProbe[] => emulator.generations().filter((probe) => JSON.stringify(probe.request).includes(tag));

const chat = (url: string, content: string, stream: boolean) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });

/** Reads a stream until its first content, and the rest (broken off by a kill) in the background. */
async function readPastFirstContent(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('"content"')) text += new TextDecoder().decode((await reader.read()).value);
  void (async () => {
    for (;;) if ((await reader.read()).done) return;
  })().catch(() => undefined);
}

/**
 * Two JSON chats and two streams that take seconds to answer, sent to `url` and left in flight: the streams past their
 * first chunk (the gateway knows their generation ids), the JSON chats generating at OpenRouter.
 */
async function requestsInFlight(url: string, tag: string): Promise<void> {
  emulator.addRule({ match: { contains: tag }, scenario: 'tps=20;tokens=400;ttft=100' });
  const send = (index: number, stream: boolean) => chat(url, `${tag} request ${index}`, stream);
  for (const index of [0, 1]) void send(index, false).then((response) => response.text()).catch(() => undefined);
  await Promise.all([2, 3].map(async (index) => readPastFirstContent(await send(index, true))));
  await expect.poll(() => generationsOf(tag).filter((probe) => probe.status === 'running').length, { timeout: 5_000 }).toBe(4);
  // A stream's generation is noted off its path, a second after OpenRouter named it (should it last that long).
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

/** Waits until OpenRouter ended every generation of `tag` (the killed gateway's connections closed) and billed it. */
async function billedGenerations(tag: string): Promise<GenerationProbe[]> {
  await expect.poll(() => generationsOf(tag).every((probe) => probe.status !== 'running'), { timeout: 10_000 }).toBe(true);
  const billed = generationsOf(tag).filter((probe) => (probe.billed?.cost ?? 0) > 0);
  expect(billed).toHaveLength(4);
  return billed;
}

interface LedgerRow {
  generation_id: string | null;
  cost_usd: number;
  cost_source: string;
  feature: string | null;
  status: string;
  streamed: number;
}

/** Each generation OpenRouter billed has its row: a stream's reconciled to what was billed, a JSON chat's at its worst case. */
function expectOneRowPerBilledGeneration(rows: LedgerRow[], billed: GenerationProbe[]): void {
  expect(rows).toHaveLength(billed.length);
  for (const row of rows) expect(row).toMatchObject({ feature: 'chat', status: 'error' });
  const streams = billed.filter((probe) => probe.streamed);
  for (const probe of streams) {
    expect(rows.find((row) => row.generation_id === probe.id)).toMatchObject({ cost_source: 'reconciled', cost_usd: probe.billed?.cost, streamed: 1 });
  }
  const json = rows.filter((row) => row.streamed === 0);
  expect(json).toHaveLength(billed.length - streams.length);
  const worstOfJson = Math.max(...billed.filter((probe) => !probe.streamed).map((probe) => probe.billed?.cost ?? 0));
  for (const row of json) {
    expect(row.cost_source).toBe('worst_case');
    expect(row.cost_usd).toBeGreaterThanOrEqual(worstOfJson);
  }
}

describe('insforge-ai serve killed with SIGKILL while requests are in flight', () => {
  it('on SQLite: the next start writes a ledger row for every generation OpenRouter billed, and the spend and token caps count them', async () => {
    const tag = `sqlite-${randomBytes(4).toString('hex')}`;
    const database = path.join(directory, 'killed.db');
    const first = await serve(['--database', database]);
    await setCaps(first.url, { spendPerMonthUsd: 100, tokensPerDay: 10_000_000 });
    await requestsInFlight(first.url, tag);
    await first.stop('SIGKILL');
    const billed = await billedGenerations(tag);

    const second = await serve(['--database', database]);
    const ledger = new Database(database, { readonly: true });
    try {
      const rows = () => ledger.prepare('select generation_id, cost_usd, cost_source, feature, status, streamed from usage_records').all() as LedgerRow[];
      await expect.poll(() => rows().filter((row) => row.cost_source !== 'estimated').length, { timeout: 20_000 }).toBe(4);
      expectOneRowPerBilledGeneration(rows(), billed);
      // The cap's counter, kept in process, starts from the ledger: what the killed process spent counts.
      const limits = (await (await fetch(`${second.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT}` } })).json()) as { data: Array<{ kind: string; used: number }> };
      const billedTotal = billed.reduce((sum, probe) => sum + (probe.billed?.cost ?? 0), 0);
      expect(limits.data.find((limit) => limit.kind === 'spendPerMonthUsd')?.used).toBeGreaterThanOrEqual(billedTotal);
      // The token cap too: the JSON chats' records carry the tokens their caps reserved (at least the feature's
      // max_tokens of 1,000 each) for good, as nothing can reconcile them.
      expect(limits.data.find((limit) => limit.kind === 'tokensPerDay')?.used).toBeGreaterThanOrEqual(2 * 1_000);
    } finally {
      ledger.close();
      await second.stop();
    }
  }, 60_000);

  it('on SQLite: a request killed during the attempt after a billed failure stands at what its caps reserved for both, not at the last generation', async () => {
    const tag = `retried-${randomBytes(4).toString('hex')}`;
    const database = path.join(directory, 'retried.db');
    const withFallback = path.join(directory, 'features-fallback.json');
    writeFileSync(withFallback, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini', fallbackModels: ['anthropic/claude-sonnet-4'], params: { max_tokens: 1000 } }]));
    // The first model's stream fails at its first event (billed: OpenRouter read the prompt); the fallback streams slowly.
    emulator.addRule({ match: { contains: tag, model: 'openai/gpt-4o-mini' }, scenario: 'error-body' });
    emulator.addRule({ match: { contains: tag, model: 'anthropic/claude-sonnet-4' }, scenario: 'tps=20;tokens=400;ttft=100' });
    const first = await serve(['--database', database, '--features', withFallback]);
    await setCaps(first.url, { spendPerMonthUsd: 100 });
    await readPastFirstContent(await chat(first.url, `${tag} fails, then falls back`, true));
    // Past the second that a stream's generation takes to be noted.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await first.stop('SIGKILL');
    await expect.poll(() => generationsOf(tag).every((probe) => probe.status !== 'running'), { timeout: 10_000 }).toBe(true);
    const billed = generationsOf(tag).reduce((sum, probe) => sum + (probe.billed?.cost ?? 0), 0);
    // The first model's attempts (its retries too), each billed, then the fallback's, cut off by the kill.
    expect(generationsOf(tag).map((probe) => probe.model).at(-1)).toBe('anthropic/claude-sonnet-4');
    expect(generationsOf(tag).filter((probe) => (probe.billed?.cost ?? 0) > 0).length).toBeGreaterThan(1);

    const second = await serve(['--database', database, '--features', withFallback]);
    const ledger = new Database(database, { readonly: true });
    try {
      const rows = () => ledger.prepare('select cost_usd, cost_source, error_code from usage_records').all() as Array<{ cost_usd: number; cost_source: string; error_code: string }>;
      await expect.poll(() => rows().length, { timeout: 20_000 }).toBe(1);
      // Reconciled to the fallback's generation alone, the row said less than was billed, and so did caps seeded from it.
      expect(rows()[0]).toMatchObject({ cost_source: 'worst_case', error_code: 'instance_lost' });
      expect(rows()[0]?.cost_usd).toBeGreaterThanOrEqual(billed);
    } finally {
      ledger.close();
      await second.stop();
    }
  }, 60_000);

  describe('on Postgres with limits in Redis', () => {
    let postgres: TestDatabase;
    const prefix = `insforge-test:${randomBytes(6).toString('hex')}:`;
    let redis: Redis;
    beforeAll(async () => {
      postgres = await createTestDatabase('postgres');
      redis = new Redis(TEST_REDIS_URL);
    });
    afterAll(async () => {
      redis?.disconnect();
      await postgres?.drop();
      await deleteRedisKeys(prefix);
    });

    /** The project's monthly spend counter in Redis (nano-USD). */
    const spendCounter = async () => {
      const [key] = (await redis.keys(`${prefix}b:*:q:default:project:spend:*`)).sort();
      const fields = key ? await redis.hgetall(key) : {};
      return { used: Number(fields['used'] ?? 0), reserved: Number(fields['reserved'] ?? 0) };
    };

    it('the next start writes a row for every billed generation, and the reservations the killed process held land in the spend counted', async () => {
      const tag = `postgres-${randomBytes(4).toString('hex')}`;
      const args = ['--database', postgres.url, '--redis', TEST_REDIS_URL, '--redis-prefix', prefix];
      const first = await serve(args);
      await setCaps(first.url, { spendPerMonthUsd: 100 });
      await requestsInFlight(first.url, tag);
      const held = await spendCounter();
      expect(held.reserved).toBeGreaterThan(0);
      await first.stop('SIGKILL');
      const billed = await billedGenerations(tag);

      const second = await serve(args);
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        const rows = async () => (await client.query<LedgerRow>('select generation_id, cost_usd, cost_source, feature, status, streamed from usage_records')).rows;
        await expect.poll(async () => (await rows()).filter((row) => row.cost_source !== 'estimated').length, { timeout: 20_000 }).toBe(4);
        expectOneRowPerBilledGeneration(await rows(), billed);
        // Never given back while it may be billed: what was reserved is now spent, and nothing stays reserved.
        await expect.poll(spendCounter, { timeout: 10_000 }).toEqual({ used: held.used + held.reserved, reserved: 0 });
      } finally {
        await client.end();
        await second.stop();
      }
    }, 60_000);
  });
});
