/**
 * A failure the CLI reports as one readable line and an exit code: 2 for a wrong invocation (unknown command,
 * unknown flag, bad flag value), 1 for everything else (an invalid features file, a port in use).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** A wrong invocation: exit code 2, and the caller points at `--help`. */
export const usageError = (message: string) => new CliError(message, 2);

/** Turns node:util `parseArgs` errors (unknown option, missing value, stray argument) into usage errors. */
export function toUsageError(error: unknown): unknown {
  if (!(error instanceof TypeError) || !('code' in error) || typeof error.code !== 'string' || !error.code.startsWith('ERR_PARSE_ARGS_')) return error;
  const quoted = /'([^']+)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usageError(`unknown option ${quoted ?? error.message}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return usageError(`unexpected argument "${quoted ?? error.message}"`);
    default:
      // ERR_PARSE_ARGS_INVALID_OPTION_VALUE: node's own message already names the option and what it needs.
      return usageError(error.message);
  }
}
