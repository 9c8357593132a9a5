import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, sql, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../store/migrations/index.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { testPostgresLocation, testPostgresUrl } from '../../test/databases.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const inDirectory = useTemporaryDirectory('insforge-ai-migrate-');

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { exitCode, lines } = await runCapturedCli(argv, env);
  return { exitCode, lines };
}

describe('insforge-ai migrate', () => {
  it('creates a new database, says where, applies every migration, then says it is up to date', async () => {
    const database = inDirectory('nested', 'ai.db');
    const names = Object.keys(await migrationProvider.getMigrations());
    const first = await cli(['migrate'], { DATABASE_URL: database });
    expect(first).toEqual({ exitCode: 0, lines: [`created a new SQLite database at ${database}`, ...names.map((name) => `applied ${name}`), `${database}: applied ${names.length} migration${names.length === 1 ? '' : 's'}`] });
    const second = await cli(['migrate', '--database', database]);
    expect(second).toEqual({ exitCode: 0, lines: [`${database}: up to date, no migration to apply`] });
  });

  it('leaves a database a newer version migrated further as it is, and says so; refuses one migrated by another line of versions', async () => {
    const database = inDirectory('newer.db');
    await cli(['migrate', '--database', database]);
    const sqlite = new Database(database);
    try {
      sqlite.prepare("insert into insforge_ai_migrations (name, timestamp) values ('9999-from-a-newer-version', '2027-01-01T00:00:00.000Z')").run();
      const ahead = await cli(['migrate', '--database', database]);
      expect(ahead).toEqual({ exitCode: 0, lines: [`${database}: up to date, no migration to apply`, expect.stringMatching(/^note: a newer version .* \(9999-from-a-newer-version\)/)] });
      // One that is not later than every migration this version knows is not a newer version's.
      sqlite.prepare("insert into insforge_ai_migrations (name, timestamp) values ('0000-from-elsewhere', '2027-01-01T00:00:00.000Z')").run();
      const elsewhere = await cli(['migrate', '--database', database]);
      expect(elsewhere.exitCode).toBe(1);
      expect(elsewhere.lines.join('\n')).toMatch(/does not know \(0000-from-elsewhere, 9999-from-a-newer-version\): another version migrated it/);
    } finally {
      sqlite.close();
    }
  });

  // Two instances starting on one new SQLite file (or `migrate` run beside `serve`) migrate it at once.
  it('waits for another process migrating the same SQLite file, then applies only what it left', async () => {
    const file = inDirectory('shared.db');
    const migrations = await migrationProvider.getMigrations();
    const names = Object.keys(migrations);
    // This test is the other process: it ran the first migrations and is in the middle of the next one.
    const connection = new Database(file);
    connection.pragma('journal_mode = WAL');
    const other = new Kysely<unknown>({ dialect: new SqliteDialect({ database: connection }) });
    try {
      await new Migrator({ db: other, provider: migrationProvider, migrationTableName: 'insforge_ai_migrations', migrationLockTableName: 'insforge_ai_migration_lock' }).migrateTo(names[5]!);
      await sql`begin immediate`.execute(other);
      await migrations[names[6]!]!.up(other);
      await sql`insert into insforge_ai_migrations (name, timestamp) values (${names[6]}, ${new Date().toISOString()})`.execute(other);
      // The built CLI, a process of its own: it reads the database while the other process's migration is under way.
      const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
      const command = new Promise<{ code: number; output: string }>((resolve) => {
        execFile(process.execPath, [main, 'migrate', '--database', file], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: stdout + stderr }));
      });
      await delay(2_000);
      await sql`commit`.execute(other);
      const { code, output } = await command;
      expect(output).toBe(`${names.slice(7).map((name) => `applied ${name}\n`).join('')}${file}: applied ${names.length - 7} migrations\n`);
      expect(code).toBe(0);
    } finally {
      await other.destroy();
    }
  }, 15_000);

  it('fails with exit code 1 when the database cannot be opened', async () => {
    const file = inDirectory('a-file');
    await writeFile(file, 'not a directory');
    const result = await cli(['migrate', '--database', join(file, 'ai.db')]);
    expect(result.exitCode).toBe(1);
    expect(result.lines.join('\n')).toMatch(/^insforge-ai migrate: cannot open the database .*a-file\/ai\.db: /);
  });

  it('calls a refused connection what it is, not a migration failure, and prints no password', async () => {
    const result = await cli(['migrate', '--database', 'postgres://nobody:hunter2pass@127.0.0.1:1/test']);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toMatch(/^insforge-ai migrate: could not connect to postgres:\/\/127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(result.lines.join('\n')).not.toMatch(/hunter2pass|migration/);
  });

  it('gives up on a server that takes the connection but never answers, after 10 s or the URL\'s connect_timeout, and prints no password', async () => {
    // A host that answers nothing (a proxy whose database is gone, a port of another service, a hung server).
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const timed = async (url: string) => {
        const started = performance.now();
        return { ...(await cli(['migrate', '--database', url])), seconds: (performance.now() - started) / 1_000 };
      };
      const byDefault = await timed(`postgres://nobody:hunter2pass@127.0.0.1:${port}/test`);
      expect(byDefault.exitCode).toBe(1);
      expect(byDefault.lines[0]).toMatch(new RegExp(`^insforge-ai migrate: could not connect to postgres://127\\.0\\.0\\.1:${port}/test: .*timeout`));
      expect(byDefault.seconds).toBeGreaterThan(9);
      expect(byDefault.seconds).toBeLessThan(15);
      const set = await timed(`postgres://nobody:hunter2pass@127.0.0.1:${port}/test?connect_timeout=1`);
      expect(set.lines[0]).toMatch(/could not connect to .*timeout/);
      expect(set.seconds).toBeLessThan(5);
      expect([...byDefault.lines, ...set.lines].join('\n')).not.toContain('hunter2pass');
    } finally {
      silent.close();
    }
  }, 30_000);

  it('calls a refused login "login failed"', async () => {
    const result = await cli(['migrate', '--database', testPostgresUrl('/test', 'insforge_ai_no_such_role:hunter2pass@')]);
    expect(result.exitCode).toBe(1);
    expect(result.lines[0]).toContain(`insforge-ai migrate: login failed for insforge_ai_no_such_role at ${testPostgresLocation('/test')}: `);
    expect(result.lines.join('\n')).not.toContain('hunter2pass');
  });
});
