import type { Kysely, Migration } from 'kysely';

/**
 * Batch jobs: a job row (who asked, its kind, status and the lease of the instance working on it) and one row per
 * item (its request, result or error, and the generation id persisted before the answer is read, so a worker that
 * takes over after a crash can tell whether OpenRouter already billed it). The usage ledger names the job of each
 * record it holds for an item (`job_id`).
 */
export const batchJobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('batch_jobs')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('user_id', 'text')
      .addColumn('client_key_id', 'text')
      .addColumn('role', 'text', (column) => column.notNull())
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('paused_until', 'bigint')
      .addColumn('options', 'text', (column) => column.notNull())
      .addColumn('total', 'integer', (column) => column.notNull())
      .addColumn('worst_case_usd', 'double precision', (column) => column.notNull())
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema.createIndex('batch_jobs_project_time').on('batch_jobs').columns(['project_id', 'created_at']).execute();
    await db.schema.createIndex('batch_jobs_status').on('batch_jobs').columns(['status', 'locked_until']).execute();
    await db.schema
      .createTable('batch_job_items')
      .addColumn('job_id', 'text', (column) => column.notNull().references('batch_jobs.id').onDelete('cascade'))
      .addColumn('position', 'integer', (column) => column.notNull())
      .addColumn('key', 'text', (column) => column.notNull())
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('input', 'text', (column) => column.notNull())
      .addColumn('output', 'text')
      .addColumn('error_code', 'text')
      .addColumn('error', 'text')
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('sent_at', 'bigint')
      .addColumn('generation_id', 'text')
      .addColumn('request_id', 'text')
      .addColumn('model', 'text')
      .addColumn('prompt_tokens', 'integer')
      .addColumn('completion_tokens', 'integer')
      .addColumn('cost_usd', 'double precision')
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('batch_job_items_pk', ['job_id', 'position'])
      .execute();
    await db.schema.createIndex('batch_job_items_status').on('batch_job_items').columns(['job_id', 'status']).execute();
    await db.schema.alterTable('usage_records').addColumn('job_id', 'text').execute();
    await db.schema.createIndex('usage_records_job').on('usage_records').column('job_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('usage_records_job').ifExists().execute();
    await db.schema.alterTable('usage_records').dropColumn('job_id').execute();
    await db.schema.dropTable('batch_job_items').ifExists().execute();
    await db.schema.dropTable('batch_jobs').ifExists().execute();
  },
};
