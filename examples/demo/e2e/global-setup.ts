// Once per `vitest run` of the demo-e2e project: the demo started exactly as the README starts it (`npm start`, with
// PORT set and a fresh data folder), and one headless Chromium that the test files connect to. The demo prints the
// URL to open and, offline, where its emulator's control API is; the tests read both from its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../scripts/chromium.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where `npm start` serves the demo, e.g. `http://127.0.0.1:41234`. */
    demoUrl: string;
    /** The in-process emulator's origin (its control API is under `/_emulator`). */
    emulatorUrl: string;
    /** The Chromium server's WebSocket endpoint, for `chromium.connect`. */
    chromiumEndpoint: string;
    /** Where screenshots of each step go (`test-artifacts/e2e`). */
    artifactsDir: string;
  }
}

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** `npm start` builds the packages and the app first: minutes on a cold, loaded machine. */
const START_TIMEOUT_MS = 240_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

/** Resolves with the first capture of each pattern once all have appeared in the output; rejects if the process ends. */
function waitForLines(child: ChildProcess, output: () => string, patterns: Record<string, RegExp>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found: Record<string, string> = {};
      for (const [name, pattern] of Object.entries(patterns)) {
        const match = pattern.exec(output());
        if (!match?.[1]) return;
        found[name] = match[1];
      }
      finish();
      resolve(found);
    };
    const onExit = (code: number | null) => {
      finish();
      reject(new Error(`npm start exited (code ${code}) before the demo was up. Its output:\n${output()}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`The demo was not up within ${START_TIMEOUT_MS / 1000} s. npm start printed:\n${output()}`));
    }, START_TIMEOUT_MS);
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', check);
    child.once('exit', onExit);
  });
}

/** SIGTERM to the whole process group (npm, start.mjs, the demo), then SIGKILL if it lingers. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const kill = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'insforge-demo-e2e-'));
  const artifactsDir = path.join(REPO_ROOT, 'test-artifacts', 'e2e');
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });
  const port = await freePort();

  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEMO_DATA_DIR: dataDir };
  // Offline by design: the tests read the emulator's probes. A key in the caller's environment must not reach here.
  delete env['OPENROUTER_API_KEY'];
  delete env['DATABASE_URL'];
  delete env['INSFORGE_AI_ENCRYPTION_KEY'];
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['start'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));

  let browser: Awaited<ReturnType<typeof chromium.launchServer>> | undefined;
  try {
    const { demoUrl = '', emulatorUrl = '' } = await waitForLines(child, () => output, { demoUrl: /^Demo: (http:\/\/\S+)$/m, emulatorUrl: /^Emulator: (http:\/\/\S+)/m });
    console.log(`demo started by npm start at ${demoUrl} (emulator ${emulatorUrl})`);
    browser = await chromium.launchServer({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
    project.provide('demoUrl', demoUrl);
    project.provide('emulatorUrl', emulatorUrl);
    project.provide('chromiumEndpoint', browser.wsEndpoint());
    project.provide('artifactsDir', artifactsDir);
  } catch (error) {
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return async () => {
    await browser?.close();
    await stopGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
