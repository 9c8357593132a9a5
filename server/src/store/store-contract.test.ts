import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { GatewayError } from '../errors.js';
import { parseFeature } from '../features/feature.js';
import { AuditLog } from './audit-log.js';
import { ChangeNotifier } from './change-notifier.js';
import { SqlClientKeyStore } from './client-key-store.js';
import { migrateToLatest } from './database.js';
import { SqlFeatureStore } from './sql-feature-store.js';

const chat = parseFeature({ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'Be brief.', params: { temperature: 0.5 } });

describe.each(DIALECTS)('store contract on %s', (dialect) => {
  let test: TestDatabase;
  let features: SqlFeatureStore;
  let keys: SqlClientKeyStore;
  let audit: AuditLog;
  let notifier: ChangeNotifier;
  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    notifier = new ChangeNotifier(test.database.pool);
    audit = new AuditLog(test.database.db);
    features = new SqlFeatureStore(test.database.db, audit, notifier, { ttlMs: 60_000 });
    keys = new SqlClientKeyStore(test.database.db, audit, notifier);
  });
  afterAll(async () => {
    features.close();
    keys.close();
    await notifier.close();
    await test.drop();
  });

  it('runs migrations once: a second run has nothing to do', async () => {
    expect(await migrateToLatest(test.database)).toEqual([]);
  });

  it('creates a feature at version 1 and reads it back through the cache', async () => {
    const record = await features.create('p1', chat, 'alice');
    expect(record).toMatchObject({ version: 1, updatedBy: 'alice', feature: chat });
    expect(await features.get('p1', 'chat')).toEqual(chat);
    expect(await features.get('p2', 'chat')).toBeUndefined();
    await expect(features.create('p1', chat, 'alice')).rejects.toMatchObject({ code: 'version_conflict' });
  });

  it('saves a new version when the expected version is current, and refuses a stale one with 409', async () => {
    const first = (await features.record('p1', 'chat'))!;
    const saved = await features.update('p1', first.id, { ...chat, model: 'anthropic/claude-sonnet-4' }, first.version, 'bob');
    expect(saved.version).toBe(first.version + 1);
    expect((await features.get('p1', 'chat'))?.model).toBe('anthropic/claude-sonnet-4');
    const stale = await features.update('p1', first.id, { ...chat, systemPrompt: 'Late edit.' }, first.version, 'carol').catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(GatewayError);
    expect(stale).toMatchObject({ code: 'version_conflict', status: 409 });
    expect((stale as GatewayError).headers()).toMatchObject({ 'x-current-version': String(saved.version) });
  });

  it('keeps the history, restores an earlier version and resets to the defaults as new versions', async () => {
    const current = (await features.record('p1', 'chat'))!;
    const restored = await features.restore('p1', 'chat', 1, current.version, 'dave');
    expect(restored.feature.model).toBe('openai/gpt-4o-mini');
    await features.update('p1', 'chat', { ...chat, systemPrompt: 'Changed.' }, restored.version, 'erin');
    const reset = await features.reset('p1', 'chat', restored.version + 1, 'frank');
    expect(reset.feature).toEqual(chat);
    const history = await features.history('p1', 'chat');
    expect(history.map((entry) => entry.action)).toEqual(['reset', 'update', 'restore', 'update', 'create']);
    expect(history.map((entry) => entry.version)).toEqual([5, 4, 3, 2, 1]);
  });

  it('seeds only features that do not exist yet', async () => {
    const created = await features.seed('p1', [{ ...chat, systemPrompt: 'Seeded again.' }, parseFeature({ name: 'code', model: 'openai/gpt-4o' })]);
    expect(created).toEqual(['code']);
    expect((await features.get('p1', 'chat'))?.systemPrompt).not.toBe('Seeded again.');
  });

  it('answers renames racing each other to one name with 409 for all but one, never a database error', async () => {
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
    const records = await Promise.all(names.map((name) => features.create('p3', { ...chat, name }, 'alice')));
    const outcomes = await Promise.all(records.map((record) => features.update('p3', record.id, { ...chat, name: 'renamed' }, record.version, 'bob').then(() => 'saved', (error: unknown) => error)));
    expect(outcomes.filter((outcome) => outcome === 'saved')).toHaveLength(1);
    for (const outcome of outcomes.filter((outcome) => outcome !== 'saved')) expect(outcome).toMatchObject({ code: 'version_conflict', status: 409, message: 'A feature named "renamed" already exists.' });
  });

  it('refuses an invalid feature with a 400 naming the field', async () => {
    const invalid = { ...chat, params: { temperature: 7 } } as unknown as typeof chat;
    await expect(features.update('p1', 'chat', invalid, 1, 'x')).rejects.toMatchObject({ code: 'invalid_parameter', status: 400, message: expect.stringContaining('params.temperature') });
  });

  it('deletes a feature', async () => {
    await features.remove('p1', 'code', 'grace');
    expect(await features.get('p1', 'code')).toBeUndefined();
    await expect(features.remove('p1', 'code', 'grace')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stores client keys as hashes, verifies them, and refuses revoked ones', async () => {
    const { key, record } = await keys.create('p1', { label: 'mobile app', userId: 'u-9' }, 'alice');
    expect(key.startsWith(record.prefix)).toBe(true);
    expect(await keys.activeCount()).toBe(1);
    expect(await keys.verify(key)).toEqual({ projectId: 'p1', role: 'user', userId: 'u-9', clientKeyId: record.id });
    expect(await keys.verify(`${key}x`)).toBeUndefined();
    const rows = await test.database.db.selectFrom('client_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    await keys.revoke('p1', record.id, 'alice');
    expect(await keys.verify(key)).toBeUndefined();
    expect(await keys.activeCount()).toBe(0);
    expect((await keys.list('p1'))[0]?.revokedAt).toEqual(expect.any(Number));
  });

  it('audits every change, newest first, in pages', async () => {
    const first = await audit.list('p1', { limit: 3 });
    expect(first.entries).toHaveLength(3);
    expect(first.entries[0]?.action).toBe('client_key.revoke');
    const second = await audit.list('p1', { limit: 100, before: first.next! });
    const actions = [...first.entries, ...second.entries].map((entry) => entry.action);
    expect(actions).toContain('feature.restore');
    expect(actions.at(-1)).toBe('feature.create');
    expect(second.next).toBeNull();
  });
});
