import type { Kysely, Migration } from 'kysely';

/**
 * Each conversation remembers which writer saved it last and that save's place in the writer's order, so a save that
 * arrives after a later one of the same writer (an older save outliving a page that sent its latest on the way out)
 * no longer overwrites it.
 */
export const conversationRevisions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('conversations').addColumn('writer', 'text').execute();
    await db.schema.alterTable('conversations').addColumn('writer_sequence', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of ['writer_sequence', 'writer']) await db.schema.alterTable('conversations').dropColumn(column).execute();
  },
};
