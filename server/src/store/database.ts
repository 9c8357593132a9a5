import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect, type MigrationInfo, type MigrationResult, type SqliteDatabase as KyselySqlite } from 'kysely';
import type pg from 'pg';
import { connectionFailureOf, parseDatabaseTarget, postgresUserOf } from './database-target.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open database: the typed query builder, which dialect it speaks, and how to close it. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, without any password: a file path or `postgres://host:port/db`. */
  location: string;
  /** The Postgres pool, for LISTEN/NOTIFY; undefined on SQLite. */
  pool: pg.Pool | undefined;
  /** SQLite's statements run at once, outside Kysely (see `SqliteStatements`); undefined on Postgres. */
  statements?: SqliteStatements | undefined;
  close(): Promise<void>;
}

/**
 * Statements run on SQLite's connection at once, without Kysely's turns of the event loop: for a small write that
 * its caller waits for on every request (the note of a request in flight), committed when `run` returns.
 */
export interface SqliteStatements {
  /** Whether a transaction is open on the connection: a statement run now would join it (Kysely's way waits instead). */
  readonly inTransaction: boolean;
  run(sql: string, parameters: readonly unknown[]): void;
  /** Runs the statements in order, in one transaction (one commit) when there are several. */
  runAll(statements: ReadonlyArray<{ sql: string; parameters: readonly unknown[] }>): void;
}

export { DEFAULT_SQLITE_PATH } from './database-target.js';

/**
 * Opens the database a URL names: Postgres for `postgres://` / `postgresql://`, otherwise a SQLite file
 * (`sqlite:path`, a plain path, or the default `./.insforge-ai/ai.db`; `:memory:` for tests). Another scheme
 * (`mysql://…`) throws. With `create: false`, a SQLite file that does not exist throws instead of being created.
 */
export function openDatabase(url?: string, options: { poolSize?: number; create?: boolean } = {}): OpenDatabase {
  const target = parseDatabaseTarget(url);
  if (target.dialect === 'postgres') {
    const pool = new (loadPg().Pool)({ connectionString: target.url, max: options.poolSize ?? 10, connectionTimeoutMillis: connectTimeoutMsOf(target.url) });
    // An idle client that loses its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    // Nor may a checked-out one (pg-pool listens only to idle clients): its query fails, and the pool drops it on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: target.location, pool, close: () => db.destroy() };
  }
  const { file } = target;
  // Only commands that set a database up create one: a mistyped path must not become a new empty database.
  const create = options.create ?? true;
  if (file !== ':memory:' && !create && !existsSync(file)) throw new Error(`there is no database at ${path.resolve(file)}`);
  if (file !== ':memory:' && create) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new (loadSqliteDriver())(file, { fileMustExist: !create });
  // First: switching to WAL waits for another process holding the file (another instance starting) instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  // WAL survives a killed process with every committed write; NORMAL sync is durable except on power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const database = preparedOnce(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  // The values as one array: better-sqlite3 binds its items in order, without a spread's iteration.
  const run = (sql: string, parameters: readonly unknown[]) => void (database.prepare(sql) as SqliteDatabase.Statement).run(parameters);
  const runEach = (list: ReadonlyArray<{ sql: string; parameters: readonly unknown[] }>) => {
    for (const { sql, parameters } of list) run(sql, parameters);
  };
  // Made once: better-sqlite3 builds a transaction function's wrapper anew on every `transaction()` call.
  const runInOne = sqlite.transaction(runEach);
  const statements: SqliteStatements = {
    get inTransaction() {
      return sqlite.inTransaction;
    },
    run,
    runAll: (list) => (list.length === 1 ? runEach(list) : runInOne(list)),
  };
  return { db, dialect: 'sqlite', location: file, pool: undefined, statements, close: () => db.destroy() };
}

/**
 * How long a Postgres connection may take to be made and answer: the URL's `connect_timeout` (seconds; 0 waits for
 * ever, as libpq reads it, which node-postgres does not), else 10 s. Without one, a server that takes the connection
 * but never answers (a proxy whose database is gone, a hung server) would hold a start, or a command, for ever.
 */
function connectTimeoutMsOf(url: string): number {
  const seconds = Number(new URL(url).searchParams.get('connect_timeout') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1_000) : 10_000;
}

/** How many distinct statements a SQLite database keeps prepared (the usage ledger's inserts alone take up to 200). */
const PREPARED_STATEMENTS = 512;

/**
 * The SQLite database as Kysely sees it, with each statement prepared once and kept: Kysely prepares on every query,
 * which costs more than running a small one. A kept statement still being iterated is not shared (a fresh one is
 * prepared); past `PREPARED_STATEMENTS` the oldest is dropped.
 */
function preparedOnce(sqlite: SqliteDatabase.Database): KyselySqlite {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      // SQLite ends a transaction itself when a write fails for want of room (SQLITE_FULL): Kysely's rollback would
      // then throw "no transaction is active" in place of the error that says what happened.
      if (sql === 'rollback' && !sqlite.inTransaction) return NOTHING_TO_ROLL_BACK;
      const kept = statements.get(sql);
      if (kept && !kept.busy) return kept;
      const statement = sqlite.prepare(sql);
      if (kept) return statement;
      if (statements.size >= PREPARED_STATEMENTS) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
      return statement;
    },
  };
}

const NOTHING_TO_ROLL_BACK = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

const MIGRATION_TABLE = 'insforge_ai_migrations';

/**
 * Runs every pending migration; throws with the failing migration's name. A database a newer version of the gateway
 * migrated further (during a rolling upgrade, an older instance restarting) is left as it is once it holds every
 * migration this version knows; `onNewer` hears what it has beyond them.
 */
export async function migrateToLatest(database: OpenDatabase, options: { onNewer?: (migrations: readonly string[]) => void } = {}): Promise<MigrationResult[]> {
  if (database.dialect !== 'sqlite') return migrateWith(database.db, database, options);
  // Kysely takes no lock on SQLite (it assumes one connection): two processes starting on one new file (two instances,
  // `migrate` beside `serve`) would each run what the other was running, and one would fail. The whole run holds
  // SQLite's write lock instead; the other waits for it (busy_timeout), then finds nothing left to do.
  return database.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const results = await migrateWith(connection, database, options, { inTransaction: true });
      await sql`commit`.execute(connection);
      return results;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/** `migrateToLatest` on `db` (the database's, or one SQLite connection already in a transaction). */
async function migrateWith(db: Kysely<Database>, database: OpenDatabase, options: { onNewer?: (migrations: readonly string[]) => void }, { inTransaction = false } = {}): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: MIGRATION_TABLE, migrationLockTableName: 'insforge_ai_migration_lock', disableTransactions: inTransaction });
  let known: readonly MigrationInfo[];
  let unknown: string[];
  try {
    known = await migrator.getMigrations();
    unknown = await unknownMigrationsIn(db, known);
  } catch (error) {
    const unreachable = connectionFailureOf(database.location, error, postgresUserOf(database.pool?.options.connectionString ?? ''));
    if (unreachable) throw unreachable;
    throw error;
  }
  if (unknown.length > 0) {
    const pending = known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
    const latestKnown = known.at(-1)?.name ?? '';
    // Migrations only ever add: a schema that holds all this version knows serves it. One that lacks some of them, or
    // whose unknown ones are not all later, comes from another line of versions, which this one cannot tell apart.
    if (pending.length === 0 && unknown.every((name) => name > latestKnown)) {
      options.onNewer?.(unknown);
      return [];
    }
    throw new Error(
      `the database holds migrations this version of @insforge/ai-server does not know (${unknown.join(', ')})${pending.length > 0 ? ` and lacks some it does (${pending.join(', ')})` : ''}: another version migrated it. Run the version that migrated it, or a newer one.`,
    );
  }
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error');
    // No migration ran: the database could not be reached or logged into, which is not a migration's fault.
    const unreachable = failed ? undefined : connectionFailureOf(database.location, error, postgresUserOf(database.pool?.options.connectionString ?? ''));
    if (unreachable) throw unreachable;
    throw new Error(`database migration ${failed ? `${failed.migrationName} ` : ''}failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return results;
}

/**
 * The migrations the database has run that this version does not know (`known`: the migrator's view of its own), in
 * order; none for a database that ran none of this version's (nor then any later one).
 */
async function unknownMigrationsIn(db: Kysely<Database>, known: readonly MigrationInfo[]): Promise<string[]> {
  if (!known.some((migration) => migration.executedAt !== undefined)) return [];
  const names = new Set(known.map((migration) => migration.name));
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
  return rows.map((row) => row.name).filter((name) => !names.has(name)).sort();
}

let pgLoaded: typeof pg | undefined;

/**
 * The Postgres driver, loaded with the first Postgres database (a SQLite deployment never holds it). Postgres returns
 * int8 and numeric as strings to avoid precision loss; epoch milliseconds and costs fit a double exactly, so they are
 * read as numbers.
 */
function loadPg(): typeof pg {
  if (pgLoaded) return pgLoaded;
  const loaded = createRequire(import.meta.url)('pg') as typeof pg;
  loaded.types.setTypeParser(loaded.types.builtins.INT8, (value) => Number(value));
  loaded.types.setTypeParser(loaded.types.builtins.NUMERIC, (value) => Number(value));
  pgLoaded = loaded;
  return loaded;
}

/**
 * better-sqlite3, loaded only when SQLite is used: it is an optional peer dependency (a native module that compiles
 * on install), so a Postgres-only deployment never needs it.
 */
function loadSqliteDriver(): typeof SqliteDatabase {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof SqliteDatabase;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error('The SQLite database needs the better-sqlite3 package: run "npm install better-sqlite3", or set DATABASE_URL to a postgres:// URL.', { cause: error });
  }
}
