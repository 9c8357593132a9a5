#!/usr/bin/env node
// Lints what each published package would ship, after `pnpm -r build`: publint (package.json against the files in
// the tarball) and Are the Types Wrong (every entry point resolves to JavaScript and types under node16 and bundler
// resolution; ESM-only by design, so CommonJS resolution is not required). Exits non-zero on any problem.
// Each package is packed once, the way it is published (`pnpm pack`, which writes the versions in place of
// `workspace:` ranges), and both tools read that tarball: each packing its own took a third of this step's time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, resolvePnpm } from './pnpm.mjs';

const PACKAGES = ['packages/ai-protocol', 'packages/openrouter-emulator', 'server', 'packages/ai-react'];
const bin = (name) => path.join(repoRoot, 'node_modules', '.bin', name);
const tarballs = mkdtempSync(path.join(tmpdir(), 'insforge-check-packages-'));

let failed = 0;
try {
  for (const directory of PACKAGES) {
    const cwd = path.join(repoRoot, directory);
    const tarball = pack(cwd);
    if (!tarball) {
      failed += 1;
      console.error(`pnpm pack failed in ${directory}`);
      continue;
    }
    for (const [name, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--profile', 'esm-only', '--format', 'table-flipped']],
    ]) {
      const result = spawnSync(bin(name), args, { cwd, stdio: 'inherit' });
      if (result.status !== 0) {
        failed += 1;
        console.error(`${name} found problems in ${directory}`);
      }
    }
  }
} finally {
  rmSync(tarballs, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);

/** Packs the package in `cwd` into the temporary folder; answers the tarball's path, or undefined when pnpm failed. */
function pack(cwd) {
  const { command, prefixArgs } = resolvePnpm();
  const result = spawnSync(command, [...prefixArgs, 'pack', '--json', '--pack-destination', tarballs], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) return undefined;
  return path.resolve(tarballs, /** @type {{ filename: string }} */ (JSON.parse(result.stdout)).filename);
}
