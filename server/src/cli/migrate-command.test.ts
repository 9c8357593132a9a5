import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationProvider } from '../store/migrations/index.js';
import type { CliIo } from './cli-io.js';
import { runCli } from './run.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'insforge-ai-migrate-'));
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const lines: string[] = [];
  const io: CliIo = { out: (line) => lines.push(line), err: (line) => lines.push(line) };
  const result = await runCli(argv, env, io);
  if (typeof result !== 'number') throw new Error('the command kept running');
  return { exitCode: result, lines };
}

describe('insforge-ai migrate', () => {
  it('applies every migration to a new database, then says it is up to date', async () => {
    const database = join(directory, 'nested', 'ai.db');
    const names = Object.keys(await migrationProvider.getMigrations());
    const first = await cli(['migrate'], { DATABASE_URL: database });
    expect(first).toEqual({ exitCode: 0, lines: [...names.map((name) => `applied ${name}`), `${database}: applied ${names.length} migration${names.length === 1 ? '' : 's'}`] });
    const second = await cli(['migrate', '--database', database]);
    expect(second).toEqual({ exitCode: 0, lines: [`${database}: up to date, no migration to apply`] });
  });

  it('fails with exit code 1 when the database cannot be opened', async () => {
    const file = join(directory, 'a-file');
    await writeFile(file, 'not a directory');
    const result = await cli(['migrate', '--database', join(file, 'ai.db')]);
    expect(result.exitCode).toBe(1);
    expect(result.lines.join('\n')).toMatch(/^insforge-ai migrate: cannot open the database .*a-file\/ai\.db: /);
  });
});
