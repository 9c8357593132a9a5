import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase, type DialectName, type OpenDatabase } from '../src/store/database.js';

/** The Postgres server the contract tests use; CI and our machines run one on 127.0.0.1:5432. */
export const TEST_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A database of the test Postgres server by its path (`/name`), as a URL with `login` (`user:password@`; the test
 * server's own user unless given), for tests of what the gateway says about a database it cannot use.
 * @example
 * await runCapturedCli(['usage', '--database', testPostgresUrl('/test', 'no_such_role:secret@')]);
 */
export function testPostgresUrl(database: string, login?: string): string {
  const server = new URL(TEST_POSTGRES_URL);
  return `postgres://${login ?? (server.username ? `${server.username}@` : '')}${server.host}${database}`;
}

/**
 * How the gateway's messages name a database of the test Postgres server: never with a login.
 * @example
 * expect(run.lines[0]).toContain(`login failed for no_such_role at ${testPostgresLocation('/test')}`);
 */
export function testPostgresLocation(database: string): string {
  return `postgres://${new URL(TEST_POSTGRES_URL).host}${database}`;
}

export interface TestDatabase {
  database: OpenDatabase;
  /** A URL other processes can open. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of each kind: SQLite in memory, or a throwaway Postgres database. */
export async function createTestDatabase(kind: DialectName): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const database = openDatabase(':memory:');
    await migrateToLatest(database);
    return { database, url: ':memory:', drop: () => database.close() };
  }
  const name = `insforge_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`Postgres is not reachable at ${TEST_POSTGRES_URL}: start it (the tests need a real one) or set TEST_POSTGRES_URL`, { cause: error });
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const database = openDatabase(url.toString());
  await migrateToLatest(database);
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];
