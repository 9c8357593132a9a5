import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Conversation caps per owner, and owners named by their kind. Each conversation keeps the bytes of its messages,
 * and `conversation_owners` keeps each owner's count and bytes, updated in the same transaction as every write, so
 * a cap is checked without reading an owner's rows. Owners become `user:<id>`, `key:<id>` or `anonymous` (before,
 * a user id and a client key id could be the same string). The old rule wrote a user id when there was one, else the
 * client key's id, so: a stored owner that names a client key of the project in `client_keys`, or that has the id of
 * a key given in options (`admin-token`, or the default `key_` and 8 hex digits) becomes `key:…`; `anonymous` stays;
 * any other owner was a user id and becomes `user:…`. A key given in options with an id of its own cannot be told from
 * a user id here; its conversations become `user:<that id>`.
 */
export const conversationOwners: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('conversations').addColumn('byte_count', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
    // octet_length counts bytes on both databases (SQLite's length counts characters); every supported
    // better-sqlite3 bundles a SQLite that has it.
    await sql`update conversations set byte_count = coalesce((select sum(octet_length(m.body)) from conversation_messages m where m.conversation_key = conversations.key), 0)`.execute(db);
    await sql`update conversations set owner = case
        when owner = 'anonymous' then owner
        when exists (select 1 from client_keys k where k.id = conversations.owner and k.project_id = conversations.project_id) then 'key:' || owner
        when owner = 'admin-token' or (length(owner) = 12 and substr(owner, 1, 4) = 'key_') then 'key:' || owner
        else 'user:' || owner end`.execute(db);
    await db.schema
      .createTable('conversation_owners')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('conversation_count', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('byte_count', 'bigint', (column) => column.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('conversation_owners_pk', ['project_id', 'owner'])
      .execute();
    await sql`insert into conversation_owners (project_id, owner, conversation_count, byte_count)
      select project_id, owner, count(*), coalesce(sum(byte_count), 0) from conversations group by project_id, owner`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`update conversations set owner = case
        when substr(owner, 1, 5) = 'user:' then substr(owner, 6)
        when substr(owner, 1, 4) = 'key:' then substr(owner, 5)
        else owner end`.execute(db);
    await db.schema.dropTable('conversation_owners').ifExists().execute();
    await db.schema.alterTable('conversations').dropColumn('byte_count').execute();
  },
};
