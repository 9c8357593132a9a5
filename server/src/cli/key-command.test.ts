import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { openGatewayStores } from '../store/gateway-stores.js';
import { runCli } from './run.js';
import { runCapturedCli } from '../../test/captured-cli.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';

const GOOD_KEY = generateKey();
const ENVIRONMENT_KEY = generateKey();
const OLD_MASTER = `old:${randomBytes(32).toString('base64')}`;
const NEW_MASTER = `new:${randomBytes(32).toString('base64')}`;

let emulator: Emulator;

const inDirectory = useTemporaryDirectory('insforge-ai-key-');
beforeAll(async () => {
  emulator = await startEmulator({ keys: [{ key: GOOD_KEY, label: 'Production', limit: 10, usage: 2.5 }, { key: ENVIRONMENT_KEY, label: 'From env' }] });
  // Only migrate and serve create a database; the other commands need one.
  for (const name of ['ai.db', 'empty.db', 'no-master.db', 'argv.db', 'stdin.db']) await (await openGatewayStores({ database: inDirectory(name), defaultProjectId: 'default' })).close();
});
afterAll(async () => {
  await emulator?.close();
});

/** Runs `insforge-ai key …` in process against `database` (and the emulator), with `stdin` piped in. */
async function cli(database: string, argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const env = options.env ?? { INSFORGE_AI_ENCRYPTION_KEY: OLD_MASTER };
  // Only set and test talk to OpenRouter; the other subcommands refuse --upstream as an unknown option.
  const upstream = argv[0] === 'set' || argv[0] === 'test' ? ['--upstream', emulator.url] : [];
  const { exitCode, out, err, readStdin } = await runCapturedCli(['key', ...argv, '--database', database, ...upstream], env, options.stdin);
  return { exitCode, out: out.join('\n'), err: err.join('\n'), readStdin };
}

const output = (run: { out: string; err: string }) => `${run.out}\n${run.err}`;
/** The raw bytes of the SQLite file and its write-ahead log, where a leaked key would show. */
const rawDatabase = async (database: string) => Buffer.concat([await readFile(database), await readFile(`${database}-wal`).catch(() => Buffer.alloc(0))]).toString('latin1');

describe('insforge-ai key set, show, test and rotate', () => {
  let database: string;
  beforeAll(() => {
    database = inDirectory('ai.db');
  });

  it('refuses a key OpenRouter rejects and stores nothing', async () => {
    const bad = generateKey();
    const run = await cli(database, ['set'], { stdin: `${bad}\n` });
    expect(run.exitCode).toBe(1);
    expect(run.err).toContain('OpenRouter rejected this key');
    expect(run.err).toContain('Nothing was stored.');
    expect(output(run)).not.toContain(bad);
    const show = await cli(database, ['show']);
    expect(show.out).toContain('No OpenRouter key is stored for project "default"');
  });

  it('stores a good key from stdin, validated and encrypted, and prints only its masked form and facts', async () => {
    const run = await cli(database, ['set', '--key-stdin'], { stdin: `${GOOD_KEY}\n` });
    expect(run.exitCode).toBe(0);
    expect(run.out).toContain(`Stored the OpenRouter key ${GOOD_KEY.slice(0, 6)}…${GOOD_KEY.slice(-4)} for project "default", encrypted under master key old.`);
    expect(run.out).toMatch(/label\s+Production/);
    expect(run.out).toMatch(/limit\s+\$10\.00/);
    expect(run.out).toMatch(/remaining\s+\$7\.50/);
    expect(output(run)).not.toContain(GOOD_KEY);
    expect(await rawDatabase(database)).not.toContain(GOOD_KEY);
    const row = new SqliteDatabase(database, { readonly: true });
    try {
      expect(row.prepare('SELECT masked, key_id, updated_by FROM provider_keys').all()).toEqual([{ masked: `${GOOD_KEY.slice(0, 6)}…${GOOD_KEY.slice(-4)}`, key_id: 'old', updated_by: 'cli' }]);
      const audit = row.prepare("SELECT action, actor, after FROM audit_log WHERE target = 'provider_key:openrouter' ORDER BY created_at").all() as Array<{ action: string; actor: string; after: string }>;
      expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([
        ['provider_key.rejected', 'cli'],
        ['provider_key.set', 'cli'],
      ]);
      expect(JSON.stringify(audit)).not.toContain(GOOD_KEY);
    } finally {
      row.close();
    }
  });

  it('shows the masked key and its facts, never the key', async () => {
    const show = await cli(database, ['show']);
    expect(show.exitCode).toBe(0);
    expect(show.out).toContain(`OpenRouter key ${GOOD_KEY.slice(0, 6)}…${GOOD_KEY.slice(-4)} (stored for project "default")`);
    expect(show.out).toMatch(/master key\s+old \(configured here\)/);
    expect(show.out).toMatch(/updated\s+.* by cli/);
    expect(output(show)).not.toContain(GOOD_KEY);
    expect(output(show)).not.toContain(GOOD_KEY.slice(6, -4));
  });

  it('tests the stored key against OpenRouter and records the fresh facts', async () => {
    emulator.account(GOOD_KEY)!.usage = 4;
    const run = await cli(database, ['test']);
    expect(run.exitCode).toBe(0);
    expect(run.out).toContain(`The OpenRouter key ${GOOD_KEY.slice(0, 6)}…${GOOD_KEY.slice(-4)} (stored for project "default") is valid.`);
    expect(run.out).toMatch(/label\s+Production/);
    expect(run.out).toMatch(/limit\s+\$10\.00/);
    expect(run.out).toMatch(/remaining\s+\$6\.00/);
    expect(output(run)).not.toContain(GOOD_KEY);
    expect((await cli(database, ['show'])).out).toMatch(/remaining\s+\$6\.00/);
  });

  it('re-encrypts under a new master key, after which only the new key is needed', async () => {
    const rotate = await cli(database, ['rotate'], { env: { INSFORGE_AI_ENCRYPTION_KEY: NEW_MASTER, INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS: OLD_MASTER } });
    expect(rotate).toMatchObject({ exitCode: 0, out: 're-encrypted the key of project "default" under master key new' });
    const again = await cli(database, ['rotate'], { env: { INSFORGE_AI_ENCRYPTION_KEY: NEW_MASTER } });
    expect(again.out).toBe('Every stored key is already under master key new.');
    expect((await cli(database, ['test'], { env: { INSFORGE_AI_ENCRYPTION_KEY: NEW_MASTER } })).exitCode).toBe(0);
    const withOldOnly = await cli(database, ['test']);
    expect(withOldOnly.exitCode).toBe(1);
    expect(withOldOnly.err).toContain('under master key "new", which is not configured');
  });

  it('fails the test of a key OpenRouter no longer accepts', async () => {
    // A second OpenRouter that has never heard of the stored key stands in for one where it was deleted.
    const elsewhere = await startEmulator();
    try {
      const out: string[] = [];
      const result = await runCli(['key', 'test', '--database', database, '--upstream', elsewhere.url], { INSFORGE_AI_ENCRYPTION_KEY: NEW_MASTER }, { out: (line) => out.push(line), err: (line) => out.push(line) });
      expect(result).toBe(1);
      expect(out.join('\n')).toContain('OpenRouter rejected this key');
      expect(out.join('\n')).not.toContain(GOOD_KEY);
    } finally {
      await elsewhere.close();
    }
  });
});

describe('insforge-ai key without a stored key', () => {
  it('tests OPENROUTER_API_KEY when nothing is stored, and says so when there is no key at all', async () => {
    const database = inDirectory('empty.db');
    const run = await cli(database, ['test'], { env: { OPENROUTER_API_KEY: ENVIRONMENT_KEY } });
    expect(run.exitCode).toBe(0);
    expect(run.out).toContain(`The OpenRouter key ${ENVIRONMENT_KEY.slice(0, 6)}…${ENVIRONMENT_KEY.slice(-4)} (OPENROUTER_API_KEY) is valid.`);
    expect(run.out).toMatch(/label\s+From env/);
    expect(run.out).toMatch(/limit\s+unlimited/);
    expect(output(run)).not.toContain(ENVIRONMENT_KEY);
    const none = await cli(database, ['test'], { env: {} });
    expect(none).toMatchObject({ exitCode: 1, err: expect.stringContaining('no OpenRouter key to test') });
  });

  it('refuses to store without a master key, before reading the key', async () => {
    const database = inDirectory('no-master.db');
    const run = await cli(database, ['set'], { stdin: GOOD_KEY, env: {} });
    expect(run).toMatchObject({ exitCode: 1, readStdin: false });
    expect(run.err).toContain('INSFORGE_AI_ENCRYPTION_KEY is not set');
    expect(run.err).toContain('openssl rand -base64 32');
  });

  it('never takes the key from the command line, and never echoes it back', async () => {
    const database = inDirectory('argv.db');
    for (const argv of [['set', GOOD_KEY], ['set', `--key=${GOOD_KEY}`], ['set', '--key', GOOD_KEY], [GOOD_KEY]]) {
      const run = await cli(database, argv);
      expect(run.exitCode, argv.join(' ')).toBe(2);
      expect(output(run)).not.toContain(GOOD_KEY);
      expect(run.readStdin).toBe(false);
    }
    expect((await cli(database, ['set', GOOD_KEY])).err).toContain('never taken from the command line');
  });

  it('refuses an upstream URL that is not http(s) without printing the password in it', async () => {
    const database = inDirectory('upstream.db');
    for (const [argv, env] of [[['--upstream', 'ftp://proxy:hunter2pass@proxy.internal/api/v1'], {}], [[], { OPENROUTER_BASE_URL: 'https://proxy:hunter2/pass@proxy.internal/api/v1' }]] as const) {
      const out: string[] = [];
      const result = await runCli(['key', 'test', '--database', database, ...argv], { OPENROUTER_API_KEY: ENVIRONMENT_KEY, ...env }, { out: (line) => out.push(line), err: (line) => out.push(line) });
      expect(result).toBe(2);
      expect(out.join('\n')).toContain('must be an http(s) URL, got "');
      expect(out.join('\n')).not.toContain('hunter2');
    }
  });

  it('refuses empty or several-line input on stdin', async () => {
    const database = inDirectory('stdin.db');
    expect(await cli(database, ['set'], { stdin: '\n' })).toMatchObject({ exitCode: 1, err: expect.stringContaining('no key on stdin') });
    expect(await cli(database, ['set'], { stdin: `${GOOD_KEY}\n${GOOD_KEY}\n` })).toMatchObject({ exitCode: 1, err: expect.stringContaining('more than one word or line') });
  });
});
