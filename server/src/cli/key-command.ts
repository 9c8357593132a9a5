import { ENCRYPTION_KEY_VARIABLE, KeyEncryption, PREVIOUS_ENCRYPTION_KEYS_VARIABLE } from '../crypto/key-encryption.js';
import { GatewayError } from '../errors.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { maskProviderKey, ProviderKeyStore, type RotationReport } from '../store/provider-key-store.js';
import { validateOpenRouterKey, type KeyFacts } from '../upstream/key-validation.js';
import { OPENROUTER_BASE_URL, OpenRouterClient } from '../upstream/openrouter-client.js';
import { withoutUrlCredentials } from '../url-credentials.js';
import { CliError, usageError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { encryptionFrom, STORE_OPTIONS, STORE_OPTIONS_HELP, storeTarget, withGatewayStores, type StoreTarget } from './cli-stores.js';
import { stdinOf } from './cli-stdin.js';
import type { CliEnvironment } from './serve.js';
import { expectPositionals, parseCommandArgs, runSubcommand } from './subcommand.js';
import { formatTable, formatTime } from './text-table.js';

export const KEY_USAGE = `Usage: insforge-ai key <set|test|show|remove|rotate> [options]

Manages the project's OpenRouter key, stored AES-256-GCM encrypted under the master key in
${ENCRYPTION_KEY_VARIABLE}. The key is never printed, and never taken from the command line.

  insforge-ai key set       reads the key from stdin (a hidden prompt at a terminal), checks it with OpenRouter's
                            GET /key and stores it encrypted; an invalid key is refused and nothing is stored
  insforge-ai key test      checks the stored key (else $OPENROUTER_API_KEY) with OpenRouter: label, limit, remaining
  insforge-ai key show      the stored key's masked form (sk-or-…a1b2) and what OpenRouter last said about it
  insforge-ai key remove    deletes the stored key; a gateway then falls back to its $OPENROUTER_API_KEY
  insforge-ai key rotate    re-encrypts every project's stored key under the current master key (run it after
                            moving the old master key to ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE})

Options:
${STORE_OPTIONS_HELP}
  --upstream URL   OpenRouter's API base URL, for set and test (default: $OPENROUTER_BASE_URL or ${OPENROUTER_BASE_URL})
  --key-stdin      set: read the key from stdin even at a terminal (no prompt)
  -h, --help       show this help

Environment:
  ${ENCRYPTION_KEY_VARIABLE}   the master key (openssl rand -base64 32); the gateway needs the same one
  ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE}   earlier master keys, comma-separated, while rotating
  OPENROUTER_API_KEY   the key "key test" checks when none is stored

Example:
  pbpaste | insforge-ai key set --key-stdin`;

const ACTOR = 'cli';
const TARGET = 'provider_key:openrouter';
const KEY_NOT_IN_ARGUMENTS = 'the OpenRouter key is never taken from the command line, where it would land in shell history: pipe it on stdin (e.g. `pbpaste | insforge-ai key set --key-stdin`) or paste it at the prompt';
const UPSTREAM_OPTION = { upstream: { type: 'string' } } as const;

/**
 * `insforge-ai key set|test|show|remove|rotate`.
 * @example
 * await keyCommand(['show', '--project', 'acme'], process.env, processIo);
 */
export function keyCommand(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  return runSubcommand('key', argv, env, io, { set, test, show, remove, rotate });
}

async function set(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  if (argv.some((arg) => /^--key(=|$)/.test(arg))) throw usageError(KEY_NOT_IN_ARGUMENTS);
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, ...UPSTREAM_OPTION, 'key-stdin': { type: 'boolean' } });
  // Never echo a positional here: it is most likely the key itself.
  if (positionals.length > 0) throw usageError(KEY_NOT_IN_ARGUMENTS);
  const target = storeTarget(values, env);
  const baseUrl = upstreamUrl(values.upstream, env);
  const encryption = encryptionFrom(env);
  if (!encryption) {
    throw new CliError(
      `${ENCRYPTION_KEY_VARIABLE} is not set, and the OpenRouter key is only ever stored encrypted, so nothing was stored. Make a master key with \`openssl rand -base64 32\`, set it as ${ENCRYPTION_KEY_VARIABLE} here and on the gateway, and run this again.`,
    );
  }
  const key = await readKey(io, values['key-stdin'] ?? false);
  return withProviderKeys(target, encryption, async (providerKeys, stores) => {
    let facts: KeyFacts;
    try {
      facts = await checkWithOpenRouter(baseUrl, key);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'invalid_provider_key') {
        await stores.audit.record({ projectId: target.projectId, actor: ACTOR, action: 'provider_key.rejected', target: TARGET, before: null, after: { masked: maskProviderKey(key) } });
        throw new CliError(`${error.message} Nothing was stored.`, 1, { cause: error });
      }
      throw error;
    }
    const stored = await providerKeys.set(target.projectId, key, facts, ACTOR);
    io.out(`Stored the OpenRouter key ${stored.masked} for project "${target.projectId}", encrypted under master key ${stored.keyId}.`);
    printFacts(io, facts);
    io.err(`A gateway needs the same ${ENCRYPTION_KEY_VARIABLE} to use it; running gateways pick it up within 30 seconds.`);
    return 0;
  });
}

async function test(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...STORE_OPTIONS, ...UPSTREAM_OPTION });
  expectPositionals(positionals, [], 'key test');
  const target = storeTarget(values, env);
  const baseUrl = upstreamUrl(values.upstream, env);
  const encryption = encryptionFrom(env);
  return withProviderKeys(target, encryption, async (providerKeys, stores) => {
    if (!encryption && (await providerKeys.describe(target.projectId))) {
      throw new CliError(`project "${target.projectId}" has a stored OpenRouter key, but ${ENCRYPTION_KEY_VARIABLE} is not set here, so it cannot be decrypted to test it: set the master key the gateway uses.`);
    }
    const stored = await providerKeys.secret(target.projectId);
    const environmentKey = env['OPENROUTER_API_KEY'] || undefined;
    const key = stored ?? environmentKey;
    if (!key) throw new CliError(`no OpenRouter key to test: none is stored for project "${target.projectId}" and OPENROUTER_API_KEY is not set. Store one with "insforge-ai key set".`);
    const source = stored ? 'stored' : 'environment';
    const masked = maskProviderKey(key);
    const audit = (valid: boolean) => stores.audit.record({ projectId: target.projectId, actor: ACTOR, action: 'provider_key.test', target: TARGET, before: null, after: { source, masked, valid } });
    let facts: KeyFacts;
    try {
      facts = await checkWithOpenRouter(baseUrl, key);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'invalid_provider_key') await audit(false);
      throw error;
    }
    if (stored) await providerKeys.updateFacts(target.projectId, facts);
    await audit(true);
    io.out(`The OpenRouter key ${masked} (${stored ? `stored for project "${target.projectId}"` : 'OPENROUTER_API_KEY'}) is valid.`);
    printFacts(io, facts);
    return 0;
  });
}

async function show(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'key show');
  const target = storeTarget(values, env);
  // Showing needs no master key; a malformed one only loses the "is it configured here" hint.
  let encryption: KeyEncryption | undefined;
  try {
    encryption = KeyEncryption.fromEnvironment(env);
  } catch {
    encryption = undefined;
  }
  const stored = await withProviderKeys(target, encryption, (providerKeys) => providerKeys.describe(target.projectId));
  const environmentKey = env['OPENROUTER_API_KEY'] || undefined;
  if (!stored) {
    io.out(`No OpenRouter key is stored for project "${target.projectId}"; a gateway then uses its OPENROUTER_API_KEY (here: ${environmentKey ? maskProviderKey(environmentKey) : 'not set'}).`);
    return 0;
  }
  io.out(`OpenRouter key ${stored.masked} (stored for project "${target.projectId}")`);
  printFacts(io, stored, [
    ['validated', formatTime(stored.validatedAt)],
    ['master key', `${stored.keyId}${encryption ? (encryption.has(stored.keyId) ? ' (configured here)' : ' (NOT configured here)') : ''}`],
    ['updated', `${formatTime(stored.updatedAt)} by ${stored.updatedBy}`],
  ]);
  return 0;
}

async function remove(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'key remove');
  const target = storeTarget(values, env);
  const removed = await withProviderKeys(target, encryptionFrom(env), (providerKeys) => providerKeys.remove(target.projectId, ACTOR));
  io.out(removed ? `Removed the stored OpenRouter key of project "${target.projectId}"; a gateway now uses its OPENROUTER_API_KEY, if set.` : `No OpenRouter key was stored for project "${target.projectId}".`);
  return 0;
}

async function rotate(argv: readonly string[], env: CliEnvironment, io: CliIo): Promise<number> {
  // --project is accepted like everywhere else, but rotation covers every project's key.
  const { values, positionals } = parseCommandArgs(argv, STORE_OPTIONS);
  expectPositionals(positionals, [], 'key rotate');
  const target = storeTarget(values, env);
  const encryption = encryptionFrom(env);
  if (!encryption) throw new CliError(`${ENCRYPTION_KEY_VARIABLE} is not set: set the new master key there and the old one in ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE}, then run this again.`);
  const report = await withProviderKeys(target, encryption, (providerKeys) => providerKeys.rotate(ACTOR));
  for (const projectId of report.reencrypted) io.out(`re-encrypted the key of project "${projectId}" under master key ${encryption.currentKeyId}`);
  for (const skipped of report.skipped) io.err(`skipped project "${skipped.projectId}": ${SKIP_REASONS[skipped.reason](skipped.keyId)}`);
  if (report.reencrypted.length === 0 && report.skipped.length === 0) io.out(`Every stored key is already under master key ${encryption.currentKeyId}.`);
  return report.skipped.some((skipped) => skipped.reason !== 'changed_meanwhile') ? 1 : 0;
}

const SKIP_REASONS: Record<RotationReport['skipped'][number]['reason'], (keyId: string) => string> = {
  unknown_master_key: (keyId) => `its key is under master key ${keyId}, which is not configured: add that key to ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE}, or set the OpenRouter key again`,
  authentication_failed: (keyId) => `master key ${keyId} does not open its key (a different key under that id, or an altered row): set the OpenRouter key again`,
  changed_meanwhile: () => 'its key was set again meanwhile, under the current master key',
};

/** Opens the stores with a provider key store beside them, and closes both. */
function withProviderKeys<T>(target: StoreTarget, encryption: KeyEncryption | undefined, work: (providerKeys: ProviderKeyStore, stores: GatewayStores) => Promise<T>): Promise<T> {
  return withGatewayStores(target, async (stores) => {
    const providerKeys = new ProviderKeyStore(stores.database.db, encryption, stores.audit, stores.notifier);
    try {
      return await work(providerKeys, stores);
    } finally {
      providerKeys.close();
    }
  });
}


async function checkWithOpenRouter(baseUrl: string, key: string): Promise<KeyFacts> {
  const client = new OpenRouterClient({ baseUrl, apiKey: undefined, timeouts: { connectMs: 10_000, firstByteMs: 30_000, betweenChunksMs: 30_000 } });
  try {
    return await validateOpenRouterKey(client, key);
  } finally {
    await client.close();
  }
}

async function readKey(io: CliIo, fromPipe: boolean): Promise<string> {
  const stdin = stdinOf(io);
  const text = stdin.isTerminal && !fromPipe ? await stdin.readHiddenLine('OpenRouter key (input hidden): ') : await stdin.readAll();
  const key = text.trim();
  if (key === '') throw new CliError('no key on stdin: pipe it in (e.g. `pbpaste | insforge-ai key set --key-stdin`) or paste it at the prompt');
  if (/\s/.test(key)) throw new CliError('stdin holds more than one word or line; give the OpenRouter key alone');
  if (key.length > 512) throw new CliError('stdin holds too much to be an OpenRouter key');
  return key;
}

function upstreamUrl(flag: string | undefined, env: CliEnvironment): string {
  const source = flag !== undefined ? '--upstream' : 'OPENROUTER_BASE_URL';
  const text = flag ?? (env['OPENROUTER_BASE_URL'] || OPENROUTER_BASE_URL);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw usageError(`${source} must be an http(s) URL, got "${withoutUrlCredentials(text)}"`);
  return text.replace(/\/+$/, '');
}

const usd = (amount: number | null, none: string) =>
  amount === null ? none : amount.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

function printFacts(io: CliIo, facts: KeyFacts, more: Array<[string, string]> = []): void {
  const rows: Array<[string, string]> = [
    ['label', facts.label ?? '-'],
    ['limit', usd(facts.limit, 'unlimited')],
    ['remaining', usd(facts.limitRemaining, 'unlimited')],
    ['usage', usd(facts.usage, '-')],
    ['free tier', facts.isFreeTier ? 'yes' : 'no'],
    ...more,
  ];
  const [, ...lines] = formatTable(['', ''], rows);
  for (const line of lines) io.out(`  ${line}`);
}
