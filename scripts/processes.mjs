// Child-process helpers the end-to-end tests, the README examples' runner and the benchmark share: a free port, a
// line awaited in a child's output, a whole process group stopped, and an environment without the caller's settings.
import { createServer } from 'node:net';

/** A port nothing listens on right now, on 127.0.0.1. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves with the match once `pattern` matches the child's output so far (`read()`, checked on every chunk it
 * writes); rejects, with the output, when the child exits first or `timeoutMs` passes.
 * @param {import('node:child_process').ChildProcess} child
 * @param {() => string} read
 * @param {RegExp} pattern
 * @param {number} [timeoutMs]
 * @returns {Promise<RegExpExecArray>}
 */
export function waitForOutput(child, read, pattern, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(read());
      if (!match) return false;
      finish();
      resolve(match);
      return true;
    };
    const onExit = (/** @type {number | null} */ code) => {
      if (check()) return;
      finish();
      reject(new Error(`exited (code ${code}) before printing ${pattern}:\n${read()}`));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${read()}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
    };
    if (check()) return;
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
  });
}

/**
 * SIGTERM to the child's whole process group (it must have been spawned with `detached: true`), then SIGKILL if the
 * child has not exited within `graceMs`; resolves once the child has exited.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} [graceMs]
 * @returns {Promise<void>}
 */
export async function stopProcessGroup(child, graceMs = 10_000) {
  const pid = child.pid;
  if (pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', () => resolve(undefined)));
  const leaderRunning = child.exitCode === null && child.signalCode === null;
  const signal = (/** @type {NodeJS.Signals} */ name) => {
    try {
      process.kill(-pid, name);
    } catch {
      // Already gone.
    }
  };
  // The whole group, even when its leader has exited already (a shell example's background jobs outlive the shell).
  signal('SIGTERM');
  if (!leaderRunning) return;
  const kill = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(kill);
}

/**
 * The product's settings a test must not inherit from the shell that runs it (a real key, a database, an upstream),
 * plus NODE_ENV (vitest sets `test`, which would make `npm start` build the demo for development).
 */
export const CALLER_SETTINGS = ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'DATABASE_URL', 'REDIS_URL', 'INSFORGE_AI_ENCRYPTION_KEY', 'INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS', 'INSFORGE_AI_CLIENT_KEY', 'INSFORGE_AI_ADMIN_TOKEN', 'PORT', 'NODE_ENV'];

/**
 * This process's environment without `CALLER_SETTINGS`, with `extra` on top.
 * @param {Record<string, string>} [extra]
 * @returns {NodeJS.ProcessEnv}
 */
export function cleanEnv(extra = {}) {
  const inherited = Object.entries(process.env).filter(([name]) => !CALLER_SETTINGS.includes(name));
  return { ...Object.fromEntries(inherited), ...extra };
}
