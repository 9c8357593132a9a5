#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { runCli } from './run.js';

/** How long a second signal waits for the records of the requests it ends before quitting anyway. */
const FORCED_STOP_MS = 10_000;

const result = await runCli(process.argv.slice(2), process.env, processIo);
if (typeof result === 'number') {
  process.exitCode = result;
} else {
  let signals = 0;
  /** The exit code once stopped: 0, or 128 + the signal's number when a second signal forced the stop. */
  let exitCode = 0;
  const exitOnceStopped = (stopped: Promise<void>) =>
    stopped.then(
      () => process.exit(exitCode),
      (error: unknown) => {
        processIo.err(`insforge-ai: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  const stop = (signal: NodeJS.Signals) => {
    signals += 1;
    const forcedCode = signal === 'SIGINT' ? 130 : 143;
    if (signals === 1) {
      processIo.err(`${signal}: shutting down (${result.stopping ? `${result.stopping}; ` : ''}press Ctrl-C again to force)`);
      void exitOnceStopped(result.close());
    } else if (signals === 2 && result.closeNow) {
      // npm and some supervisors pass a signal on twice: forcing still writes the records of the requests it ends.
      processIo.err(`${signal}: ending in-flight requests now and writing their records (press Ctrl-C again to quit without them)`);
      exitCode = forcedCode;
      void exitOnceStopped(result.closeNow());
      // A database that hangs (a write that never ends) must not hold a forced stop for good.
      setTimeout(() => {
        processIo.err(`insforge-ai: the records were not all written within ${FORCED_STOP_MS / 1000} s; quitting without them`);
        process.exit(forcedCode);
      }, FORCED_STOP_MS).unref();
    } else {
      process.exit(forcedCode);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
