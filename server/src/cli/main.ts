#!/usr/bin/env node
import { keepRunningWithoutOutput, processIo } from './cli-io.js';
import { runCli } from './run.js';

/** How long a second signal waits for the records of the requests it ends before quitting anyway. */
const FORCED_STOP_MS = 10_000;

/** The exit code of a stop a second signal forced: 128 + the signal's number. */
const FORCED_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

keepRunningWithoutOutput();
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
  const stop = (signal: keyof typeof FORCED_EXIT_CODES) => {
    signals += 1;
    const forcedCode = FORCED_EXIT_CODES[signal];
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
  // SIGHUP (the terminal closed, a supervisor asking to stop) stops as SIGTERM does: its default action would end the
  // process at once, without the records of the requests in flight.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
}
