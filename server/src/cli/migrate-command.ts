import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SQLITE_PATH, migrateToLatest, openDatabase, type OpenDatabase } from '../store/database.js';
import { DatabaseConnectionError, parseDatabaseTarget } from '../store/database-target.js';
import { migrationProvider } from '../store/migrations/index.js';
import { withoutUrlCredentials } from '../url-credentials.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { cannotOpenDatabase, STORE_OPTIONS, storeTarget } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs } from './subcommand.js';

export const MIGRATE_USAGE = `Usage: insforge-ai migrate [options]

Brings the database schema up to date and prints each migration it applies ("up to date" when there is none).
Creates the database (a SQLite file, or the tables in a Postgres database) when there is none yet, and says where;
"serve" does too, while every other command needs an existing database (and brings its schema up to date).

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
  const target = parseDatabaseTarget(url);
  const newFile = target.dialect === 'sqlite' && target.file !== ':memory:' && !existsSync(target.file) ? path.resolve(target.file) : undefined;
  let database: OpenDatabase;
  try {
    database = openDatabase(url);
  } catch (error) {
    throw cannotOpenDatabase(url, error);
  }
  try {
    let results;
    let newer: readonly string[] = [];
    try {
      results = await migrateToLatest(database, { onNewer: (migrations) => (newer = migrations) });
    } catch (error) {
      // A connection or login failure names the server; a failing migration names itself.
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(withoutUrlCredentials(error instanceof DatabaseConnectionError ? message : `${database.location}: ${message}`), 1, { cause: error });
    }
    const applied = results.filter((result) => result.status === 'Success');
    if (newFile !== undefined) io.out(`created a new SQLite database at ${newFile}`);
    else if (applied.length > 0 && applied.length === (await migrationCount())) io.out(`created the InsForge AI tables in ${database.location}`);
    for (const migration of applied) io.out(`applied ${migration.migrationName}`);
    io.out(applied.length === 0 ? `${database.location}: up to date, no migration to apply` : `${database.location}: applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`);
    if (newer.length > 0) io.err(`note: a newer version of @insforge/ai-server migrated this database further (${newer.join(', ')}); this version runs on the schema it knows`);
    return 0;
  } finally {
    await database.close();
  }
}

async function migrationCount(): Promise<number> {
  return Object.keys(await migrationProvider.getMigrations()).length;
}
