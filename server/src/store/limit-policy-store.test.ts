import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { AuditLog } from './audit-log.js';
import { ChangeNotifier } from './change-notifier.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from './database.js';
import { LimitPolicyStore } from './limit-policy-store.js';
import type { StoreCacheOptions } from './notified-cache.js';
import type { Database } from './schema.js';

/**
 * The database as the store sees it, with two switches: `holdNextRead` keeps the next read's answer back until the
 * test releases it (a read that races a save), and `down` makes every read fail (an outage). Writes in a transaction
 * are untouched.
 */
function controllableDatabase(db: Kysely<Database>) {
  let held: { reached(): void; release: Promise<void> } | undefined;
  const control = {
    down: false,
    /** Holds the answer of the next read; resolves with a function that lets it go, once the read has its answer. */
    holdNextRead(): Promise<() => void> {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      return new Promise((reached) => (held = { reached: () => reached(release), release: released }));
    },
  };
  const wrap = (builder: object): object =>
    new Proxy(builder, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property === 'executeTakeFirst') {
          return async () => {
            if (control.down) throw new Error('connect ECONNREFUSED');
            const row: unknown = await value.call(target);
            const hold = held;
            held = undefined;
            if (hold) {
              hold.reached();
              await hold.release;
            }
            return row;
          };
        }
        return (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          return typeof result === 'object' && result !== null && 'executeTakeFirst' in result ? wrap(result) : result;
        };
      },
    });
  const proxied = new Proxy(db, {
    get(target, property) {
      if (property === 'selectFrom') return (...args: Parameters<Kysely<Database>['selectFrom']>) => wrap(target.selectFrom(...args));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxied, control };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One gateway instance's limit policy store on `database`, hearing other instances through Postgres when there is one. */
async function instance(database: OpenDatabase, cache: StoreCacheOptions = {}) {
  const notifier = new ChangeNotifier(database.pool);
  await notifier.start();
  const { db, control } = controllableDatabase(database.db);
  const store = new LimitPolicyStore(db, new AuditLog(database.db), notifier, cache);
  cleanups.push(async () => {
    store.close();
    await notifier.close();
  });
  return { store, control };
}

describe.each(DIALECTS)('LimitPolicyStore on %s, on the instance that saves', (dialect) => {
  let test: TestDatabase | undefined;
  const database = async () => (test ??= await createTestDatabase(dialect)).database;
  afterAll(async () => test?.drop());

  it('puts an emergency stop and a policy change in force at once, though the limits were cached', async () => {
    // A TTL far longer than the test: only the save's own invalidation can explain a change seen.
    const { store } = await instance(await database(), { ttlMs: 60_000 });
    const projectId = randomUUID();
    expect((await store.get(projectId)).stopped).toBe(false);
    await store.setStopped(projectId, true, 'runaway costs', 'alice');
    expect(await store.get(projectId)).toMatchObject({ stopped: true, stopReason: 'runaway costs' });
    const { version } = await store.get(projectId);
    await store.save(projectId, { policy: { project: { requestsPerMinute: 3 }, features: {}, users: { default: {}, overrides: {} } } }, version, 'alice');
    expect((await store.get(projectId)).policy.project).toEqual({ requestsPerMinute: 3 });
  });

  it('saves an emergency stop whatever else is saved at the same moment: it names no version to conflict with', async () => {
    const { store } = await instance(await database());
    const projectId = randomUUID();
    await store.save(projectId, { policy: { project: { requestsPerMinute: 5 }, features: {}, users: { default: {}, overrides: {} } } }, 0, 'alice');
    const policy = { project: { requestsPerMinute: 6 }, features: {}, users: { default: {}, overrides: {} } };
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 4 }, (_, index) => store.setStopped(projectId, true, `stop ${index}`, 'bob')),
      store.save(projectId, { policy }, 1, 'alice'),
    ]);
    expect(outcomes.slice(0, 4).map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'stopped'))).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    expect((await store.get(projectId)).stopped).toBe(true);
  });

  it('serves limits that cannot be changed in place: a change is a save', async () => {
    const { store } = await instance(await database());
    const projectId = randomUUID();
    await store.save(projectId, { policy: { project: {}, features: { chat: { tokensPerDay: 9 } }, users: { default: {}, overrides: { ada: { requestsPerMinute: 2 } } } } }, 0, 'alice');
    const { policy } = await store.get(projectId);
    expect(() => Object.assign(policy.project, { requestsPerMinute: 1 })).toThrow(TypeError);
    expect(() => Object.assign(policy.features, { images: {} })).toThrow(TypeError);
    expect(() => Object.assign(policy.features['chat'] ?? {}, { tokensPerDay: 1 })).toThrow(TypeError);
    expect(() => Object.assign(policy.users.overrides['ada'] ?? {}, { requestsPerMinute: 9 })).toThrow(TypeError);
    expect(policy).toEqual({ project: {}, features: { chat: { tokensPerDay: 9 } }, users: { default: {}, overrides: { ada: { requestsPerMinute: 2 } } } });
  });

  it('never caches a read that was under way when the stop was saved', async () => {
    const { store, control } = await instance(await database(), { ttlMs: 60_000 });
    const projectId = randomUUID();
    const reached = control.holdNextRead();
    const raced = store.get(projectId);
    const release = await reached;
    // The read has the limits as they were; the stop is saved before it returns them.
    await store.setStopped(projectId, true, 'runaway costs', 'alice');
    release();
    expect((await raced).stopped).toBe(false);
    expect((await store.get(projectId)).stopped).toBe(true);
  });

  it('serves the limits read last while the database is down, reporting the outage once', async () => {
    const reports: unknown[] = [];
    const { store, control } = await instance(await database(), { ttlMs: 0, onStale: (error) => reports.push(error) });
    // Saved by a store that announces nothing, so no notification can drop what the reads below cache.
    const writer = new LimitPolicyStore((await database()).db, new AuditLog((await database()).db), new ChangeNotifier());
    const [stopped, open] = [randomUUID(), randomUUID()];
    await writer.setStopped(stopped, true, 'audit', 'alice');
    await store.get(stopped);
    await store.get(open);
    control.down = true;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await store.get(stopped)).stopped).toBe(true);
      expect((await store.get(open)).stopped).toBe(false);
    }
    await expect(store.get(randomUUID())).rejects.toThrow('ECONNREFUSED');
    expect(reports).toHaveLength(1);
    expect(String(reports[0])).toContain('ECONNREFUSED');
    control.down = false;
    expect((await store.get(stopped)).stopped).toBe(true);
  });
});

describe('LimitPolicyStore on two instances', () => {
  it('puts a stop saved on one Postgres instance in force on the other when the notification arrives, long before the TTL', async () => {
    const test = await createTestDatabase('postgres');
    const second = openDatabase(test.url);
    cleanups.push(() => test.drop(), () => second.close());
    const { store: saving } = await instance(test.database, { ttlMs: 60_000 });
    const { store: other } = await instance(second, { ttlMs: 60_000 });
    const projectId = randomUUID();
    expect((await other.get(projectId)).stopped).toBe(false);
    await saving.setStopped(projectId, true, 'runaway costs', 'alice');
    expect((await saving.get(projectId)).stopped).toBe(true);
    await expect.poll(async () => (await other.get(projectId)).stopped, { timeout: 5_000, interval: 10 }).toBe(true);
    const { version } = await saving.get(projectId);
    await saving.save(projectId, { policy: { project: { spendPerDayUsd: 1 }, features: {}, users: { default: {}, overrides: {} } } }, version, 'alice');
    await expect.poll(async () => (await other.get(projectId)).policy.project, { timeout: 5_000, interval: 10 }).toEqual({ spendPerDayUsd: 1 });
  });

  it('puts a stop saved on one SQLite instance in force on the other once its TTL passes (SQLite has no notifications)', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'insforge-limits-'));
    const file = path.join(directory, 'ai.db');
    const first = openDatabase(file);
    await migrateToLatest(first);
    const second = openDatabase(file);
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }), () => first.close(), () => second.close());
    const ttlMs = 150;
    const { store: saving } = await instance(first, { ttlMs });
    const { store: other } = await instance(second, { ttlMs });
    const projectId = randomUUID();
    expect((await other.get(projectId)).stopped).toBe(false);
    const savedAt = Date.now();
    await saving.setStopped(projectId, true, 'runaway costs', 'alice');
    expect((await saving.get(projectId)).stopped).toBe(true);
    await expect.poll(async () => (await other.get(projectId)).stopped, { timeout: 2_000, interval: 10 }).toBe(true);
    expect(Date.now() - savedAt).toBeLessThan(ttlMs + 1_000);
  });
});
