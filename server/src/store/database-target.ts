import path from 'node:path';
import { withoutUrlCredentials } from '../url-credentials.js';

export const DEFAULT_SQLITE_PATH = path.join('.insforge-ai', 'ai.db');

/** Which database a `--database` / `DATABASE_URL` value names, and where it is without any password. */
export type DatabaseTarget =
  | { dialect: 'postgres'; url: string; location: string }
  | { dialect: 'sqlite'; file: string; location: string };

/**
 * Reads a database setting: `postgres://` / `postgresql://` for Postgres; `sqlite:path`, a plain path, `:memory:`, or
 * nothing (`./.insforge-ai/ai.db`) for SQLite. Any other scheme (`mysql://…`) is refused rather than taken for a file
 * name. The `location` never carries a user name or password.
 * @example
 * parseDatabaseTarget('postgres://app:secret@db:5432/ai'); // { dialect: 'postgres', location: 'postgres://db:5432/ai', … }
 */
export function parseDatabaseTarget(setting: string | undefined): DatabaseTarget {
  if (setting && /^postgres(ql)?:\/\//i.test(setting)) {
    let parsed: URL;
    try {
      parsed = new URL(setting);
    } catch {
      throw new Error(`the database URL ${withoutUrlCredentials(setting)} is not a valid postgres:// URL`);
    }
    return { dialect: 'postgres', url: setting, location: `postgres://${parsed.host}${parsed.pathname}` };
  }
  // Two letters at least, so a Windows drive (C:\data\ai.db) stays a path.
  const scheme = setting ? /^([a-z][a-z0-9+.-]+):/i.exec(setting)?.[1] : undefined;
  if (scheme !== undefined && scheme.toLowerCase() !== 'sqlite') {
    throw new Error(`unsupported database "${scheme}:" in ${withoutUrlCredentials(setting ?? '')}: use a postgres:// URL or a SQLite file path`);
  }
  const file = setting ? setting.replace(/^sqlite:(\/\/)?/i, '') : DEFAULT_SQLITE_PATH;
  if (file === '') throw new Error('the database setting names no SQLite file');
  return { dialect: 'sqlite', file, location: file };
}

/** An error that names where the database is and what went wrong: a refused login or an unreachable server. */
export class DatabaseConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseConnectionError';
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);
const LOGIN_CODES = new Set(['28P01', '28000']);

/**
 * Names a failure to reach a database for what it is: "login failed for USER at LOCATION" for a refused password,
 * "could not connect to LOCATION" for a server that cannot be reached or a database that does not exist; undefined
 * for any other error (a failing migration, a bad query). Never includes a password.
 * @example
 * throw connectionFailureOf(database.location, error) ?? error;
 */
export function connectionFailureOf(location: string, error: unknown, user?: string): DatabaseConnectionError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  // Node reports a refused connection to several addresses as an AggregateError with an empty message.
  const message = withoutUrlCredentials((error instanceof Error ? error.message : String(error)) || (typeof code === 'string' ? code : 'unknown error'));
  if (typeof code === 'string' && LOGIN_CODES.has(code)) return new DatabaseConnectionError(`login failed for ${user ? `${user} at ` : ''}${location}: ${message}`, { cause: error });
  // 3D000: the server answered, but has no database of that name.
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code === '3D000')) return new DatabaseConnectionError(`could not connect to ${location}: ${message}`, { cause: error });
  if (error instanceof Error && /^Connection terminated|timeout expired/i.test(error.message)) return new DatabaseConnectionError(`could not connect to ${location}: ${message}`, { cause: error });
  return undefined;
}

/** The user a Postgres URL logs in as, for "login failed for …" (never the password). */
export function postgresUserOf(url: string): string | undefined {
  try {
    const user = decodeURIComponent(new URL(url).username);
    return user === '' ? undefined : user;
  } catch {
    return undefined;
  }
}
