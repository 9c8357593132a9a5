import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliEnvironment } from './serve.js';
import { toUsageError, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

/** One subcommand of a family (`features list`, `keys revoke`): gets the arguments after its name. */
export type Subcommand = (argv: readonly string[], env: CliEnvironment, io: CliIo) => Promise<number>;

/**
 * Runs `insforge-ai <family> <subcommand> …` from a table of subcommands; a missing or unknown one is a usage error.
 * @example
 * return runSubcommand('keys', argv, env, io, { create, list, revoke });
 */
export function runSubcommand(family: string, argv: readonly string[], env: CliEnvironment, io: CliIo, table: Readonly<Record<string, Subcommand>>): Promise<number> {
  const [name, ...rest] = argv;
  const names = Object.keys(table);
  if (name === undefined) throw usageError(`name a subcommand: insforge-ai ${family} ${names.join('|')}`);
  const subcommand = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!subcommand) {
    // Echo only what looks like a subcommand name: a secret pasted in the wrong place must not reach the terminal log.
    const shown = /^-{0,2}[a-z][a-z-]{0,30}$/.test(name) ? ` "${name}"` : '';
    throw usageError(`unknown ${family} subcommand${shown}; the subcommands are: ${names.join(', ')}`);
  }
  return subcommand(rest, env, io);
}

/** What `parseCommandArgs` returns: `values` typed by the options, and the positionals. */
export type ParsedCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>>;

/**
 * `parseArgs` in strict mode with positionals allowed, its errors turned into usage errors (exit code 2).
 * @example
 * const { values, positionals } = parseCommandArgs(argv, { label: { type: 'string' } });
 */
export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: T): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw toUsageError(error);
  }
}

/** Fails with a usage error unless exactly `names.length` positionals were given. */
export function expectPositionals(positionals: readonly string[], names: readonly string[], command: string): string[] {
  if (positionals.length < names.length) throw usageError(`${command} needs ${names.map((name) => name.toUpperCase()).join(' ')}`);
  if (positionals.length > names.length) throw usageError(`${command} takes ${names.length === 0 ? 'no arguments' : `only ${names.map((name) => name.toUpperCase()).join(' ')}`}; unexpected "${positionals[names.length]}"`);
  return [...positionals];
}
