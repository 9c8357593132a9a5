#!/usr/bin/env node
// `npm start`: builds what the product needs, then runs its long-lived processes until Ctrl+C.
// That is the demo (examples/demo): the gateway mounted in Express with the React app at /, on the embedded
// database, and with the OpenRouter emulator in-process as upstream when OPENROUTER_API_KEY is not set.
// PORT sets the port (default 8787); the demo prints the URL to open.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runPnpm } from './pnpm.mjs';
import { isUpToDate } from './up-to-date.mjs';

const port = process.env.PORT || '8787';
if (!/^\d+$/.test(port) || Number(port) > 65_535) {
  console.error(`PORT must be a port number, got "${port}".`);
  process.exit(1);
}

/** Read by every build: a change to one of them builds everything again. */
const SHARED_INPUTS = ['tsconfig.base.json', 'pnpm-lock.yaml'];
const PACKAGES = ['packages/ai-protocol', 'packages/openrouter-emulator', 'packages/ai-react', 'server'];
const inFolder = (folder, names) => names.map((name) => `${folder}/${name}`);

/**
 * pnpm arguments run one after another before anything starts. A build is skipped when every folder it makes
 * (`outputs`) was written after the newest of what it is made from (`inputs`): a second `npm start` starts at once.
 * A build this script started and did not see finish (Ctrl+C, a crash) is done again. Delete an output folder to
 * build it again regardless.
 */
const builds = [
  {
    args: ['-r', '--filter', './packages/**', '--filter', './server', 'build'],
    inputs: [...SHARED_INPUTS, ...PACKAGES.flatMap((folder) => inFolder(folder, ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']))],
    outputs: PACKAGES.map((folder) => `${folder}/dist`),
  },
  {
    // `vite build` in examples/demo: the app the demo server serves at /, made with the packages' builds.
    args: ['--filter', '@insforge/demo', 'build'],
    inputs: [...SHARED_INPUTS, ...inFolder('examples/demo', ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json']), ...PACKAGES.map((folder) => `${folder}/dist`)],
    outputs: ['examples/demo/dist'],
  },
];

/** Long-lived processes started together; when one exits, the others are stopped. */
const processes = [
  {
    // One process: tsx loads in Node itself (no wrapper process), so Ctrl+C and SIGTERM reach the server directly.
    name: 'demo',
    command: process.execPath,
    args: ['--import', 'tsx', path.join(repoRoot, 'examples/demo/server.ts')],
    env: { ...process.env, PORT: port },
  },
];

const fromRoot = (paths) => paths.map((relative) => path.join(repoRoot, relative));
// One marker per build while it runs: left behind, it says the output may be half written.
const markers = path.join(repoRoot, 'node_modules', '.cache', 'insforge-start');
mkdirSync(markers, { recursive: true });
for (const [index, { args, inputs, outputs }] of builds.entries()) {
  const marker = path.join(markers, `build-${index}.running`);
  if (!existsSync(marker) && isUpToDate(fromRoot(outputs), fromRoot(inputs))) {
    console.log(`Up to date: ${outputs.join(', ')} (newer than their sources; pnpm ${args.join(' ')} skipped)`);
    continue;
  }
  console.log(`Building: pnpm ${args.join(' ')}`);
  writeFileSync(marker, args.join(' '));
  const status = runPnpm(args);
  if (status !== 0) {
    console.error(`Build failed (exit code ${status}); not starting.`);
    process.exit(status);
  }
  rmSync(marker, { force: true });
}

for (const required of ['examples/demo/dist/index.html', 'server/dist/index.js', 'packages/openrouter-emulator/dist/index.js']) {
  if (!existsSync(path.join(repoRoot, required))) {
    console.error(`${required} is missing after the build; not starting.`);
    process.exit(1);
  }
}

let stopping = false;
/** @type {number | undefined} */
let firstExitCode;
const children = processes.map(({ name, command, args, env }) => {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
  child.on('error', (error) => stopAll(`${name} could not start: ${error.message}`, 1));
  child.on('exit', (code, signal) => stopAll(`${name} exited${signal ? ` on ${signal}` : ` with code ${code}`}`, code ?? 0));
  return child;
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill(signal);
  });
}

/** @param {string} why @param {number} code */
function stopAll(why, code) {
  if (!stopping) console.error(why);
  stopping = true;
  firstExitCode ??= code;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  if (running.length === 0) process.exit(firstExitCode);
}
