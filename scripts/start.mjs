#!/usr/bin/env node
// `npm start`: builds what the product needs, then runs its long-lived processes until Ctrl+C.
// For now that is the OpenRouter emulator alone; the gateway and the demo app join `builds` and
// `processes` when they exist. Extra arguments go to the emulator: `npm start -- --host 0.0.0.0`.
// PORT sets the emulator's port (default 8787).
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
const builds = [['--filter', '@insforge/openrouter-emulator', 'build']];

/** Long-lived processes started together; when one exits, the others are stopped. */
const processes = [
  {
    name: 'openrouter-emulator',
    command: process.execPath,
    args: [path.join(repoRoot, 'packages/openrouter-emulator/dist/cli.js'), '--port', port, ...process.argv.slice(2)],
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

for (const { name, args } of processes) {
  if (args[0]?.endsWith('.js') && !existsSync(args[0])) {
    console.error(`${name}: ${path.relative(repoRoot, args[0])} is missing after the build.`);
    process.exit(1);
  }
}

let stopping = false;
/** @type {number | undefined} */
let firstExitCode;
const children = processes.map(({ name, command, args }) => {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit' });
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
