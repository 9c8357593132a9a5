import { GatewayError } from '../errors.js';
import { revokeClientKey } from '../jobs/revoke-client-key.js';
import { CLIENT_KEY_LIMITS } from '../store/client-key-store.js';
import { CliError, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores } from './cli-stores.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs, runSubcommand } from './subcommand.js';
import { formatTable, formatTime, printable } from './text-table.js';

export const KEYS_USAGE = `Usage: insforge-ai keys <create|list|revoke> [options]

Manages the client API keys that apps send as "Authorization: Bearer ik_…". Keys are stored as hashes: a key is
shown once, when it is created.

  insforge-ai keys create --label L [--role user|admin] [--user ID]
                                   creates a key and prints it (alone on stdout, so KEY=$(…) works); role user
                                   by default; --user ties usage and quotas to that end user; a label is at
                                   most 200 characters, a user id at most 256
  insforge-ai keys list            a table of the project's keys (never the keys): id, label, prefix, role,
                                   created, last used, revoked
  insforge-ai keys revoke ID       revokes a key; requests with it get 401 from then on (a gateway on Postgres
                                   hears it within milliseconds, one on SQLite within 5 seconds), and the batch jobs it
                                   created that have work left are cancelled

Options:
${STORE_OPTIONS_HELP}
  -h, --help       show this help`;

const ACTOR = 'cli';
const ROLES = ['user', 'admin'] as const;

/**
 * `insforge-ai keys create|list|revoke`.
 * @example
 * await keysCommand(['create', '--label', 'web app'], process.env, processIo);
 */
export function keysCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  return runSubcommand('keys', argv, env, io, { create, list, revoke });
}

async function create(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, label: { type: 'string' }, role: { type: 'string' }, user: { type: 'string' } });
  expectPositionals(positionals, [], 'keys create');
  const label = values.label?.trim();
  if (!label) throw usageError('keys create needs --label, e.g. --label "web app"');
  if (label.length > CLIENT_KEY_LIMITS.labelLength) throw usageError(`--label is at most ${CLIENT_KEY_LIMITS.labelLength} characters, got ${label.length}`);
  const role = ROLES.find((candidate) => candidate === (values.role ?? 'user'));
  if (!role) throw usageError(`--role must be user or admin, got "${values.role}"`);
  if (values.user !== undefined && values.user.trim() === '') throw usageError('--user must not be empty');
  if (values.user !== undefined && values.user.trim().length > CLIENT_KEY_LIMITS.userIdLength) throw usageError(`--user is at most ${CLIENT_KEY_LIMITS.userIdLength} characters, got ${values.user.trim().length}`);
  const target = storeTarget(values, env);
  const { key, record } = await withGatewayStores(target, (stores) =>
    stores.clientKeys.create(target.projectId, { label, role, ...(values.user !== undefined ? { userId: values.user } : {}) }, ACTOR),
  );
  io.err(printable(`Created client key ${record.id} ("${record.label}", role ${record.role}${record.userId ? `, user ${record.userId}` : ''}, project "${target.projectId}"):`));
  io.out(key);
  io.err('Copy it now: only its hash is stored, so it will not be shown again.');
  return 0;
}

async function list(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'keys list');
  const target = storeTarget(values, env);
  const records = await withGatewayStores(target, (stores) => stores.clientKeys.list(target.projectId));
  if (records.length === 0) {
    io.err(`No client keys in project "${target.projectId}". Create one with "insforge-ai keys create --label L".`);
    return 0;
  }
  const rows = records.map((record) => [record.id, record.label, `${record.prefix}…`, record.userId ? `${record.role} (user ${record.userId})` : record.role, formatTime(record.createdAt), formatTime(record.lastUsedAt), formatTime(record.revokedAt)]);
  for (const line of formatTable(['ID', 'LABEL', 'PREFIX', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'], rows)) io.out(line);
  return 0;
}

async function revoke(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  const [id] = expectPositionals(positionals, ['id'], 'keys revoke') as [string];
  const target = storeTarget(values, env);
  const startedAt = Date.now();
  const { record, cancelledJobs } = await withGatewayStores(target, async (stores) => {
    try {
      return await revokeClientKey(stores, target.projectId, id, ACTOR);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'not_found') throw new CliError(`no client key ${id} in project "${target.projectId}" (see "insforge-ai keys list")`, 1, { cause: error });
      throw error;
    }
  });
  const already = record.revokedAt !== null && record.revokedAt < startedAt;
  io.out(printable(already ? `Client key ${record.id} ("${record.label}") was already revoked at ${formatTime(record.revokedAt)}.` : `Revoked client key ${record.id} ("${record.label}", ${record.prefix}…).`));
  if (cancelledJobs > 0) io.out(`Cancelled ${cancelledJobs} batch job${cancelledJobs === 1 ? '' : 's'} it created that had work left.`);
  return 0;
}
