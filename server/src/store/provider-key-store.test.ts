import { randomBytes, randomUUID } from 'node:crypto';
import { generateKey } from '@insforge/openrouter-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../../test/databases.js';
import { KeyEncryption, type MasterKey } from '../crypto/key-encryption.js';
import { GatewayError } from '../errors.js';
import type { KeyFacts } from '../upstream/key-validation.js';
import { AuditLog } from './audit-log.js';
import { ChangeNotifier } from './change-notifier.js';
import type { OpenDatabase } from './database.js';
import { maskProviderKey, ProviderKeyStore } from './provider-key-store.js';

const FACTS: KeyFacts = { label: 'Production', limit: 10, limitRemaining: 7.5, usage: 2.5, isFreeTier: false };

const masterKey = (id: string): MasterKey => ({ id, key: randomBytes(32) });

describe.each(DIALECTS)('ProviderKeyStore on %s', (dialect) => {
  let database: OpenDatabase;
  let drop: () => Promise<void>;
  let audit: AuditLog;
  const notifiers: ChangeNotifier[] = [];
  const stores: ProviderKeyStore[] = [];

  beforeAll(async () => {
    // A Postgres that cannot be reached fails the suite: its half is never skipped.
    ({ database, drop } = await createTestDatabase(dialect));
    audit = new AuditLog(database.db);
  });
  // Each instance's notifier holds a pooled connection for LISTEN on Postgres: give them back after every test.
  afterEach(async () => {
    for (const store of stores.splice(0)) store.close();
    for (const notifier of notifiers.splice(0)) await notifier.close();
  });
  afterAll(() => drop?.());

  /** A store as one gateway instance would build it: its own notifier (listening on Postgres). */
  async function instance(encryption: KeyEncryption | undefined, options: { ttlMs?: number } = {}) {
    const notifier = new ChangeNotifier(database.pool);
    await notifier.start();
    notifiers.push(notifier);
    const store = new ProviderKeyStore(database.db, encryption, audit, notifier, options);
    stores.push(store);
    return { store, notifier };
  }

  const rawRow = (projectId: string) => database.db.selectFrom('provider_keys').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  const auditRows = (projectId: string) => database.db.selectFrom('audit_log').selectAll().where('project_id', '=', projectId).execute();
  /** One audited action of a project, and the sorted list of all (entries within one millisecond have no order). */
  const audited = async (projectId: string, action: string) => (await auditRows(projectId)).find((entry) => entry.action === action)!;
  const auditedActions = async (projectId: string) => (await auditRows(projectId)).map((entry) => entry.action).sort();

  it('stores only ciphertext: the raw row and the audit log never contain the key', async () => {
    const { store } = await instance(new KeyEncryption([masterKey('k1')]));
    const projectId = randomUUID();
    const key = generateKey();
    const description = await store.set(projectId, key, FACTS, 'alice');
    expect(description).toMatchObject({ masked: maskProviderKey(key), ...FACTS, keyId: 'k1', updatedBy: 'alice' });
    expect(description.masked).toBe(`sk-or-…${key.slice(-4)}`);

    const row = await rawRow(projectId);
    expect(row).toMatchObject({ key_id: 'k1', masked: description.masked, label: 'Production', limit_usd: 10, limit_remaining_usd: 7.5, usage_usd: 2.5, is_free_tier: 0 });
    expect(JSON.stringify(row)).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(9));
    expect(await auditedActions(projectId)).toEqual(['provider_key.set']);
    expect(JSON.parse((await audited(projectId, 'provider_key.set')).after!)).toEqual({ masked: description.masked, label: 'Production' });
    expect(JSON.stringify(await auditRows(projectId))).not.toContain(key);
  });

  it('describes and decrypts the stored key; replacing it is audited with masked forms only', async () => {
    const { store } = await instance(new KeyEncryption([masterKey('k1')]));
    const projectId = randomUUID();
    expect(await store.describe(projectId)).toBeUndefined();
    expect(await store.secret(projectId)).toBeUndefined();

    const first = generateKey();
    await store.set(projectId, first, FACTS, 'alice');
    expect(await store.secret(projectId)).toBe(first);
    const second = generateKey();
    await store.set(projectId, second, { ...FACTS, label: 'Staging' }, 'bob');
    expect(await store.secret(projectId)).toBe(second);
    expect(await store.describe(projectId)).toMatchObject({ masked: maskProviderKey(second), label: 'Staging', updatedBy: 'bob' });

    expect(await auditedActions(projectId)).toEqual(['provider_key.replace', 'provider_key.set']);
    const replace = await audited(projectId, 'provider_key.replace');
    expect(JSON.parse(replace.before!)).toEqual({ masked: maskProviderKey(first), label: 'Production' });
    expect(JSON.parse(replace.after!)).toEqual({ masked: maskProviderKey(second), label: 'Staging' });
    const entries = await auditRows(projectId);
    expect(JSON.stringify(entries)).not.toContain(first);
    expect(JSON.stringify(entries)).not.toContain(second);
  });

  it('removes a key, audits it, and then has nothing to decrypt', async () => {
    const { store } = await instance(new KeyEncryption([masterKey('k1')]));
    const projectId = randomUUID();
    await store.set(projectId, generateKey(), FACTS, 'alice');
    expect(await store.secret(projectId)).toBeDefined();
    expect(await store.remove(projectId, 'alice')).toBe(true);
    expect(await store.remove(projectId, 'alice')).toBe(false);
    expect(await store.describe(projectId)).toBeUndefined();
    expect(await store.secret(projectId)).toBeUndefined();
    expect(await auditedActions(projectId)).toEqual(['provider_key.remove', 'provider_key.set']);
  });

  it('records fresh facts after a test', async () => {
    const { store } = await instance(new KeyEncryption([masterKey('k1')]));
    const projectId = randomUUID();
    expect(await store.updateFacts(projectId, FACTS)).toBe(false);
    await store.set(projectId, generateKey(), FACTS, 'alice');
    expect(await store.updateFacts(projectId, { label: 'Production', limit: 10, limitRemaining: 1, usage: 9, isFreeTier: true })).toBe(true);
    expect(await store.describe(projectId)).toMatchObject({ limitRemaining: 1, usage: 9, isFreeTier: true });
  });

  it('refuses to store without a master key, saying how to set one', async () => {
    const { store } = await instance(undefined);
    const projectId = randomUUID();
    const error = await store.set(projectId, generateKey(), FACTS, 'alice').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'encryption_key_missing', message: expect.stringContaining('INSFORGE_AI_ENCRYPTION_KEY') });
    expect((error as Error).message).toContain('openssl rand -base64 32');
    expect(await rawRow(projectId)).toBeUndefined();
    await expect(store.rotate('alice')).rejects.toMatchObject({ code: 'encryption_key_missing' });
  });

  it('will not decrypt a ciphertext copied into another project\'s row', async () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const { store } = await instance(encryption);
    const [victim, attacker] = [randomUUID(), randomUUID()];
    await store.set(victim, generateKey(), FACTS, 'alice');
    await store.set(attacker, generateKey(), FACTS, 'mallory');
    const { ciphertext, iv, tag } = (await rawRow(victim))!;
    await database.db.updateTable('provider_keys').set({ ciphertext, iv, tag }).where('project_id', '=', attacker).execute();
    const { store: fresh } = await instance(encryption);
    await expect(fresh.secret(attacker)).rejects.toMatchObject({ code: 'encryption_key_missing' });
  });

  it('rotation re-encrypts rows under previous keys, reports rows under unknown keys, and secret() keeps working', async () => {
    const [old, lost, next] = [masterKey('old'), masterKey('lost'), masterKey('next')];
    const { store: before } = await instance(new KeyEncryption([old]));
    const { store: unrelated } = await instance(new KeyEncryption([lost]));
    const [rotatedProject, lostProject] = [randomUUID(), randomUUID()];
    const [key, lostKey] = [generateKey(), generateKey()];
    await before.set(rotatedProject, key, FACTS, 'alice');
    await unrelated.set(lostProject, lostKey, FACTS, 'alice');
    const oldRow = (await rawRow(rotatedProject))!;
    const lostRow = (await rawRow(lostProject))!;

    const { store: after } = await instance(new KeyEncryption([next, old]));
    const report = await after.rotate('ops');
    expect(report.reencrypted).toContain(rotatedProject);
    expect(report.skipped).toContainEqual({ projectId: lostProject, keyId: 'lost', reason: 'unknown_master_key' });

    const newRow = (await rawRow(rotatedProject))!;
    expect(newRow.key_id).toBe('next');
    expect(newRow.ciphertext).not.toBe(oldRow.ciphertext);
    expect(newRow).toMatchObject({ masked: oldRow.masked, label: oldRow.label, validated_at: oldRow.validated_at });
    expect(JSON.stringify(newRow)).not.toContain(key);
    expect(await rawRow(lostProject)).toEqual(lostRow);
    expect(await after.secret(rotatedProject)).toBe(key);
    // Once every row is re-encrypted the old master key can go.
    const { store: withoutOld } = await instance(new KeyEncryption([next]));
    expect(await withoutOld.secret(rotatedProject)).toBe(key);

    const reencrypt = await audited(rotatedProject, 'provider_key.reencrypt');
    expect(reencrypt).toMatchObject({ actor: 'ops' });
    expect(JSON.parse(reencrypt.before!)).toEqual({ masked: oldRow.masked, keyId: 'old' });
    expect(JSON.parse(reencrypt.after!)).toEqual({ masked: oldRow.masked, keyId: 'next' });
    expect((await after.rotate('ops')).reencrypted).not.toContain(rotatedProject);
  });

  it('keeps a decrypted key briefly, dropping it when a change is announced or its time is up', async () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const { store: reader, notifier } = await instance(encryption, { ttlMs: 200 });
    // Another instance whose announcements this one does not hear (no notifier in common, nor Postgres LISTEN).
    const writer = new ProviderKeyStore(database.db, encryption, audit, new ChangeNotifier());
    stores.push(writer);
    const projectId = randomUUID();
    const [first, second, third] = [generateKey(), generateKey(), generateKey()];
    await writer.set(projectId, first, FACTS, 'alice');
    expect(await reader.secret(projectId)).toBe(first);
    await writer.set(projectId, second, FACTS, 'alice');
    expect(await reader.secret(projectId)).toBe(first);
    await notifier.publish({ kind: 'provider_key', projectId });
    expect(await reader.secret(projectId)).toBe(second);
    await writer.set(projectId, third, FACTS, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await reader.secret(projectId)).toBe(third);
  });

  it.runIf(dialect === 'postgres')('another instance on the same Postgres sees a replaced key at once through notifications', async () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const { store: writer } = await instance(encryption);
    const { store: reader } = await instance(encryption);
    const projectId = randomUUID();
    const [first, second] = [generateKey(), generateKey()];
    await writer.set(projectId, first, FACTS, 'alice');
    expect(await reader.secret(projectId)).toBe(first);
    await writer.set(projectId, second, FACTS, 'alice');
    await expect.poll(() => reader.secret(projectId), { timeout: 2_000, interval: 20 }).toBe(second);
  });
});
