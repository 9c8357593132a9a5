import { SqliteAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * What a crash must not lose. `open_requests` holds each request from the moment it is sent to OpenRouter until its
 * usage record is written (the same write removes it), with what a record needs; `gateway_instances` holds each
 * instance's heartbeat, so the rows of an instance that stopped beating (killed, crashed, cut off) are turned into
 * ledger records by another instance or by the next start. The ledger keeps the generations a record adds up
 * (`failed_generations`), and finds the rows still waiting for OpenRouter's figures through a partial index that
 * holds those alone (most rows carry OpenRouter's own cost and never enter it).
 */
export const openRequests: Migration = {
  async up(db: Kysely<unknown>) {
    // A note is written and removed once per request: on SQLite, keyed by its id alone (one b-tree, not a table and its
    // key's index), so each write changes one page. The table holds only what is in flight, so it needs no other index.
    const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
    await db.schema
      .createTable('open_requests')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('instance_id', 'text', (column) => column.notNull())
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('endpoint', 'text', (column) => column.notNull())
      .addColumn('feature', 'text')
      .addColumn('user_id', 'text')
      .addColumn('client_key_id', 'text')
      .addColumn('requested_model', 'text', (column) => column.notNull())
      .addColumn('streamed', 'integer', (column) => column.notNull())
      .addColumn('job_id', 'text')
      .addColumn('worst_case_usd', 'double precision', (column) => column.notNull())
      .addColumn('generation_id', 'text')
      .addColumn('started_at', 'bigint', (column) => column.notNull())
      .$call((table) => (sqlite ? table.modifyEnd(sql`without rowid`) : table))
      .execute();
    await db.schema
      .createTable('gateway_instances')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('host', 'text', (column) => column.notNull())
      .addColumn('pid', 'integer', (column) => column.notNull())
      .addColumn('started_at', 'bigint', (column) => column.notNull())
      .addColumn('seen_until', 'bigint', (column) => column.notNull())
      .execute();
    await db.schema.alterTable('usage_records').addColumn('failed_generations', 'text').execute();
    await db.schema
      .createIndex('usage_records_awaiting_cost')
      .on('usage_records')
      .column('created_at')
      .where(sql.ref('cost_source'), '=', sql.lit('estimated'))
      .where(sql.ref('reconciled_at'), 'is', null)
      .where(sql.ref('generation_id'), 'is not', null)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('usage_records_awaiting_cost').ifExists().execute();
    await db.schema.alterTable('usage_records').dropColumn('failed_generations').execute();
    await db.schema.dropTable('gateway_instances').ifExists().execute();
    await db.schema.dropTable('open_requests').ifExists().execute();
  },
};
