import type { Kysely, Migration } from 'kysely';

/**
 * The file store: blobs stored once per project by the SHA-256 of their bytes (the bytes in `bytea`, which SQLite
 * keeps as a blob, or null when a folder holds them), each owner's reference with the media type and name it gave,
 * what holds each reference (an upload, a saved conversation), and each owner's totals for the cap. Also the
 * gateway's own secrets (the key that signs file URLs when no master key is configured).
 */
export const files: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('file_blobs')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('size', 'bigint', (column) => column.notNull())
      .addColumn('bytes', 'bytea')
      .addColumn('owner_count', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('file_blobs_pk', ['project_id', 'id'])
      .execute();
    await db.schema
      .createTable('file_owners')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('file_id', 'text', (column) => column.notNull())
      .addColumn('media_type', 'text', (column) => column.notNull())
      .addColumn('name', 'text')
      .addColumn('size', 'bigint', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('file_owners_pk', ['project_id', 'owner', 'file_id'])
      .execute();
    // A signed URL names only the file: its owners are found by id.
    await db.schema.createIndex('file_owners_file').on('file_owners').columns(['file_id', 'project_id']).execute();
    await db.schema
      .createTable('file_holds')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('file_id', 'text', (column) => column.notNull())
      .addColumn('holder', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('file_holds_pk', ['project_id', 'owner', 'file_id', 'holder'])
      .execute();
    await db.schema.createIndex('file_holds_holder').on('file_holds').columns(['project_id', 'owner', 'holder']).execute();
    await db.schema
      .createTable('file_owner_totals')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('file_count', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('byte_count', 'bigint', (column) => column.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('file_owner_totals_pk', ['project_id', 'owner'])
      .execute();
    await db.schema
      .createTable('gateway_secrets')
      .addColumn('name', 'text', (column) => column.primaryKey())
      .addColumn('value', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['gateway_secrets', 'file_owner_totals', 'file_holds', 'file_owners', 'file_blobs']) await db.schema.dropTable(table).ifExists().execute();
  },
};
