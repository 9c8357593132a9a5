import type { Kysely, Migration } from 'kysely';

/**
 * A request in flight keeps the tokens its caps reserved (its prompt's bound and the output it may make), beside its
 * worst-case cost: the record written for it when its instance stops carries them, so a token cap seeded from the
 * ledger counts it as the cap counted it, until reconciliation brings OpenRouter's figures. Notes written before this
 * migration carry none (0).
 */
export const openRequestTokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('open_requests').addColumn('worst_case_prompt_tokens', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('open_requests').addColumn('worst_case_completion_tokens', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('open_requests').dropColumn('worst_case_completion_tokens').execute();
    await db.schema.alterTable('open_requests').dropColumn('worst_case_prompt_tokens').execute();
  },
};
