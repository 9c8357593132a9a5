import type { Kysely, Migration } from 'kysely';

/**
 * A conversation removed by a writer in its order (`ConversationSave.order`) leaves the writer's place behind, and
 * nothing of its content, so an earlier save of the same writer that arrives after the removal (a page that sent
 * its removal on the way out while a save was still on the wire) does not bring the conversation back. Kept a day.
 */
export const conversationRemovals: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversation_removals')
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('writer', 'text', (column) => column.notNull())
      .addColumn('writer_sequence', 'bigint', (column) => column.notNull())
      .addColumn('removed_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('conversation_removals_pk', ['project_id', 'owner', 'id', 'writer'])
      .execute();
    await db.schema.createIndex('conversation_removals_removed_at').on('conversation_removals').column('removed_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('conversation_removals').ifExists().execute();
  },
};
