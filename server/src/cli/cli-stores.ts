import path from 'node:path';
import { sql } from 'kysely';
import { KeyEncryption } from '../crypto/key-encryption.js';
import { DEFAULT_SQLITE_PATH, openDatabase, type OpenDatabase } from '../store/database.js';
import { connectionFailureOf, DatabaseConnectionError, parseDatabaseTarget, postgresUserOf } from '../store/database-target.js';
import { openGatewayStores, type GatewayStores } from '../store/gateway-stores.js';
import { withoutUrlCredentials } from '../url-credentials.js';
import { CliError, usageError } from './cli-error.js';
import type { CliEnvironment } from './serve.js';

/** The options every store-backed subcommand takes, for `parseArgs`. */
export const STORE_OPTIONS = {
  database: { type: 'string' },
  project: { type: 'string' },
} as const;

export const STORE_OPTIONS_HELP = `  --database URL   a postgres:// URL or a SQLite file (default: $DATABASE_URL, else ./${DEFAULT_SQLITE_PATH})
  --project ID     the project to work on (default: "default")`;

/** Which database and project a subcommand works on. */
export interface StoreTarget {
  /** Undefined: the default SQLite file, as `serve` uses. */
  database: string | undefined;
  projectId: string;
}

export const DEFAULT_PROJECT_ID = 'default';

/** The master key from the environment; a malformed one is an error that does not echo it. */
export function encryptionFrom(env: CliEnvironment): KeyEncryption | undefined {
  try {
    return KeyEncryption.fromEnvironment(env);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1, { cause: error });
  }
}

/** Reads `--database` (else `DATABASE_URL`) and `--project` (else "default"); an unknown database scheme exits 1. */
export function storeTarget(values: { database?: string | undefined; project?: string | undefined }, env: CliEnvironment): StoreTarget {
  const database = values.database ?? (env['DATABASE_URL'] === '' ? undefined : env['DATABASE_URL']);
  if (database === '') throw usageError('--database must not be empty');
  try {
    parseDatabaseTarget(database);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1, { cause: error });
  }
  const projectId = values.project ?? DEFAULT_PROJECT_ID;
  if (projectId.trim() === '') throw usageError('--project must not be empty');
  return { database, projectId };
}

/** The name of the table every gateway database has from its first migration on. */
const MIGRATIONS_TABLE = 'insforge_ai_migrations';

/**
 * Opens an existing gateway database (bringing its schema up to date), runs `work`, and closes the stores whatever
 * happens. A database that does not exist, or holds no gateway tables, is an error: only `migrate` and `serve`
 * create one, so a mistyped `--database` never becomes a new empty database. The project is created when it does
 * not exist yet, as `serve` does for its default project.
 * @example
 * await withGatewayStores(target, (stores) => stores.features.list(target.projectId));
 */
export async function withGatewayStores<T>(target: StoreTarget, work: (stores: GatewayStores) => Promise<T>): Promise<T> {
  let stores: GatewayStores;
  try {
    stores = await openGatewayStores({ database: await openExistingDatabase(target.database), defaultProjectId: target.projectId });
  } catch (error) {
    throw error instanceof CliError ? error : cannotOpenDatabase(target.database, error);
  }
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

async function openExistingDatabase(url: string | undefined): Promise<OpenDatabase> {
  const { location } = parseDatabaseTarget(url);
  const missing = () =>
    new CliError(`there is no InsForge AI database at ${describe(url)}; check --database or DATABASE_URL, or create one with "insforge-ai migrate${url === undefined ? '' : ' --database …'}"`);
  let database: OpenDatabase;
  try {
    database = openDatabase(url, { create: false });
  } catch (error) {
    if (/^there is no database at /.test(error instanceof Error ? error.message : '')) throw missing();
    throw error;
  }
  try {
    await sql`select 1`.execute(database.db).catch((error: unknown) => {
      throw connectionFailureOf(location, error, postgresUserOf(url ?? '')) ?? error;
    });
    const tables = await database.db.introspection.getTables();
    if (!tables.some((table) => table.name === MIGRATIONS_TABLE)) throw missing();
    return database;
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/** The failure to open `--database` (undefined: the default SQLite file), with the reason and never a password. */
export function cannotOpenDatabase(database: string | undefined, error: unknown): CliError {
  // A connection or login failure already says where and what; anything else is prefixed with the location.
  const message = error instanceof DatabaseConnectionError ? error.message : `cannot open the database ${describe(database)}: ${error instanceof Error ? error.message : String(error)}`;
  return new CliError(withoutUrlCredentials(message), 1, { cause: error });
}

/** Where a database setting points, for messages: the default file, a path, or a URL without its credentials. */
function describe(database: string | undefined): string {
  if (database === undefined) return `${path.resolve(DEFAULT_SQLITE_PATH)} (the default)`;
  try {
    const target = parseDatabaseTarget(database);
    return target.dialect === 'sqlite' && target.file !== ':memory:' ? path.resolve(target.file) : target.location;
  } catch {
    return withoutUrlCredentials(database);
  }
}
