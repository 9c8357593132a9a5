import type { Kysely, Migration } from 'kysely';

/**
 * Conversations per project and owner, with their messages in order. A conversation's `key` is a surrogate
 * (the client-chosen `id` is unique only per owner), so messages point at one column and deleting cascades.
 */
export const conversations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('conversations')
      .addColumn('key', 'text', (column) => column.primaryKey())
      .addColumn('id', 'text', (column) => column.notNull())
      .addColumn('project_id', 'text', (column) => column.notNull())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('title', 'text')
      .addColumn('feature', 'text')
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addColumn('updated_at', 'bigint', (column) => column.notNull())
      .addColumn('message_count', 'integer', (column) => column.notNull().defaultTo(0))
      .addUniqueConstraint('conversations_project_owner_id', ['project_id', 'owner', 'id'])
      .execute();
    await db.schema
      .createTable('conversation_messages')
      .addColumn('conversation_key', 'text', (column) => column.notNull().references('conversations.key').onDelete('cascade'))
      .addColumn('position', 'integer', (column) => column.notNull())
      .addColumn('message_id', 'text', (column) => column.notNull())
      .addColumn('body', 'text', (column) => column.notNull())
      .addColumn('created_at', 'bigint', (column) => column.notNull())
      .addPrimaryKeyConstraint('conversation_messages_pk', ['conversation_key', 'position'])
      .addUniqueConstraint('conversation_messages_message', ['conversation_key', 'message_id'])
      .execute();
    // The list reads one owner's conversations, most recently updated first.
    await db.schema.createIndex('conversations_owner_updated').on('conversations').columns(['project_id', 'owner', 'updated_at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('conversation_messages').ifExists().execute();
    await db.schema.dropTable('conversations').ifExists().execute();
  },
};
