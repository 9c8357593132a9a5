import { DEFAULT_SQLITE_PATH, migrateToLatest, openDatabase, type OpenDatabase } from '../store/database.js';
import type { CliIo } from './cli-io.js';
import { cannotOpenDatabase, STORE_OPTIONS, storeTarget } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs } from './subcommand.js';

export const MIGRATE_USAGE = `Usage: insforge-ai migrate [options]

Brings the database schema up to date and prints each migration it applies ("up to date" when there is none).
"serve" and every other command migrate on their own; run this to upgrade ahead of a deployment.

Options:
  --database URL   a postgres:// URL or a SQLite file (default: $DATABASE_URL, else ./${DEFAULT_SQLITE_PATH})
  -h, --help       show this help`;

/**
 * `insforge-ai migrate`: runs pending migrations and reports them.
 * @example
 * await migrateCommand(['--database', 'postgres://localhost/ai'], process.env, processIo);
 */
export async function migrateCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  // --project is accepted like on every other command, though the schema is shared by all projects.
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'migrate');
  const { database: url } = storeTarget(values, env);
  let database: OpenDatabase;
  try {
    database = openDatabase(url);
  } catch (error) {
    throw cannotOpenDatabase(url, error);
  }
  try {
    const applied = (await migrateToLatest(database)).filter((result) => result.status === 'Success');
    for (const migration of applied) io.out(`applied ${migration.migrationName}`);
    io.out(applied.length === 0 ? `${database.location}: up to date, no migration to apply` : `${database.location}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`);
    return 0;
  } finally {
    await database.close();
  }
}
