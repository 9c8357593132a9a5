#!/usr/bin/env node
// `npm test`: every check this repository has, in order, stopping at the first failure.
// Extra arguments go to vitest: `npm test -- emulator` runs only the tests whose path matches "emulator".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureStorybookBuilt } from '../packages/ai-react/test/browser/storybook-static.mjs';
import { repoRoot, runPnpm } from './pnpm.mjs';

const vitestArgs = process.argv.slice(2);
// vitest's JSON report, read back for the closing count line (node_modules is never committed).
const vitestReport = path.join(repoRoot, 'node_modules', '.cache', 'insforge-test', 'vitest-report.json');
mkdirSync(path.dirname(vitestReport), { recursive: true });
rmSync(vitestReport, { force: true });

/** Each step is a name and a function returning an exit code; add a step by adding a line. */
const steps = [
  { name: 'lint (eslint)', run: () => runBin('eslint', ['.']) },
  { name: 'typecheck (tsc -b)', run: () => runBin('tsc', ['-b']) },
  { name: 'build packages (pnpm -r build)', run: () => runPnpm(['-r', 'build']) },
  // What each package would publish: publint and Are the Types Wrong on its packed tarball.
  { name: 'package checks (publint, attw)', run: () => runNode('scripts/check-packages.mjs') },
  // The demo imports the packages as an app would, through their built `exports`, so it is checked after the build.
  { name: 'typecheck the demo app', run: () => runBin('tsc', ['-p', 'examples/demo/tsconfig.json', '--noEmit']) },
  { name: "typecheck the README examples' runner", run: () => runBin('tsc', ['-p', 'examples/readme/tsconfig.json']) },
  // The static Storybook the browser tests (vitest project ai-react-browser) open in Chromium, built the way their
  // global setup builds it (skipped when up to date; under its lock; swapped in whole), so vitest reuses it.
  { name: 'storybook build (static, no server, no key)', run: buildStorybook },
  {
    name: 'unit and integration tests (vitest run)',
    run: () => runBin('vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`, ...vitestArgs]),
  },
  // Benchmarks run briefly so they cannot rot; they print figures and assert no timing.
  { name: 'emulator benchmark, short mode', run: () => runPnpm(['--filter', '@insforge/openrouter-emulator', 'bench', '--short']) },
  { name: 'markdown on hostile answers, short mode', run: () => runPnpm(['--filter', '@insforge/ai-react', 'bench:markdown', '--short']) },
  { name: 'typecheck the benchmark', run: () => runBin('tsc', ['-p', 'bench/tsconfig.json']) },
  { name: 'gateway benchmark, short mode', run: () => runBin('tsx', ['bench/run.ts', '--short']) },
  { name: 'before/after comparison, short mode', run: () => runBin('tsx', ['bench/compare.ts', '--base', 'HEAD', '--rounds', '1', '--seconds', '0.5', '--workers', '8']) },
];

const startedAt = performance.now();
let failed;
for (const [index, step] of steps.entries()) {
  console.log(`\n━━ [${index + 1}/${steps.length}] ${step.name}`);
  const stepStartedAt = performance.now();
  const status = step.run();
  console.log(`━━ ${status === 0 ? 'ok' : `FAILED (exit code ${status})`}: ${step.name} in ${seconds(stepStartedAt)}`);
  if (status !== 0) {
    failed = step.name;
    process.exitCode = status;
    break;
  }
}

printTestCounts();
console.log(`\n${failed ? `FAILED at "${failed}"` : `All ${steps.length} steps passed`} in ${seconds(startedAt)}.`);

/** @returns {number} */
function buildStorybook() {
  try {
    const { built, ms } = ensureStorybookBuilt({ quiet: false });
    console.log(built ? `storybook-static built in ${(ms / 1000).toFixed(1)} s` : 'storybook-static is up to date');
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  }
}

/** Runs a script of this repository with the current Node. @param {string} script */
function runNode(script) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, script)], { cwd: repoRoot, stdio: 'inherit' });
  return result.status ?? 1;
}

/** Runs a tool installed in the root node_modules/.bin. @param {string} name @param {string[]} args */
function runBin(name, args) {
  const isWindows = process.platform === 'win32';
  const bin = path.join(repoRoot, 'node_modules', '.bin', isWindows ? `${name}.cmd` : name);
  const result = spawnSync(bin, args, { cwd: repoRoot, stdio: 'inherit', shell: isWindows });
  if (result.error) console.error(`Could not run ${name}: ${result.error.message}`);
  return result.status ?? 1;
}

// One plain "N passed, N failed" line, so a CI log says how many tests ran whatever the reporter printed.
function printTestCounts() {
  try {
    const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
    const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    console.log(`\ntests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
  } catch {
    // vitest did not run (an earlier step failed) or wrote no report.
  }
}

/** @param {number} since */
function seconds(since) {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
