/**
 * Child processes of the benchmark: each target runs in its own process, so its resident memory (VmRSS) is its own.
 * Our TypeScript entries are bundled once with esbuild (dependencies stay external) into server/node_modules/.cache,
 * where Node resolves the server's dependencies, and run by plain `node`: no loader hooks in the measured process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** Inside server/node_modules so bundled code resolves the server's own dependencies (express, better-sqlite3…). */
export const bundleDirectory = path.join(repoRoot, 'server', 'node_modules', '.cache', 'insforge-bench');

/**
 * Bundles a bench entry (TypeScript, sources of the workspace packages included) to an ES module with a source map;
 * `from` bundles it from another checkout of the repository (bench/compare.ts), written under `name`. With `split`,
 * what the code imports on demand (`import()`) stays in chunks of its own, loaded only when asked for, as in the
 * published package (a single file would load every dependency at start).
 */
export async function bundleEntry(entry: string, from: { root: string; name: string } = { root: repoRoot, name: path.basename(entry, '.ts') }, split = false): Promise<string> {
  mkdirSync(bundleDirectory, { recursive: true });
  const outdir = split ? path.join(bundleDirectory, from.name) : bundleDirectory;
  await build({
    entryPoints: [path.join(from.root, 'bench', entry)],
    ...(split ? { outdir, splitting: true, entryNames: from.name, outExtension: { '.js': '.mjs' } } : { outfile: path.join(outdir, `${from.name}.mjs`) }),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  return path.join(outdir, `${from.name}.mjs`);
}

/**
 * Our gateway as it was at `commit`, for a before-and-after run: checks the commit out beside the working tree (a
 * detached git worktree), bundles its bench/gateway-server.ts and hands `use` the bundle, labelled with the commit's
 * short name (`commit`); the checkout is removed afterwards, whatever happens. With `serverFromWorkingTree`, the working tree's
 * bench/gateway-server.ts runs the base's code, so both builds are set up the same way.
 */
export async function withBaseBuild<T>(commit: string, options: { serverFromWorkingTree?: boolean }, use: (base: { label: string; bundle: string; commit: string }) => Promise<T>): Promise<T> {
  const checkout = mkdtempSync(path.join(tmpdir(), 'insforge-base-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', checkout, commit], { cwd: repoRoot, stdio: 'ignore' });
    const short = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
    if (options.serverFromWorkingTree) copyFileSync(path.join(repoRoot, 'bench', 'gateway-server.ts'), path.join(checkout, 'bench', 'gateway-server.ts'));
    return await use({ label: `base ${short}`, commit: short, bundle: await bundleEntry('gateway-server.ts', { root: checkout, name: `gateway-server-${short}` }) });
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', checkout], { cwd: repoRoot, stdio: 'ignore' });
    rmSync(checkout, { recursive: true, force: true });
  }
}

export interface ChildOptions {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** Log file for stdout and stderr (read back when the child fails). */
  logFile: string;
  /** How to know it is up: a line it prints (first capture group is returned), or a port that accepts connections. */
  ready: { stdout: RegExp } | { port: number };
  nodeArgs?: string[];
  /** A program Node runs under, with its arguments (`valgrind --tool=callgrind`); the child's pid is still Node's. */
  wrapper?: string[];
  /** How long it may take to be ready. Default 15 s. */
  readyTimeoutMs?: number;
}

export interface ProcessMemory {
  /** VmRSS right after a garbage collection. */
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory of Buffers and other C++ objects tied to JavaScript objects. */
  external: number;
}

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The first capture group of the ready pattern, or `http://127.0.0.1:PORT`. */
  readyValue: string;
  /** Asks the memory probe (bench/memory-probe.ts, when preloaded) to collect garbage and report. */
  memory(): Promise<ProcessMemory>;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Starts a Node child process and resolves once it is ready (15 s at most, unless `readyTimeoutMs` says). */
export async function startChild(options: ChildOptions): Promise<Child> {
  const log = openSync(options.logFile, 'a');
  const [program = process.execPath, ...wrapperArgs] = options.wrapper ? [...options.wrapper, process.execPath] : [];
  const child = spawn(program, [...wrapperArgs, ...(options.nodeArgs ?? []), ...options.args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', log],
  });
  closeSync(log);
  // Everything it prints is kept (the tail), so a ready line or a memory report can be read from it.
  let printed = '';
  let partialLine = '';
  const listeners = new Set<() => void>();
  const memoryWaiters: Array<(usage: Omit<ProcessMemory, 'rss'>) => void> = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    printed = (printed + text).slice(-65_536);
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('bench-memory ')) memoryWaiters.shift()?.(JSON.parse(line.slice(13)) as Omit<ProcessMemory, 'rss'>);
    for (const listener of listeners) listener();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failure = (reason: string) => new Error(`${options.name} ${reason}; its log (${options.logFile}):\n${tail(options.logFile)}`);
  const readyValue = await new Promise<string>((resolve, reject) => {
    const readyMs = options.readyTimeoutMs ?? 15_000;
    const timer = setTimeout(() => reject(failure(`was not ready within ${readyMs / 1_000} s`)), readyMs);
    void exited.then(() => reject(failure(`exited (code ${child.exitCode})`)));
    const { ready } = options;
    if ('stdout' in ready) {
      const check = () => {
        const match = ready.stdout.exec(printed);
        if (match) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match[1] ?? match[0]);
        }
      };
      listeners.add(check);
    } else {
      void waitForPort(ready.port, readyMs).then(() => {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${ready.port}`);
      }, reject);
    }
  });
  if (child.pid === undefined) throw failure('has no process id');
  const handle: Child = {
    name: options.name,
    pid: child.pid,
    process: child,
    readyValue,
    memory() {
      const pid = child.pid ?? 0;
      return new Promise<ProcessMemory>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${options.name} did not report its memory (is bench/memory-probe.ts preloaded?)`)), 5_000);
        memoryWaiters.push((usage) => {
          clearTimeout(timer);
          resolve({ rss: rssBytes(pid), heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external });
        });
        child.kill('SIGUSR2');
      });
    },
    async stop() {
      running.delete(handle);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(handle);
  return handle;
}

/** Stops every child still running (on errors and Ctrl-C). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Resident set size of a process, in bytes (Linux `/proc/<pid>/status` VmRSS). */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/**
 * The resident set in its two parts: pages of files (node's binary and libraries, as far as they were touched) and
 * anonymous memory (the heaps). The first depends on the machine as much as on the program.
 */
export function rssParts(pid: number): { file: number; anonymous: number } {
  return { file: statusBytes(pid, 'RssFile'), anonymous: statusBytes(pid, 'RssAnon') };
}

function statusBytes(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith(`${field}:`));
  return Number(line?.replace(/\D+/g, '') ?? NaN) * 1024;
}

/** A port nothing listens on right now (for a child that takes `--port=N`). */
export { freePort } from '../scripts/processes.mjs';

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/** The first line of a failure's message, for a report's table cell. */
export const firstLineOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-3_000);
  } catch {
    return '(no log)';
  }
}
