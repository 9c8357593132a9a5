import type { GatewayLogger } from '../logger.js';

/** Where the CLI writes: the process's streams in production, arrays in tests. */
export interface CliIo {
  /** Results and the startup summary (stdout). */
  out(line: string): void;
  /** Warnings, errors and logs (stderr). */
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

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
