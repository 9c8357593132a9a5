#!/usr/bin/env node
// Runs the pnpm version this repository is pinned to, without assuming pnpm is installed globally.
// A global `pnpm` is used only when it is exactly the pinned version; otherwise npm fetches the pinned
// version once into its own cache (`npm exec --yes pnpm@X`), which needs nothing but Node and npm, and that copy is
// started directly.
//
//   node scripts/pnpm.mjs install            # same as `pnpm install`, with the pinned pnpm
//   import { runPnpm } from './pnpm.mjs';    # from other scripts
//
// Set INSFORGE_FORCE_NPM_EXEC=1 to skip the global pnpm (this is how a machine without one is tested).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PNPM_VERSION = '12.21.0';
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const isWindows = process.platform === 'win32';

/** @type {{ command: string, prefixArgs: string[], description: string } | undefined} */
let resolved;

/**
 * Finds how to run the pinned pnpm: the global one when it has the right version, else `npm exec`.
 * @returns {{ command: string, prefixArgs: string[], description: string }}
 */
export function resolvePnpm() {
  if (resolved) return resolved;
  if (!process.env.INSFORGE_FORCE_NPM_EXEC && globalPnpmVersion() === PNPM_VERSION) {
    resolved = { command: 'pnpm', prefixArgs: [], description: `pnpm ${PNPM_VERSION} (global)` };
    return resolved;
  }
  const fetched = fetchedPnpm();
  if (fetched) {
    resolved = { command: fetched, prefixArgs: [], description: `pnpm ${PNPM_VERSION} (fetched by npm exec)` };
  } else {
    resolved = { ...npmCommand(), description: `pnpm ${PNPM_VERSION} (via npm exec)` };
    resolved.prefixArgs.push('exec', '--yes', `pnpm@${PNPM_VERSION}`, '--');
  }
  return resolved;
}

/** Where the pnpm that npm fetched is, once found; the processes this one starts inherit it. */
const FETCHED_PNPM_ENV = 'INSFORGE_FETCHED_PNPM';

/**
 * The pinned pnpm that `npm exec` fetched into its cache, found once and then started directly: `npm exec` first
 * reads the whole dependency tree of the folder it runs in, which in this workspace costs seconds of CPU on every
 * call. The lookup runs outside the workspace, where there is no tree to read. Not on Windows, where `.bin` holds
 * command shims rather than the program.
 * @returns {string | undefined}
 */
function fetchedPnpm() {
  if (isWindows) return undefined;
  const known = process.env[FETCHED_PNPM_ENV];
  if (known && pnpmVersion(known) === PNPM_VERSION) return known;
  const { command, prefixArgs } = npmCommand();
  const lookup = spawnSync(command, [...prefixArgs, 'exec', '--yes', `--package=pnpm@${PNPM_VERSION}`, '-c', 'command -v pnpm'], {
    cwd: tmpdir(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const found = lookup.status === 0 ? lookup.stdout.trim().split('\n').at(-1) : undefined;
  if (!found || pnpmVersion(found) !== PNPM_VERSION) return undefined;
  process.env[FETCHED_PNPM_ENV] = found;
  return found;
}

/**
 * Runs the pinned pnpm and waits for it; stdin is ignored so pnpm can never stop at a prompt.
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 * @returns {number} the exit code (1 when pnpm could not be started or was killed)
 */
export function runPnpm(args, options = {}) {
  const { command, prefixArgs } = resolvePnpm();
  const result = spawnSync(command, [...prefixArgs, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: isWindows,
    env: { ...process.env, ...nativeBuildEnv() },
    ...options,
  });
  if (result.error) {
    console.error(`Could not run ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

/**
 * Native addons (better-sqlite3) compile from source where no prebuilt binary can be downloaded. node-gyp then
 * needs Node's headers: when the running Node ships them (`<prefix>/include/node/node.h`), point node-gyp there
 * instead of letting it download them, which fails on a machine with no access to nodejs.org.
 * @returns {Record<string, string>}
 */
export function nativeBuildEnv() {
  if (process.env.npm_config_nodedir) return {};
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? { npm_config_nodedir: prefix } : {};
}

function globalPnpmVersion() {
  return pnpmVersion('pnpm');
}

/** @param {string} command @returns {string | undefined} */
function pnpmVersion(command) {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', shell: isWindows, stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

// Inside an npm script, npm tells us where its own CLI is, which avoids PATH and Windows shim quirks.
function npmCommand() {
  const npmCli = process.env.npm_execpath;
  if (npmCli && /npm-cli\.c?js$/.test(npmCli)) return { command: process.execPath, prefixArgs: [npmCli] };
  return { command: 'npm', prefixArgs: [] };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { command, prefixArgs } = resolvePnpm();
  // Interactive use keeps stdin, and forwards Ctrl+C handling to pnpm itself.
  const child = spawn(command, [...prefixArgs, ...process.argv.slice(2)], { stdio: 'inherit', shell: isWindows, env: { ...process.env, ...nativeBuildEnv() } });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`Could not run ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
