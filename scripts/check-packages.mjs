#!/usr/bin/env node
// Lints what each published package would ship, after `pnpm -r build`: publint (package.json against the files in
// the tarball) and Are the Types Wrong (every entry point resolves to JavaScript and types under node16 and bundler
// resolution; ESM-only by design, so CommonJS resolution is not required). Exits non-zero on any problem.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './pnpm.mjs';

const PACKAGES = ['packages/ai-protocol', 'packages/openrouter-emulator', 'server', 'packages/ai-react'];
const bin = (name) => path.join(repoRoot, 'node_modules', '.bin', name);

let failed = 0;
for (const directory of PACKAGES) {
  const cwd = path.join(repoRoot, directory);
  for (const [name, args] of [
    ['publint', ['--strict', '--pack', 'npm']],
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    const result = spawnSync(bin(name), args, { cwd, stdio: 'inherit' });
    if (result.status !== 0) {
      failed += 1;
      console.error(`${name} found problems in ${directory}`);
    }
  }
}
process.exit(failed === 0 ? 0 : 1);
