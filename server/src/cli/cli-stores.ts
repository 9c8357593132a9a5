import { DEFAULT_SQLITE_PATH } from '../store/database.js';
import { openGatewayStores, type GatewayStores } from '../store/gateway-stores.js';
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

/** Reads `--database` (else `DATABASE_URL`) and `--project` (else "default"). */
export function storeTarget(values: { database?: string | undefined; project?: string | undefined }, env: CliEnvironment): StoreTarget {
  const database = values.database ?? (env['DATABASE_URL'] === '' ? undefined : env['DATABASE_URL']);
  if (database === '') throw usageError('--database must not be empty');
  const projectId = values.project ?? DEFAULT_PROJECT_ID;
  if (projectId.trim() === '') throw usageError('--project must not be empty');
  return { database, projectId };
}

/**
 * Opens (and migrates) the stores, runs `work`, and closes them whatever happens. The project is created when it
 * does not exist yet, as `serve` does for its default project.
 * @example
 * await withGatewayStores(target, (stores) => stores.features.list(target.projectId));
 */
export async function withGatewayStores<T>(target: StoreTarget, work: (stores: GatewayStores) => Promise<T>): Promise<T> {
  let stores: GatewayStores;
  try {
    stores = await openGatewayStores({ database: target.database, defaultProjectId: target.projectId });
  } catch (error) {
    throw cannotOpenDatabase(target.database, error);
  }
  try {
    return await work(stores);
  } finally {
    await stores.close();
  }
}

/** The failure to open `--database` (undefined: the default SQLite file), with the reason. */
export function cannotOpenDatabase(database: string | undefined, error: unknown): CliError {
  return new CliError(`cannot open the database ${database ?? `(default ./${DEFAULT_SQLITE_PATH})`}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
}
