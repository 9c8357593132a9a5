#!/usr/bin/env node
// Installs dependencies with the pinned pnpm when node_modules is missing or older than the manifests,
// and does nothing (quickly) otherwise. `npm test` and `npm start` run it first, so a fresh clone needs
// only Node and npm.
//
// "Older than the manifests" means: a hash of pnpm-lock.yaml, pnpm-workspace.yaml, .npmrc, every
// workspace package.json, the pinned pnpm version and Node's ABI differs from the one stamped into
// node_modules/ by the last successful install. With CI=true the install uses --frozen-lockfile.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNPM_VERSION, repoRoot, resolvePnpm, runPnpm } from './pnpm.mjs';

const stampFile = path.join(repoRoot, 'node_modules', '.insforge-install-stamp');
const isCI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

const workspaceDirs = listWorkspaceDirs();
const reason = staleReason(installHash());
if (!reason) {
  console.log('Dependencies are up to date.');
  process.exit(0);
}

const startedAt = performance.now();
const installArgs = ['install', ...(isCI ? ['--frozen-lockfile'] : [])];
console.log(`Installing dependencies: ${reason}.`);
console.log(`Running pnpm ${installArgs.join(' ')} with ${resolvePnpm().description}…`);

let status = runPnpm(installArgs);
if (status !== 0 && existsSync(path.join(repoRoot, 'node_modules'))) {
  // What pnpm would otherwise ask about interactively (a node_modules it cannot reuse): start clean, once.
  console.log('The install failed over an existing node_modules; removing node_modules folders and retrying once.');
  for (const dir of ['.', ...workspaceDirs]) rmSync(path.join(repoRoot, dir, 'node_modules'), { recursive: true, force: true });
  status = runPnpm(installArgs);
}
if (status !== 0) {
  console.error(`\nInstalling dependencies failed (pnpm exited with ${status}).`);
  if (isCI) console.error('If pnpm says the lockfile is outdated: run `node scripts/pnpm.mjs install` and commit pnpm-lock.yaml (CI installs with --frozen-lockfile).');
  process.exit(status);
}

// Hash again: a non-frozen install may have rewritten pnpm-lock.yaml.
writeFileSync(stampFile, `${installHash()}\n`);
console.log(`Dependencies installed in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);

/** @param {string} hash */
function staleReason(hash) {
  if (!existsSync(path.join(repoRoot, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(stampFile)) return 'node_modules was not installed by this script';
  if (readFileSync(stampFile, 'utf8').trim() !== hash) return 'pnpm-lock.yaml, a package.json or the Node.js version changed since the last install';
  return undefined;
}

function installHash() {
  const hash = createHash('sha256');
  hash.update(`pnpm ${PNPM_VERSION}; node ABI ${process.versions.modules}; ${process.platform}-${process.arch}\n`);
  const files = ['pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'package.json', ...workspaceDirs.map((dir) => `${dir}/package.json`)];
  for (const file of files) {
    const fullPath = path.join(repoRoot, file);
    hash.update(`\0${file}\0`);
    if (existsSync(fullPath)) hash.update(readFileSync(fullPath));
  }
  return hash.digest('hex');
}

// Reads the `packages:` globs of pnpm-workspace.yaml. Supports what workspaces use in practice:
// literal folders, `*` and `**` segments, and `!` exclusions. Returns folders that hold a package.json.
function listWorkspaceDirs() {
  const yaml = readFileSync(path.join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:[ \t]*\n((?:[ \t]*-.*\n?|[ \t]+.*\n?|[ \t]*\n)*)/m.exec(yaml)?.[1] ?? '';
  const patterns = [...block.matchAll(/^[ \t]*-[ \t]*['"]?([^'"\n#]+?)['"]?[ \t]*(?:#.*)?$/gm)].map((match) => match[1] ?? '');
  const included = new Set();
  for (const pattern of patterns.filter((p) => !p.startsWith('!'))) for (const dir of expandGlob(pattern)) included.add(dir);
  for (const pattern of patterns.filter((p) => p.startsWith('!'))) for (const dir of expandGlob(pattern.slice(1))) included.delete(dir);
  return [...included].filter((dir) => existsSync(path.join(repoRoot, dir, 'package.json'))).sort();
}

/** @param {string} pattern */
function expandGlob(pattern) {
  /** @type {string[]} */
  let dirs = ['.'];
  for (const segment of pattern.replace(/^\.\//, '').replace(/\/+$/, '').split('/')) {
    if (segment === '**') dirs = dirs.flatMap((dir) => [dir, ...descendants(dir)]);
    else if (segment.includes('*')) {
      const matcher = new RegExp(`^${segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      dirs = dirs.flatMap((dir) => children(dir).filter((child) => matcher.test(path.basename(child))));
    } else dirs = dirs.map((dir) => path.posix.join(dir, segment)).filter((dir) => existsSync(path.join(repoRoot, dir)));
  }
  return dirs;
}

/** @param {string} dir */
function children(dir) {
  try {
    return readdirSync(path.join(repoRoot, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
      .map((entry) => path.posix.join(dir, entry.name));
  } catch {
    return [];
  }
}

/** @param {string} dir @returns {string[]} */
function descendants(dir) {
  return children(dir).flatMap((child) => [child, ...descendants(child)]);
}
