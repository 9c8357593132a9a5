import type { Kysely, Migration } from 'kysely';

/** Per-project limits, budget alerts and the emergency stop. */
export const limits: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('limit_policies')
      .addColumn('project_id', 'text', (column) => column.primaryKey())
      .addColumn('policy', 'text', (column) => column.notNull())
      .addColumn('alerts', 'text', (column) => column.notNull())
      .addColumn('stopped', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('stop_reason', 'text')
      .addColumn('version', 'integer', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_by', 'text', (column) => column.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('limit_policies').ifExists().execute();
  },
};
