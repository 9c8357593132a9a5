#!/usr/bin/env node
import { processIo } from './cli-io.js';
import { runCli } from './run.js';

const result = await runCli(process.argv.slice(2), process.env, processIo);
if (typeof result === 'number') {
  process.exitCode = result;
} else {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now": skip waiting for in-flight streams.
      process.exit(130);
    }
    stopping = true;
    processIo.err(`${signal}: shutting down (${result.stopping ? `${result.stopping}; ` : ''}press Ctrl-C again to force)`);
    result.close().then(
      () => process.exit(0),
      (error: unknown) => {
        processIo.err(`insforge-ai: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
