#!/usr/bin/env node
// `npm start`: builds what the product needs, then runs its long-lived processes until Ctrl+C.
// That is the demo (examples/demo): the gateway mounted in Express with the React app at /, on the embedded
// database, and with the OpenRouter emulator in-process as upstream when OPENROUTER_API_KEY is not set.
// PORT sets the port (default 8787); the demo prints the URL to open.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runPnpm } from './pnpm.mjs';

const port = process.env.PORT || '8787';
if (!/^\d+$/.test(port) || Number(port) > 65_535) {
  console.error(`PORT must be a port number, got "${port}".`);
  process.exit(1);
}

/** pnpm arguments run one after another before anything starts. */
const builds = [
  ['-r', '--filter', './packages/**', '--filter', './server', 'build'],
  // `vite build` in examples/demo: the app the demo server serves at /.
  ['--filter', '@insforge/demo', 'build'],
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

for (const args of builds) {
  console.log(`Building: pnpm ${args.join(' ')}`);
  const status = runPnpm(args);
  if (status !== 0) {
    console.error(`Build failed (exit code ${status}); not starting.`);
    process.exit(status);
  }
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
