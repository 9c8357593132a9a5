import { readFile } from 'node:fs/promises';
import { secretRedactor } from '../logger.js';
import { DEFAULT_SQLITE_PATH } from '../store/database.js';
import { CliError } from './cli-error.js';
import { processIo, type CliIo } from './cli-io.js';
import type { CliEnvironment } from './serve.js';

/** A command that keeps running (a server) until the process is told to stop. */
export interface RunningCommand {
  close(): Promise<void>;
  /** Stops without waiting for work in flight, still leaving its records (a second Ctrl-C); `close` when absent. */
  closeNow?(): Promise<void>;
  /** What stopping waits for, for the message on SIGTERM, e.g. "in-flight requests get up to 10 s". */
  readonly stopping?: string;
}

interface LoadedCommand {
  usage: string;
  /** An exit code when done, or a running command that `main` stops on SIGINT/SIGTERM. */
  run(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number | RunningCommand>;
}

interface Command {
  summary: string;
  /**
   * The command's module, imported only when it is asked for: `features list` does not load the gateway that `serve`
   * runs (about half of each command's start-up time).
   */
  load(): Promise<LoadedCommand>;
}

/** The subcommands. */
const COMMANDS = new Map<string, Command>([
  ['serve', { summary: 'run the gateway as a standalone HTTP server', load: async () => import('./serve.js').then((m) => ({ usage: m.SERVE_USAGE, run: m.serve })) }],
  ['features', { summary: 'list, show and set the stored features (list | get NAME | set FILE|-)', load: async () => import('./features-command.js').then((m) => ({ usage: m.FEATURES_USAGE, run: m.featuresCommand })) }],
  ['keys', { summary: 'client API keys (create --label L | list | revoke ID)', load: async () => import('./keys-command.js').then((m) => ({ usage: m.KEYS_USAGE, run: m.keysCommand })) }],
  ['key', { summary: 'the OpenRouter key, stored encrypted (set | test | show | remove | rotate)', load: async () => import('./key-command.js').then((m) => ({ usage: m.KEY_USAGE, run: m.keyCommand })) }],
  ['migrate', { summary: 'bring the database schema up to date', load: async () => import('./migrate-command.js').then((m) => ({ usage: m.MIGRATE_USAGE, run: m.migrateCommand })) }],
  ['usage', { summary: 'usage by feature and model: requests, tokens, cost, errors (--period day|week|month|FROM..TO)', load: async () => import('./usage-command.js').then((m) => ({ usage: m.USAGE_COMMAND_USAGE, run: m.usageCommand })) }],
  ['jobs', { summary: 'batch jobs: list | show ID | cancel ID | results ID [--format json|csv]', load: async () => import('./jobs-command.js').then((m) => ({ usage: m.JOBS_USAGE, run: m.jobsCommand })) }],
  ['cache', { summary: 'purge the response cache shared in Redis (purge [--feature NAME])', load: async () => import('./cache-command.js').then((m) => ({ usage: m.CACHE_USAGE, run: m.cacheCommand })) }],
  ['mcp', { summary: 'the MCP server over stdio (usage, limits, features, model health, emergency stop)', load: async () => import('./mcp-command.js').then((m) => ({ usage: m.MCP_USAGE, run: m.mcpCommand })) }],
]);

const HELP_FLAGS = new Set(['-h', '--help']);

/** The variables whose values are secrets: an error message that quotes an argument never shows one of them. */
const SECRET_VARIABLES = ['OPENROUTER_API_KEY', 'INSFORGE_AI_CLIENT_KEY', 'INSFORGE_AI_ADMIN_TOKEN', 'INSFORGE_AI_ENCRYPTION_KEY', 'INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS'];

/** A client key as `keys create` makes it (`ik_` and 32 characters), or a shorter one of the same shape. */
const CLIENT_KEY_SHAPE = /\bik_[A-Za-z0-9_-]{16,}/g;

export function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length)) + 2;
  return `insforge-ai — the InsForge AI gateway: an OpenAI-compatible API in front of OpenRouter, with per-feature policy

Usage: insforge-ai <command> [options]

Commands:
${[...COMMANDS].map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`).join('\n')}

Every command but serve works on the database in --database (default: $DATABASE_URL, else ./${DEFAULT_SQLITE_PATH})
and the project in --project (default: "default"). Only migrate and serve create a database that does not exist yet.

Run "insforge-ai <command> --help" for a command's options; "insforge-ai --version" for the version.`;
}

/**
 * Dispatches `insforge-ai <command> …`. Never throws and never exits: it returns the exit code, or the running
 * command for the caller to stop.
 * @example
 * const result = await runCli(['serve', '--port', '0'], process.env);
 */
export async function runCli(argv: readonly string[], env: CliEnvironment, io: CliIo = processIo): Promise<number | RunningCommand> {
  const fail = failureReporter(io, env);
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  if (HELP_FLAGS.has(name)) {
    io.out(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(await version());
    return 0;
  }
  if (name === 'help') {
    const topic = rest[0];
    const command = topic === undefined ? undefined : COMMANDS.get(topic);
    if (topic !== undefined && !command) return fail(unknownCommand(topic), 2);
    io.out(command ? (await command.load()).usage : usage());
    return 0;
  }
  const command = COMMANDS.get(name);
  if (!command) return fail(name.startsWith('-') ? `unknown option ${name}` : unknownCommand(name), 2);
  try {
    const loaded = await command.load();
    // Help wins over everything else on the line, so `serve --port x --help` still shows help.
    if (rest.some((arg) => HELP_FLAGS.has(arg))) {
      io.out(loaded.usage);
      return 0;
    }
    return await loaded.run(rest, env, io);
  } catch (error) {
    if (error instanceof CliError) return fail(error.message, error.exitCode, name);
    return fail(error instanceof Error ? error.message : String(error), 1, name);
  }
}

const unknownCommand = (name: string) => `unknown command "${name}"; the commands are: ${[...COMMANDS.keys()].join(', ')}`;

/**
 * Writes a failure as one line (and the pointer to --help for a wrong invocation) and returns its exit code. Messages
 * quote arguments ("unexpected \"…\"") and a key typed in the wrong place (`key test sk-or-…`) must not reach the
 * terminal's scrollback or a CI log, so keys and the values of secret variables are redacted.
 */
function failureReporter(io: CliIo, env: CliEnvironment): (message: string, exitCode: number, command?: string) => number {
  const redact = secretRedactor(() => SECRET_VARIABLES.flatMap((name) => env[name]?.split(',') ?? []));
  return (message, exitCode, command) => {
    io.err(`insforge-ai${command ? ` ${command}` : ''}: ${redact(message).replace(CLIENT_KEY_SHAPE, '[redacted]')}`);
    if (exitCode === 2) io.err(`Run "insforge-ai${command ? ` ${command}` : ''} --help" for usage.`);
    return exitCode;
  };
}

async function version(): Promise<string> {
  // package.json sits two levels up from both src/cli and dist/cli.
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
