/**
 * `insforge-ai serve` as users run it, bundled from source for bench/serve-idle.ts: the CLI's own `runCli` with the
 * process's arguments (the package declares no side effects, so its `main` would be dropped from a bundle).
 */
import { processIo } from '../server/src/cli/cli-io.js';
import { runCli } from '../server/src/cli/run.js';

const result = await runCli(process.argv.slice(2), process.env, processIo);
if (typeof result === 'number') process.exit(result);
process.on('SIGTERM', () => void result.close().finally(() => process.exit(0)));
