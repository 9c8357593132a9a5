import type { Kysely, Migration } from 'kysely';

/**
 * The usage ledger learns what the response cache saved and what guardrails did: the cost a cache hit would have
 * had (`cost_saved_usd`), the guardrails that blocked or redacted (`guardrail_decisions`, JSON of
 * `GuardrailDecision[]`), and what their own model calls cost (`guardrail_cost_usd`).
 */
export const cacheGuardrails: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('usage_records').addColumn('cost_saved_usd', 'double precision').execute();
    await db.schema.alterTable('usage_records').addColumn('guardrail_decisions', 'text').execute();
    await db.schema.alterTable('usage_records').addColumn('guardrail_cost_usd', 'double precision').execute();
  },
  async down(db: Kysely<unknown>) {
    for (const column of ['guardrail_cost_usd', 'guardrail_decisions', 'cost_saved_usd']) await db.schema.alterTable('usage_records').dropColumn(column).execute();
  },
};
