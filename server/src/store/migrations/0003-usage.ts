import type { Kysely, Migration } from 'kysely';

/**
 * The usage ledger: one row per request, keyed by the gateway's request id so a batch retried after an
 * uncertain failure never writes a request twice. Costs are USD doubles; `cost_source` says whether the figure
 * is OpenRouter's own (`upstream`), reconciled later from `GET /generation` (`reconciled`), or ours (`estimated`).
 */
export const usage: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('usage_records')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('endpoint', 'text', (column) => column.notNull())
      .addColumn('feature', 'text')
      .addColumn('user_id', 'text')
      .addColumn('client_key_id', 'text')
      .addColumn('requested_model', 'text', (column) => column.notNull())
      .addColumn('served_model', 'text')
      .addColumn('provider', 'text')
      .addColumn('generation_id', 'text')
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('streamed', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('prompt_tokens', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('completion_tokens', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('reasoning_tokens', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('image_count', 'integer')
      .addColumn('image_resolution', 'text')
      .addColumn('cost_usd', 'double precision', (column) => column.notNull())
      .addColumn('cost_source', 'text', (column) => column.notNull())
      .addColumn('latency_ms', 'integer', (column) => column.notNull())
      .addColumn('time_to_first_token_ms', 'integer')
      .addColumn('error_code', 'text')
      .addColumn('cache_hit', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('reconciled_at', 'bigint')
      .execute();
    await db.schema.createIndex('usage_records_project_time').on('usage_records').columns(['project_id', 'created_at']).execute();
    await db.schema.createIndex('usage_records_project_feature_time').on('usage_records').columns(['project_id', 'feature', 'created_at']).execute();
    await db.schema.createIndex('usage_records_generation').on('usage_records').column('generation_id').execute();
    // Retention deletes across projects by age alone.
    await db.schema.createIndex('usage_records_time').on('usage_records').column('created_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('usage_records').ifExists().execute();
  },
};
