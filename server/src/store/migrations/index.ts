import type { Migration, MigrationProvider } from 'kysely';
import { initial } from './0001-initial.js';
import { conversations } from './0002-conversations.js';

/** Every migration, in order; names sort in the order they run. Add new ones at the end, never edit old ones. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-conversations': conversations,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
