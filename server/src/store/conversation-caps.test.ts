import { randomBytes } from 'node:crypto';
import { Migrator } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_POSTGRES_URL, createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { SqlConversationStore, type ConversationMessage, type ConversationOwner } from './conversation-store.js';
import { migrateToLatest, openDatabase, type DialectName, type OpenDatabase } from './database.js';
import { migrationProvider } from './migrations/index.js';

const message = (id: string, bytes = 0): ConversationMessage => ({ id, role: 'user', content: 'x'.repeat(bytes) });
const opened: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(opened.map((database) => database.drop()));
});
async function storeOn(dialect: DialectName, limits: ConstructorParameters<typeof SqlConversationStore>[1] = {}): Promise<SqlConversationStore> {
  const database = await createTestDatabase(dialect);
  opened.push(database);
  return new SqlConversationStore(database.database.db, limits);
}

describe.each(DIALECTS)('conversation caps and paging on %s', (dialect) => {
  const alice: ConversationOwner = { projectId: 'p', owner: 'user:alice' };
  const bob: ConversationOwner = { projectId: 'p', owner: 'user:bob' };

  it('keeps each owner under a byte cap across create, save, append and delete; others are not affected', async () => {
    const store = await storeOn(dialect, { bytesPerOwner: 10_000 });
    await store.create(alice, { id: 'a', messages: [message('a1', 3_000)] });
    await store.save(alice, 'b', { messages: [message('b1', 3_000)] });
    await expect(store.append(alice, 'a', [message('a2', 5_000)])).rejects.toMatchObject({ code: 'request_too_large', status: 413, message: expect.stringContaining('MB') });
    // The refused write left nothing behind: the conversation and the totals are as before.
    expect((await store.get(alice, 'a'))!.messageCount).toBe(1);
    await store.append(alice, 'a', [message('a2', 3_000)]);
    await expect(store.create(alice, { id: 'c', messages: [message('c1', 2_000)] })).rejects.toMatchObject({ code: 'request_too_large' });
    await store.create(bob, { id: 'c', messages: [message('c1', 2_000)] });
    // Replacing a conversation counts what it holds now, not what it held; deleting frees its bytes.
    await store.save(alice, 'b', { messages: [message('b1', 100)] });
    await store.create(alice, { id: 'c', messages: [message('c1', 2_000)] });
    await store.remove(alice, 'a');
    await store.create(alice, { id: 'd', messages: [message('d1', 5_000)] });
  });

  it('keeps each owner under a conversation count cap, answered 409', async () => {
    const store = await storeOn(dialect, { conversationsPerOwner: 2 });
    await store.create(alice, { id: 'one' });
    await store.save(alice, 'two', { messages: [] });
    await expect(store.create(alice, { id: 'three' })).rejects.toMatchObject({ code: 'conversation_limit_exceeded', status: 409 });
    await expect(store.save(alice, 'three', { messages: [] })).rejects.toMatchObject({ code: 'conversation_limit_exceeded' });
    // Saving an existing conversation again is not a new one.
    await store.save(alice, 'two', { messages: [message('m')] });
    await store.remove(alice, 'one');
    await store.create(alice, { id: 'three' });
  });

  it('reads a long conversation a page at a time, the latest first, and pages back to the start in order', async () => {
    const store = await storeOn(dialect);
    const messages = Array.from({ length: 250 }, (_, index) => message(`m${index}`));
    await store.create(alice, { id: 'long', messages });
    const latest = (await store.get(alice, 'long'))!;
    expect(latest.messages.map((entry) => entry.id)).toEqual(messages.slice(150).map((entry) => entry.id));
    expect(latest).toMatchObject({ messageCount: 250, earlier: 150 });
    const seen = [...latest.messages];
    for (let before = latest.earlier; before !== null; ) {
      const page = (await store.get(alice, 'long', { before, limit: 60 }))!;
      seen.unshift(...page.messages);
      before = page.earlier;
    }
    expect(seen.map((entry) => entry.id)).toEqual(messages.map((entry) => entry.id));
  });
});

describe.each(DIALECTS)('the owner migration on %s', (dialect) => {
  it('names stored owners by kind: a client key of the project becomes key:…, anything else user:…, and totals are counted', async () => {
    let database: OpenDatabase;
    let drop = async () => undefined as unknown;
    if (dialect === 'sqlite') {
      database = openDatabase(':memory:');
      drop = () => database.close();
    } else {
      const name = `insforge_migrate_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(TEST_POSTGRES_URL);
      url.pathname = `/${name}`;
      database = openDatabase(url.toString());
      drop = async () => {
        await database.close();
        const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      };
    }
    try {
      const migrator = new Migrator({ db: database.db, provider: migrationProvider, migrationTableName: 'insforge_ai_migrations', migrationLockTableName: 'insforge_ai_migration_lock' });
      expect((await migrator.migrateTo('0004-limits')).error).toBeUndefined();
      await database.db.insertInto('client_keys').values({ id: 'ck1', project_id: 'p', label: 'web', key_hash: 'h', prefix: 'ik_', role: 'user', user_id: null, created_at: 1, created_by: 'admin', last_used_at: null, revoked_at: null } as never).execute();
      for (const [key, owner] of [['k1', 'ck1'], ['k2', 'alice'], ['k3', 'anonymous']] as const) {
        await database.db.insertInto('conversations').values({ key, id: key, project_id: 'p', owner, title: null, feature: null, created_at: 1, updated_at: 1, message_count: 1 } as never).execute();
        await database.db.insertInto('conversation_messages').values({ conversation_key: key, position: 0, message_id: 'm', body: '{"id":"m","content":"hello"}', created_at: 1 }).execute();
      }
      await migrateToLatest(database);
      const owners = await database.db.selectFrom('conversations').select(['key', 'owner', 'byte_count']).orderBy('key').execute();
      expect(owners.map((row) => [row.key, row.owner, Number(row.byte_count)])).toEqual([['k1', 'key:ck1', 28], ['k2', 'user:alice', 28], ['k3', 'anonymous', 28]]);
      const totals = await database.db.selectFrom('conversation_owners').selectAll().orderBy('owner').execute();
      expect(totals.map((row) => [row.owner, Number(row.conversation_count), Number(row.byte_count)])).toEqual([['anonymous', 1, 28], ['key:ck1', 1, 28], ['user:alice', 1, 28]]);
    } finally {
      await drop();
    }
  });
});
