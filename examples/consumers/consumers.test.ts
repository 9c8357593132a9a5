// The packages as a developer gets them: each is packed into a tarball (`pnpm pack`, after `pnpm -r build`, which
// writes the versions in place of `workspace:` ranges as a publish does), and fresh
// apps outside this workspace install those tarballs and everything else from the registry with npm — Vite with
// React 19 and Express 5 on SQLite, Vite with React 18.3 and Express 4 on Postgres (no native driver installed), and a
// Next.js App Router app on Postgres (examples/nextjs) whose Server Component page imports the components. Each app is typechecked under
// `strict` with `skipLibCheck: false` (bundler resolution for browser code, node16 for server code), built, started
// against the emulator, and one answer is streamed into its ChatPanel in Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../scripts/chromium.mjs';
import { nativeBuildEnv, resolvePnpm } from '../../scripts/pnpm.mjs';
import { cleanEnv, freePort, stopProcessGroup, waitForOutput } from '../../scripts/processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const PACKAGES = { 'ai-protocol': 'packages/ai-protocol', 'ai-react': 'packages/ai-react', 'ai-server': 'server' } as const;
const POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface ConsumerApp {
  name: string;
  /** Where the app's files are: an app of its own (examples/nextjs) or one kept for these tests (apps/). */
  source: string;
  /** SQLite (the default file) or a fresh Postgres database. */
  database: 'sqlite' | 'postgres';
  start(port: number): string[];
}

const APPS: ConsumerApp[] = [
  { name: 'vite-express5', source: path.join(here, 'apps', 'vite-express5'), database: 'sqlite', start: () => ['node', 'dist-server/server.js'] },
  { name: 'vite-express4-react18', source: path.join(here, 'apps', 'vite-express4-react18'), database: 'postgres', start: () => ['node', 'dist-server/server.js'] },
  { name: 'nextjs', source: path.join(repoRoot, 'examples', 'nextjs'), database: 'postgres', start: (port) => ['node', 'node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'] },
];

const work = path.join(tmpdir(), `insforge-consumers-${randomBytes(4).toString('hex')}`);
const upstreamKey = generateKey();
let emulator: Emulator;
let browser: Browser;
const databases: string[] = [];

/**
 * The environment of every command run in an app: without the caller's settings, and without NODE_PATH (the
 * workspace's package manager sets it for the tools it starts, and it would let an app resolve packages it never
 * installed).
 */
function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv({ ...(nativeBuildEnv() as Record<string, string>), ...extra });
  delete env['NODE_PATH'];
  return env;
}

/**
 * Runs a command without blocking the event loop (packs, installs and builds run side by side); resolves with its
 * standard output, rejects with its output when it exits non-zero.
 */
function spawnAsync(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      output += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed in ${path.basename(cwd)} (exit ${code}):\n${output.slice(-6_000)}`))));
  });
}

/** Runs a command in an app folder, in the app's environment (appEnv) with `extra` set. */
async function run(cwd: string, command: string, args: string[], extra: Record<string, string> = {}): Promise<void> {
  await spawnAsync(cwd, command, args, appEnv(extra));
}

/**
 * Each app's typecheck and build, started as soon as its own install ends rather than after every install and every
 * earlier app's tests: the installs take different times (a fresh Next.js app installs the most), and the first
 * builds fill the others' waits. The builds run one at a time, in the order
 * their installs end, so this file keeps to about two processes at once beside the other test files.
 */
const builds = new Map<string, Promise<void>>();
let lastBuild: Promise<unknown> = Promise.resolve();
function startBuild(app: ConsumerApp): void {
  const build = lastBuild.then(() => typecheckAndBuild(app));
  // Its test awaits it and reports its failure; until then a rejection is not unhandled.
  build.catch(() => {});
  builds.set(app.name, build);
  lastBuild = build.catch(() => {});
}

async function typecheckAndBuild(app: ConsumerApp): Promise<void> {
  const folder = path.join(work, app.name);
  const databaseUrl = app.database === 'postgres' ? await createPostgresDatabase() : undefined;
  if (databaseUrl) process.env[`CONSUMER_DB_${app.name}`] = databaseUrl;
  if (app.name !== 'nextjs') await run(folder, 'npm', ['run', 'typecheck']);
  // next build typechecks with the app's tsconfig (strict, skipLibCheck false) before it builds.
  await run(folder, 'npm', ['run', 'build'], { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), NEXT_TELEMETRY_DISABLED: '1' });
}

async function createPostgresDatabase(): Promise<string> {
  const name = `insforge_consumer_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databases.push(name);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The workspace's better-sqlite3: its folder (built by the workspace's install) and version. */
function workspaceSqlite(): { folder: string; version: string } {
  const manifest = createRequire(path.join(repoRoot, 'server', 'package.json')).resolve('better-sqlite3/package.json');
  return { folder: path.dirname(manifest), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

/**
 * better-sqlite3's install script takes a prebuilt binary where it can (`prebuild-install`, from the project's
 * releases) and compiles SQLite from source otherwise, a minute or more of CPU. No release can be downloaded here, so
 * the binary the workspace's install built is offered as that prebuilt (the file name `prebuild-install` looks for,
 * in the folder its `local_prebuilds` setting names): the app's install still runs the package's install script, and
 * compiles only if that binary does not fit. Returns the environment of the installs.
 */
async function sqlitePrebuild(): Promise<Record<string, string>> {
  const { folder, version } = workspaceSqlite();
  const binary = 'build/Release/better_sqlite3.node';
  if (!existsSync(path.join(folder, binary))) return {};
  const prebuilds = path.join(work, 'prebuilds');
  mkdirSync(prebuilds, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await spawnAsync(folder, 'tar', ['-czf', path.join(prebuilds, name), binary], process.env);
  return { npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

beforeAll(async () => {
  for (const directory of Object.values(PACKAGES)) {
    if (!existsSync(path.join(repoRoot, directory, 'dist'))) throw new Error(`${directory}/dist is missing: build the packages first (npm run build)`);
  }
  mkdirSync(path.join(work, 'tarballs'), { recursive: true });
  const tarballs: Record<string, string> = {};
  // Packed side by side: each pack is mostly the package manager starting.
  await Promise.all(
    Object.entries(PACKAGES).map(async ([name, directory]) => {
      const { command, prefixArgs } = resolvePnpm();
      const output = await spawnAsync(path.join(repoRoot, directory), command, [...prefixArgs, 'pack', '--json', '--pack-destination', path.join(work, 'tarballs')], process.env);
      const packed = JSON.parse(output) as { filename: string };
      tarballs[name] = path.resolve(work, 'tarballs', packed.filename);
    }),
  );
  for (const app of APPS) {
    const folder = path.join(work, app.name);
    cpSync(app.source, folder, { recursive: true, filter: (file) => !/[\\/](node_modules|\.next|dist|dist-server)$/.test(file) });
    // The app names the published versions; here it gets the tarballs just packed instead. The protocol package,
    // which the others depend on (and which is not on the registry from here), is named too, so npm takes its
    // tarball for their `^0.2.0`.
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const [name, tarball] of Object.entries(tarballs)) if (manifest.dependencies[`@insforge/${name}`] || name === 'ai-protocol') manifest.dependencies[`@insforge/${name}`] = `file:${tarball}`;
    // The SQLite driver at the version the workspace builds and tests, whose binary sqlitePrebuild() offers.
    if (manifest.dependencies['better-sqlite3']) manifest.dependencies['better-sqlite3'] = workspaceSqlite().version;
    writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  }
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  const prebuilds = await sqlitePrebuild();
  await Promise.all(APPS.map((app) => run(path.join(work, app.name), 'npm', install, prebuilds).then(() => startBuild(app))));
  emulator = await startEmulator({ keys: [upstreamKey], scenario: { tokensPerSecond: 200 } });
  browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
}, 600_000);

afterAll(async () => {
  // A build still running when an install failed: let it end before its folder and database go.
  await Promise.allSettled(builds.values());
  await browser?.close();
  await emulator?.close();
  if (databases.length > 0) {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  rmSync(work, { recursive: true, force: true });
});

describe.each(APPS)('a fresh $name app with the packed packages', (app) => {
  const folder = () => path.join(work, app.name);
  let server: ChildProcess | undefined;
  afterAll(async () => {
    if (server) await stopProcessGroup(server, 5_000);
  });

  it('installs no native SQLite driver unless it uses SQLite, and says what to install when SQLite is asked for without it', () => {
    expect(existsSync(path.join(folder(), 'node_modules', 'better-sqlite3'))).toBe(app.database === 'sqlite');
    if (app.database === 'postgres') {
      const probe = "import('@insforge/ai-server').then(({ createAiGateway }) => createAiGateway({ database: 'app.db' }).ready).then(() => console.log('opened'), (error) => console.log(error.message)).finally(() => process.exit(0))";
      const opened = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: folder(), encoding: 'utf8', env: appEnv() });
      expect(opened.stdout.trim().split('\n').at(-1), opened.stdout + opened.stderr).toBe('The SQLite database needs the better-sqlite3 package: run "npm install better-sqlite3", or set DATABASE_URL to a postgres:// URL.');
    }
    // What the tarballs ship: built code, types, sources for the maps, README and LICENSE; no tests or fixtures.
    const shipped = readdirSync(path.join(folder(), 'node_modules', '@insforge', 'ai-react'));
    expect(shipped).toEqual(expect.arrayContaining(['dist', 'src', 'README.md', 'LICENSE', 'package.json']));
    expect(existsSync(path.join(folder(), 'node_modules', '@insforge', 'ai-react', 'dist', 'components', 'chat-panel', 'sample-conversation.js'))).toBe(false);
  });

  it('typechecks under strict with skipLibCheck false, and builds', async () => {
    // Started when the app's install ended (startBuild).
    const build = builds.get(app.name);
    if (!build) throw new Error(`${app.name} was never built: its install did not finish`);
    await build;
  }, 300_000);

  it('streams an answer into ChatPanel in Chromium, through the gateway, from the emulator', async () => {
    const port = await freePort();
    const databaseUrl = process.env[`CONSUMER_DB_${app.name}`];
    const [command, ...args] = app.start(port);
    let output = '';
    server = spawn(command!, args, {
      cwd: folder(),
      detached: true,
      env: appEnv({ PORT: String(port), OPENROUTER_BASE_URL: emulator.url, OPENROUTER_API_KEY: upstreamKey, NEXT_TELEMETRY_DISABLED: '1', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }),
    });
    server.stdout?.on('data', (data: Buffer) => (output += data.toString()));
    server.stderr?.on('data', (data: Buffer) => (output += data.toString()));
    await waitForOutput(server, () => output, /(listening on|Ready in|started server on|Local:)/i, 60_000);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // A browser asks every origin for /favicon.ico; these apps have none, as a fresh app may not.
      if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
    });
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill(`Hello from ${app.name}`);
      await box.press('Enter');
      await expect.poll(() => page.getByText(`Hello from ${app.name}`).count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      const probe = emulator.generations().find((generation) => JSON.stringify(generation.request).includes(`Hello from ${app.name}`));
      expect(probe?.streamed).toBe(true);
      expect(errors, output).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
