import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const config = readFileSync(new URL('../vite.config.ts', import.meta.url), 'utf8');

/** The files vite.config.ts runs isolated because they replace a module, relative to the repository. */
function isolatedFiles() {
  const list = /const MOCKING_MODULES = \[([^\]]*)\]/.exec(config)?.[1];
  if (list === undefined) throw new Error('vite.config.ts no longer names MOCKING_MODULES.');
  return [...list.matchAll(/'([^']+)'/g)].map(([, file]) => `packages/ai-react/${file}`);
}

describe('test isolation', () => {
  // Most unit projects share a worker's modules between files (`isolate: false`); a file that replaces a module
  // (`vi.mock`) there would find it already imported, unmocked, by an earlier file, and test the real one.
  it('runs every test file that replaces a module in the isolated project', () => {
    const tests = execFileSync('git', ['ls-files', '*.test.ts', '*.test.tsx', '*.test.mjs'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
    const mocking = tests.filter((file) => /\bvi\.(?:mock|doMock)\(/.test(readFileSync(`${repo}/${file}`, 'utf8')) && file !== 'scripts/test-isolation.test.mjs');
    expect(mocking.length).toBeGreaterThan(0);
    expect(mocking.sort()).toEqual(isolatedFiles().sort());
  });
});
