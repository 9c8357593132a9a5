import { existsSync, readdirSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCapturedCli } from '../../test/captured-cli.js';
import { testPostgresLocation, testPostgresUrl } from '../../test/databases.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const inDirectory = useTemporaryDirectory('insforge-ai-stores-');

async function cli(argv: string[], env: Record<string, string> = {}) {
  const { exitCode, lines } = await runCapturedCli(argv, env);
  return { exitCode, text: lines.join('\n') };
}

/** Commands that read or change an existing database; none of them may create one. */
const COMMANDS = [['features', 'list'], ['features', 'get', 'chat'], ['keys', 'list'], ['keys', 'create', '--label', 'x'], ['key', 'show'], ['usage']];

describe('commands other than migrate and serve on a database that does not exist', () => {
  it.each(COMMANDS.map((command) => [command.join(' '), command]))('%s exits 1, says so and creates nothing', async (_name, command) => {
    const missing = inDirectory('typo', 'ai.db');
    const result = await cli([...(command as string[]), '--database', missing]);
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain(`there is no InsForge AI database at ${missing}`);
    expect(result.text).toContain('insforge-ai migrate');
    expect(existsSync(inDirectory('typo'))).toBe(false);
  });

  it('reads DATABASE_URL the same way', async () => {
    const missing = inDirectory('from-env.db');
    expect(await cli(['features', 'list'], { DATABASE_URL: missing })).toMatchObject({ exitCode: 1, text: expect.stringContaining(`there is no InsForge AI database at ${missing}`) });
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a SQLite file that holds no gateway tables, and leaves it as it was', async () => {
    const foreign = inDirectory('another-app.db');
    const other = new SqliteDatabase(foreign);
    other.exec('create table notes (id integer primary key)');
    other.close();
    const result = await cli(['keys', 'list', '--database', foreign]);
    expect(result).toMatchObject({ exitCode: 1, text: expect.stringContaining(`there is no InsForge AI database at ${foreign}`) });
    const reopened = new SqliteDatabase(foreign, { readonly: true });
    expect(reopened.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([{ name: 'notes' }]);
    reopened.close();
  });

  it('refuses an unknown scheme without making a folder of it, and never prints its password', async () => {
    const before = readdirSync(process.cwd());
    for (const command of [...COMMANDS, ['migrate']]) {
      const result = await cli([...command, '--database', 'mysql://root:hunter2pass@db.internal/ai']);
      expect(result.exitCode).toBe(1);
      expect(result.text).toContain('unsupported database "mysql:" in mysql://db.internal/ai: use a postgres:// URL or a SQLite file path');
      expect(result.text).not.toContain('hunter2pass');
    }
    expect(readdirSync(process.cwd())).toEqual(before);
  });

  it('says "could not connect" for a Postgres server that cannot be reached, without the password', async () => {
    const result = await cli(['features', 'list', '--database', 'postgres://nobody:hunter2pass@127.0.0.1:1/test']);
    expect(result.exitCode).toBe(1);
    expect(result.text).toMatch(/^insforge-ai features: could not connect to postgres:\/\/127\.0\.0\.1:1\/test: .*ECONNREFUSED/);
    expect(result.text).not.toContain('hunter2pass');
    expect(result.text).not.toContain('migration');
  });

  it('says "could not connect" for a Postgres database that does not exist', async () => {
    const result = await cli(['keys', 'list', '--database', testPostgresUrl('/insforge_ai_no_such_database')]);
    expect(result).toMatchObject({ exitCode: 1, text: expect.stringContaining(`could not connect to ${testPostgresLocation('/insforge_ai_no_such_database')}: database "insforge_ai_no_such_database" does not exist`) });
  });

  it('says "login failed" for a Postgres login that is refused, without the password', async () => {
    const result = await cli(['usage', '--database', testPostgresUrl('/test', 'insforge_ai_no_such_role:hunter2pass@')]);
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain(`login failed for insforge_ai_no_such_role at ${testPostgresLocation('/test')}: `);
    expect(result.text).not.toContain('hunter2pass');
  });

  it('works on a database that migrate created', async () => {
    const database = inDirectory('made.db');
    expect((await cli(['migrate', '--database', database])).exitCode).toBe(0);
    expect(await cli(['features', 'list', '--database', database])).toMatchObject({ exitCode: 0, text: expect.stringContaining('No features in project "default"') });
  });
});
