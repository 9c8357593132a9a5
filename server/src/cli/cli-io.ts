import type { GatewayLogger } from '../logger.js';

/** Where the CLI writes: the process's streams in production, arrays in tests. */
export interface CliIo {
  /** Results and the startup summary (stdout). */
  out(line: string): void;
  /** Warnings, errors and logs (stderr). */
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => writeLine(process.stdout, line),
  err: (line) => writeLine(process.stderr, line),
};

/** What a write fails with once nothing reads the stream: a closed terminal (EIO), a closed pipe (`| head`: EPIPE). */
const READER_GONE_CODES: ReadonlySet<string> = new Set(['EIO', 'EPIPE', 'ECONNRESET']);

function writeLine(stream: NodeJS.WriteStream, line: string): void {
  // A stream whose reader went away is destroyed; what would have been written there has nowhere else to go.
  if (!stream.destroyed) stream.write(`${line}\n`);
}

/**
 * Lets the process outlive its stdout and stderr: once their reader is gone (the terminal closed, which also sends
 * SIGHUP, or the pipe's reader exited), what is written there is dropped. Without it the first such write is an
 * uncaught error that ends the process, in the middle of the shutdown that writes the usage records. Any other
 * error of the streams still ends it.
 *
 * @example
 * keepRunningWithoutOutput(); // in the CLI's entry point, before anything is written
 */
export function keepRunningWithoutOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === undefined || !READER_GONE_CODES.has(error.code)) throw error;
    });
  }
}

/** The gateway's logs as JSON lines on the error stream; info only when `verbose`. */
export function jsonLinesLogger(io: CliIo, verbose: boolean): GatewayLogger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    io.err(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
  return {
    info: (message, fields) => (verbose ? write('info', message, fields) : undefined),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** A logger that holds its error lines until the command knows whether it started; see `heldErrorsLogger`. */
export interface HeldErrorsLogger extends GatewayLogger {
  /** Started: writes the held error lines, and every later one at once. */
  release(): void;
  /** Did not start, and the command reports why itself: the held lines are dropped. */
  discard(): void;
}

/**
 * Holds the error lines of `inner` while a command starts: a failure to start (a database that refuses) is reported by
 * the command as one line, and the gateway's own log of it, a JSON line with a stack trace, would say it again.
 * Warnings and info pass at once.
 * @example
 * const logger = heldErrorsLogger(jsonLinesLogger(io, false));
 * await gateway.ready.then(() => logger.release(), () => logger.discard());
 */
export function heldErrorsLogger(inner: GatewayLogger): HeldErrorsLogger {
  let held: Array<[string, Record<string, unknown> | undefined]> | undefined = [];
  return {
    info: (message, fields) => inner.info(message, fields),
    warn: (message, fields) => inner.warn(message, fields),
    error: (message, fields) => (held ? held.push([message, fields]) : inner.error(message, fields)),
    release() {
      const lines = held ?? [];
      held = undefined;
      for (const [message, fields] of lines) inner.error(message, fields);
    },
    discard() {
      held = undefined;
    },
  };
}
