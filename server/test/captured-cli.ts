import type { CliIoWithStdin } from '../src/cli/cli-stdin.js';
import { runCli } from '../src/cli/run.js';
import type { CliEnvironment } from '../src/cli/serve.js';

/** What a command run in process wrote, and how it ended. */
export interface CapturedCliRun {
  exitCode: number;
  /** What it wrote to stdout, a line an entry. */
  out: string[];
  /** What it wrote to stderr, a line an entry. */
  err: string[];
  /** stdout and stderr together in the order written, as a terminal shows them. */
  lines: string[];
  /** Whether the command read stdin at all. */
  readStdin: boolean;
}

/**
 * Runs `insforge-ai <argv>` in process with `env` (not the process's), its stdout and stderr captured and `stdin`
 * piped in (empty unless given; never a terminal, so nothing prompts). Fails when the command keeps running, as
 * `serve` does: start that with `serve` instead.
 * @example
 * const run = await runCapturedCli(['keys', 'list', '--database', inDirectory('ai.db')]);
 * expect(run).toMatchObject({ exitCode: 0, err: [] });
 * await runCapturedCli(['features', 'set', '-'], { DATABASE_URL: database }, JSON.stringify(feature));
 */
export async function runCapturedCli(argv: readonly string[], env: CliEnvironment = {}, stdin = ''): Promise<CapturedCliRun> {
  const run: Omit<CapturedCliRun, 'exitCode'> = { out: [], err: [], lines: [], readStdin: false };
  const io: CliIoWithStdin = {
    out: (line) => {
      run.out.push(line);
      run.lines.push(line);
    },
    err: (line) => {
      run.err.push(line);
      run.lines.push(line);
    },
    stdin: {
      isTerminal: false,
      readAll: async () => {
        run.readStdin = true;
        return stdin;
      },
      readHiddenLine: () => Promise.reject(new Error('no terminal in tests')),
    },
  };
  const exitCode = await runCli(argv, env, io);
  if (typeof exitCode !== 'number') throw new Error('the command kept running');
  return { exitCode, ...run };
}
