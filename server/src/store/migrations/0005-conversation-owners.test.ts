import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/databases.js';
import { migrateToLatest } from '../database.js';
import { SqlConversationStore } from '../conversation-store.js';
import { migrationProvider } from './index.js';

const migratorOf = (test: TestDatabase) =>
  new Migrator({ db: test.database.db, provider: migrationProvider, migrationTableName: 'insforge_ai_migrations', migrationLockTableName: 'insforge_ai_migration_lock' });

/** Rows as the gateway wrote them before owners had a kind: the user id, else the client key's id, else `anonymous`. */
async function writeOldRows(test: TestDatabase): Promise<void> {
  const { db } = test.database;
  await db
    .insertInto('client_keys')
    .values({ id: 'stored-key', project_id: 'p1', label: 'a key without a user', key_hash: 'h'.repeat(64), prefix: 'ik_x', role: 'user', user_id: null, created_at: 1, created_by: 'test', last_used_at: null } as never)
    .execute();
  const conversation = async (key: string, projectId: string, owner: string, bodies: string[]) => {
    await db.insertInto('conversations').values({ key, id: 'same-id', project_id: projectId, owner, title: null, feature: null, created_at: 1, updated_at: 1, message_count: bodies.length } as never).execute();
    for (const [position, body] of bodies.entries()) {
      await db.insertInto('conversation_messages').values({ conversation_key: key, position, message_id: `m${position}`, body, created_at: 1 }).execute();
    }
  };
  // "stored-key" is a client key of p1; in p2 the same string was a user's id.
  await conversation('k1', 'p1', 'stored-key', ['{"id":"m0","text":"é🙂"}', '{"id":"m1"}']);
  await conversation('k2', 'p2', 'stored-key', ['{"id":"m0"}']);
  await conversation('k3', 'p1', 'alice', ['{"id":"m0","text":"hello"}']);
  await conversation('k4', 'p1', 'anonymous', []);
  await conversation('k5', 'p1', 'admin-token', ['{"id":"m0"}']);
  await conversation('k6', 'p1', 'key_0123abcd', ['{"id":"m0"}']);
}

describe.each(DIALECTS)('migration 0005-conversation-owners on %s', (dialect) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('names existing owners by kind (a known client key id is a key, anything else a user) and counts their totals', async () => {
    test = await createTestDatabase(dialect);
    const down = await migratorOf(test).migrateTo('0004-limits');
    expect(down.error).toBeUndefined();
    await writeOldRows(test);
    await migrateToLatest(test.database);

    const { db } = test.database;
    const owners = await db.selectFrom('conversations').select(['key', 'owner', 'byte_count']).orderBy('key').execute();
    expect(owners.map((row) => [row.key, row.owner])).toEqual([
      ['k1', 'key:stored-key'],
      ['k2', 'user:stored-key'],
      ['k3', 'user:alice'],
      ['k4', 'anonymous'],
      ['k5', 'key:admin-token'],
      ['k6', 'key:key_0123abcd'],
    ]);
    // Bytes, not characters: "é🙂" is 6 bytes in UTF-8.
    const k1Bytes = Buffer.byteLength('{"id":"m0","text":"é🙂"}') + Buffer.byteLength('{"id":"m1"}');
    expect(Number(owners[0]!.byte_count)).toBe(k1Bytes);
    expect(Number(owners[3]!.byte_count)).toBe(0);

    const totals = await db.selectFrom('conversation_owners').selectAll().orderBy('project_id').orderBy('owner').execute();
    expect(totals.map((row) => ({ ...row, conversation_count: Number(row.conversation_count), byte_count: Number(row.byte_count) }))).toEqual([
      { project_id: 'p1', owner: 'anonymous', conversation_count: 1, byte_count: 0 },
      { project_id: 'p1', owner: 'key:admin-token', conversation_count: 1, byte_count: 11 },
      { project_id: 'p1', owner: 'key:key_0123abcd', conversation_count: 1, byte_count: 11 },
      { project_id: 'p1', owner: 'key:stored-key', conversation_count: 1, byte_count: k1Bytes },
      { project_id: 'p1', owner: 'user:alice', conversation_count: 1, byte_count: Buffer.byteLength('{"id":"m0","text":"hello"}') },
      { project_id: 'p2', owner: 'user:stored-key', conversation_count: 1, byte_count: 11 },
    ]);

    // The store reads the moved rows under the new owner names, and keeps counting from the migrated totals.
    const store = new SqlConversationStore(db, { conversationsPerOwner: 1 });
    expect((await store.get({ projectId: 'p1', owner: 'key:stored-key' }, 'same-id'))?.messages).toEqual([{ id: 'm0', text: 'é🙂' }, { id: 'm1' }]);
    expect(await store.get({ projectId: 'p1', owner: 'user:stored-key' }, 'same-id')).toBeUndefined();
    await expect(store.create({ projectId: 'p1', owner: 'user:alice' }, { id: 'second' })).rejects.toMatchObject({ code: 'conversation_limit_exceeded', status: 409 });
  });

  it('goes back down to the old owner names', async () => {
    test = await createTestDatabase(dialect);
    await migratorOf(test).migrateTo('0004-limits');
    await writeOldRows(test);
    await migrateToLatest(test.database);
    const down = await migratorOf(test).migrateTo('0004-limits');
    expect(down.error).toBeUndefined();
    const rows = await sql<{ key: string; owner: string }>`select key, owner from conversations order by key`.execute(test.database.db);
    expect(rows.rows.map((row) => row.owner)).toEqual(['stored-key', 'stored-key', 'alice', 'anonymous', 'admin-token', 'key_0123abcd']);
  });
});
