// Once per `vitest run` of the demo-e2e project: the demo started exactly as the README starts it (`npm start`, with
// PORT set and a fresh data folder), and one headless Chromium that the test files connect to. The demo prints the
// URL to open and, offline, where its emulator's control API is; the tests read both from its output.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../scripts/chromium.mjs';
import { cleanEnv, freePort, stopProcessGroup, waitForOutput } from '../../../scripts/processes.mjs';

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

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'insforge-demo-e2e-'));
  const artifactsDir = path.join(REPO_ROOT, 'test-artifacts', 'e2e');
  rmSync(artifactsDir, { recursive: true, force: true });
  mkdirSync(artifactsDir, { recursive: true });
  const port = await freePort();

  // Offline by design (the tests read the emulator's probes), and built for production as a user's `npm start` is:
  // no key, database or NODE_ENV from the caller's environment.
  const env = cleanEnv({ PORT: String(port), DEMO_DATA_DIR: dataDir });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['start'], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));

  let browser: Awaited<ReturnType<typeof chromium.launchServer>> | undefined;
  try {
    // The emulator's line comes first, then the URL to open.
    const [, emulatorUrl = ''] = await waitForOutput(child, () => output, /^Emulator: (http:\/\/\S+)/m, START_TIMEOUT_MS);
    const [, demoUrl = ''] = await waitForOutput(child, () => output, /^Demo: (http:\/\/\S+)$/m, START_TIMEOUT_MS);
    console.log(`demo started by npm start at ${demoUrl} (emulator ${emulatorUrl})`);
    browser = await chromium.launchServer({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
    project.provide('demoUrl', demoUrl);
    project.provide('emulatorUrl', emulatorUrl);
    project.provide('chromiumEndpoint', browser.wsEndpoint());
    project.provide('artifactsDir', artifactsDir);
  } catch (error) {
    await stopProcessGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return async () => {
    await browser?.close();
    await stopProcessGroup(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
