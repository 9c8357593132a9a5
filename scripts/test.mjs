#!/usr/bin/env node
// `npm test`: every check this repository has, in order, stopping at the first failure. The checks before the tests
// (the linters, typechecks, the build, package checks and the Storybook build) run side by side, one per core, each
// as soon as the steps it needs have passed.
// Extra arguments go to vitest: `npm test -- emulator` runs only the tests whose path matches "emulator".
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nativeBuildEnv, repoRoot, resolvePnpm } from './pnpm.mjs';

const vitestArgs = process.argv.slice(2);
// vitest's JSON report, read back for the closing count line (node_modules is never committed).
const vitestReport = path.join(repoRoot, 'node_modules', '.cache', 'insforge-test', 'vitest-report.json');
mkdirSync(path.dirname(vitestReport), { recursive: true });
rmSync(vitestReport, { force: true });

/**
 * @typedef {{ name: string, file: string, args: string[], env?: Record<string, string>, after?: Step[] }} Step
 *   a name and the command it runs; in a group, `after` names the steps of that group it needs to have passed
 * @typedef {{ together: Step[] }} Group steps run side by side (as many at once as the machine has cores), each
 *   started as soon as a core is free and its `after` steps passed, earlier ones first; each one's output is printed
 *   whole when it ends
 */

const build = pnpm('build packages (pnpm -r build)', ['-r', 'build']);
const typecheck = bin('typecheck (tsc -b)', 'tsc', ['-b']);
/** @type {Array<Step | Group>} */
const plan = [
  {
    // In order of what to start first when a core is free: the build first, since four steps wait for it, then the
    // longest. (As two groups, lint and typecheck, then the build, then the rest, a core sat idle twice.)
    together: [
      build,
      typecheck,
      // What each package would publish: publint and Are the Types Wrong on its packed tarball.
      after([build], node('package checks (publint, attw)', [path.join(repoRoot, 'scripts/check-packages.mjs')])),
      bin('lint (eslint)', 'eslint', ['.']),
      // The README runner, the benchmark and the demo import the packages as an app would, through their built
      // `exports`. The first two also import the packages' sources, which they read as the declarations `tsc -b`
      // emitted (project references), so they run after it.
      after([build, typecheck], bin("typecheck the README examples' runner", 'tsc', ['-b', 'examples/readme/tsconfig.json'])),
      after([build, typecheck], bin('typecheck the benchmark', 'tsc', ['-b', 'bench/tsconfig.json'])),
      // The static Storybook the browser tests (vitest project ai-react-browser) open in Chromium, built the way their
      // global setup builds it (skipped when up to date; under its lock; swapped in whole), so vitest reuses it. It is
      // built from the sources (workspace aliases), so it needs no package build.
      node('storybook build (static, no server, no key)', ['--input-type=module', '-e', storybookScript()]),
      after([build], bin('typecheck the demo app', 'tsc', ['-p', 'examples/demo/tsconfig.json', '--noEmit'])),
    ],
  },
  bin('unit and integration tests (vitest run)', 'vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`, ...vitestArgs]),
  // Benchmarks run briefly so they cannot rot; they print figures and assert no timing. One at a time, so the
  // figures they print are not shared with another step.
  pnpm('emulator benchmark, short mode', ['--filter', '@insforge/openrouter-emulator', 'bench', '--short']),
  pnpm('markdown on hostile answers, short mode', ['--filter', '@insforge/ai-react', 'bench:markdown', '--short']),
  bin('gateway benchmark, short mode', 'tsx', ['bench/run.ts', '--short']),
  bin('before/after comparison, short mode', 'tsx', ['bench/compare.ts', '--base', 'HEAD', '--rounds', '1', '--seconds', '0.5', '--workers', '8']),
  bin('floors and parts, short mode', 'tsx', ['bench/floors.ts', '--kinds', 'chat', '--rounds', '1', '--seconds', '0.5', '--workers', '8', '--sequential', '3']),
  bin('latency after idle time, short mode', 'tsx', ['bench/idle-latency.ts', '--idle', '0,5', '--rounds', '1', '--requests', '2', '--seconds', '0.5']),
];

const total = plan.reduce((count, entry) => count + ('together' in entry ? entry.together.length : 1), 0);
const startedAt = performance.now();
let number = 0;
let failed;
for (const entry of plan) {
  failed = 'together' in entry ? await runTogether(entry.together) : await runStep(entry, { capture: false });
  if (failed) break;
}

printTestCounts();
console.log(`\n${failed ? `FAILED at "${failed}"` : `All ${total} steps passed`} in ${seconds(startedAt)}.`);

/**
 * Runs one step; with `capture`, its output is kept and printed whole when it ends, so steps run side by side do not
 * interleave their lines. Returns the step's name when it failed.
 * @param {Step} step @param {{ capture: boolean }} options @returns {Promise<string | undefined>}
 */
async function runStep(step, { capture }) {
  const header = `\n━━ [${(number += 1)}/${total}] ${step.name}`;
  if (!capture) console.log(header);
  const stepStartedAt = performance.now();
  const { status, output } = await spawnStep(step, capture);
  if (capture) process.stdout.write(`${header}\n${output}`);
  console.log(`━━ ${status === 0 ? 'ok' : `FAILED (exit code ${status})`}: ${step.name} in ${seconds(stepStartedAt)}`);
  if (status === 0) return undefined;
  process.exitCode = status;
  return step.name;
}

/**
 * Runs steps side by side, as many at once as there are cores: a free core takes the first step whose `after` steps
 * have passed. After a failure it starts no more of them and waits for those running. Returns the first failed
 * step's name.
 * @param {Step[]} group @returns {Promise<string | undefined>}
 */
async function runTogether(group) {
  const pending = [...group];
  /** @type {Set<Step>} */
  const passed = new Set();
  let running = 0;
  let firstFailed;
  /** @type {Array<() => void>} */
  const waiting = [];
  const lane = async () => {
    while (pending.length > 0 && !firstFailed) {
      const index = pending.findIndex((step) => (step.after ?? []).every((needed) => passed.has(needed)));
      if (index === -1) {
        if (running === 0) throw new Error(`"${pending[0]?.name}" waits for a step that is not in its group`);
        // Until a running step ends: it may be the one the next step needs.
        await new Promise((resolve) => waiting.push(() => resolve(undefined)));
        continue;
      }
      const [step] = pending.splice(index, 1);
      running += 1;
      const failedStep = await runStep(/** @type {Step} */ (step), { capture: true });
      running -= 1;
      if (failedStep) firstFailed ??= failedStep;
      else passed.add(/** @type {Step} */ (step));
      for (const wake of waiting.splice(0)) wake();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), group.length)) }, lane));
  return firstFailed;
}

/** @param {Step} step @param {boolean} capture @returns {Promise<{ status: number, output: string }>} */
function spawnStep(step, capture) {
  const isWindows = process.platform === 'win32';
  return new Promise((resolve) => {
    const child = spawn(step.file, step.args, {
      cwd: repoRoot,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
      shell: isWindows && !step.file.endsWith('.exe'),
      env: { ...process.env, ...step.env },
    });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout?.on('data', (chunk) => chunks.push(chunk));
    child.stderr?.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (error) => chunks.push(Buffer.from(`Could not run ${step.file}: ${error.message}\n`)));
    child.on('close', (code) => resolve({ status: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** A tool installed in the root node_modules/.bin. @param {string} name @param {string} tool @param {string[]} args @returns {Step} */
function bin(name, tool, args) {
  return { name, file: path.join(repoRoot, 'node_modules', '.bin', process.platform === 'win32' ? `${tool}.cmd` : tool), args };
}

/** The pinned pnpm. @param {string} name @param {string[]} args @returns {Step} */
function pnpm(name, args) {
  const { command, prefixArgs } = resolvePnpm();
  return { name, file: command, args: [...prefixArgs, ...args], env: nativeBuildEnv() };
}

/** `step`, started in its group only once `needed` passed. @param {Step[]} needed @param {Step} step @returns {Step} */
function after(needed, step) {
  return { ...step, after: needed };
}

/** The current Node. @param {string} name @param {string[]} args @returns {Step} */
function node(name, args) {
  return { name, file: process.execPath, args };
}

/** The storybook step's script: the browser tests' own build function, run in a process of its own. */
function storybookScript() {
  const module = pathToFileURL(path.join(repoRoot, 'packages/ai-react/test/browser/storybook-static.mjs')).href;
  return [
    `const { ensureStorybookBuilt } = await import(${JSON.stringify(module)});`,
    'try {',
    '  const { built, ms } = ensureStorybookBuilt({ quiet: false });',
    "  console.log(built ? `storybook-static built in ${(ms / 1000).toFixed(1)} s` : 'storybook-static is up to date');",
    '} catch (error) {',
    '  console.error(error instanceof Error ? error.message : error);',
    '  process.exitCode = 1;',
    '}',
  ].join('\n');
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
