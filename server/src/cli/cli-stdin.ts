import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/** What a command reads from standard input. */
export interface CliStdin {
  /** Whether stdin is an interactive terminal (nothing piped in). */
  readonly isTerminal: boolean;
  /** Everything up to the end of input. */
  readAll(): Promise<string>;
  /** One line typed at the terminal, not echoed; `prompt` goes to stderr. */
  readHiddenLine(prompt: string): Promise<string>;
}

/** A `CliIo` that also carries stdin; tests pass one to `runCli`, production falls back to the process's. */
export interface CliIoWithStdin extends CliIo {
  stdin: CliStdin;
}

/** The stdin a command should read: the one `io` carries, else the process's. */
export function stdinOf(io: CliIo): CliStdin {
  return 'stdin' in io && isCliStdin(io.stdin) ? io.stdin : processStdin;
}

function isCliStdin(value: unknown): value is CliStdin {
  return typeof value === 'object' && value !== null && 'readAll' in value && typeof value.readAll === 'function';
}

export const processStdin: CliStdin = {
  get isTerminal() {
    return process.stdin.isTTY === true;
  },
  async readAll() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
  readHiddenLine(prompt) {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.resume();
    return new Promise((resolve, reject) => {
      let line = '';
      const finish = () => {
        input.off('data', onData);
        input.setRawMode(false);
        input.pause();
        process.stderr.write('\n');
      };
      const onData = (chunk: string) => {
        for (const character of chunk) {
          if (character === '\r' || character === '\n' || character === '\u0004') {
            finish();
            resolve(line);
            return;
          }
          if (character === '\u0003') {
            finish();
            reject(new CliError('cancelled'));
            return;
          }
          line = character === '\u007f' || character === '\b' ? line.slice(0, -1) : line + character;
        }
      };
      input.on('data', onData);
    });
  },
};
