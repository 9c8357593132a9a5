import { readFile } from 'node:fs/promises';
import { DEFAULT_SQLITE_PATH } from '../store/database.js';
import { CliError } from './cli-error.js';
import { processIo, type CliIo } from './cli-io.js';
import { featuresCommand, FEATURES_USAGE } from './features-command.js';
import { keyCommand, KEY_USAGE } from './key-command.js';
import { keysCommand, KEYS_USAGE } from './keys-command.js';
import { mcpCommand, MCP_USAGE } from './mcp-command.js';
import { migrateCommand, MIGRATE_USAGE } from './migrate-command.js';
import { serve, SERVE_USAGE, type CliEnvironment } from './serve.js';
import { usageCommand, USAGE_COMMAND_USAGE } from './usage-command.js';
import { jobsCommand, JOBS_USAGE } from './jobs-command.js';
import { cacheCommand, CACHE_USAGE } from './cache-command.js';

/** A command that keeps running (a server) until the process is told to stop. */
export interface RunningCommand {
  close(): Promise<void>;
  /** What stopping waits for, for the message on SIGTERM, e.g. "in-flight requests get up to 10 s". */
  readonly stopping?: string;
}

interface Command {
  summary: string;
  usage: string;
  /** An exit code when done, or a running command that `main` stops on SIGINT/SIGTERM. */
  run(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number | RunningCommand>;
}

/** The subcommands. */
const COMMANDS = new Map<string, Command>([
  ['serve', { summary: 'run the gateway as a standalone HTTP server', usage: SERVE_USAGE, run: serve }],
  ['features', { summary: 'list, show and set the stored features (list | get NAME | set FILE|-)', usage: FEATURES_USAGE, run: featuresCommand }],
  ['keys', { summary: 'client API keys (create --label L | list | revoke ID)', usage: KEYS_USAGE, run: keysCommand }],
  ['key', { summary: 'the OpenRouter key, stored encrypted (set | test | show | remove | rotate)', usage: KEY_USAGE, run: keyCommand }],
  ['migrate', { summary: 'bring the database schema up to date', usage: MIGRATE_USAGE, run: migrateCommand }],
  ['usage', { summary: 'usage by feature and model: requests, tokens, cost, errors (--period day|week|month|FROM..TO)', usage: USAGE_COMMAND_USAGE, run: usageCommand }],
  ['jobs', { summary: 'batch jobs: list | show ID | cancel ID | results ID [--format json|csv]', usage: JOBS_USAGE, run: jobsCommand }],
  ['cache', { summary: 'purge the response cache shared in Redis (purge [--feature NAME])', usage: CACHE_USAGE, run: cacheCommand }],
  ['mcp', { summary: 'the MCP server over stdio (usage, limits, features, model health, emergency stop)', usage: MCP_USAGE, run: mcpCommand }],
]);

const HELP_FLAGS = new Set(['-h', '--help']);

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
    if (topic !== undefined && !command) return unknownCommand(topic, io);
    io.out(command?.usage ?? usage());
    return 0;
  }
  const command = COMMANDS.get(name);
  if (!command) return name.startsWith('-') ? fail(`unknown option ${name}`, 2, undefined, io) : unknownCommand(name, io);
  // Help wins over everything else on the line, so `serve --port x --help` still shows help.
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, env, io);
  } catch (error) {
    if (error instanceof CliError) return fail(error.message, error.exitCode, name, io);
    return fail(error instanceof Error ? error.message : String(error), 1, name, io);
  }
}

function unknownCommand(name: string, io: CliIo): number {
  return fail(`unknown command "${name}"; the commands are: ${[...COMMANDS.keys()].join(', ')}`, 2, undefined, io);
}

function fail(message: string, exitCode: number, command: string | undefined, io: CliIo): number {
  io.err(`insforge-ai${command ? ` ${command}` : ''}: ${message}`);
  if (exitCode === 2) io.err(`Run "insforge-ai${command ? ` ${command}` : ''} --help" for usage.`);
  return exitCode;
}

async function version(): Promise<string> {
  // package.json sits two levels up from both src/cli and dist/cli.
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
