import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import express, { type Router } from 'express';
import { createAiGateway, type AiGateway, type AiGatewayOptions } from '../create-ai-gateway.js';
import type { Feature } from '../features/feature.js';
import { continueOnRead } from '../routes/continue-on-read.js';
import { hotRoutesListener } from '../routes/hot-routes.js';
import { DEFAULT_SQLITE_PATH } from '../store/database.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { DatabaseConnectionError, parseDatabaseTarget, type DatabaseTarget } from '../store/database-target.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../limits/redis-backend.js';
import { redisSilence } from '../net/redis-client.js';
import { OPENROUTER_BASE_URL } from '../upstream/openrouter-client.js';
import { withoutUrlCredentials } from '../url-credentials.js';
import { CliError, toUsageError, usageError } from './cli-error.js';
import { heldErrorsLogger, jsonLinesLogger, processIo, type CliIo } from './cli-io.js';
import { DEFAULT_PROJECT_ID, encryptionFrom } from './cli-stores.js';
import { loadFeaturesFile } from './features-file.js';

export const SERVE_USAGE = `Usage: insforge-ai serve [options]

Runs the gateway as a standalone HTTP server with its routes at "/" (the OpenAI-compatible API under /v1).

Options:
  --port N             port to listen on (default: $PORT or 8080; 0 picks a free one)
  --host HOST          interface to bind (default 127.0.0.1; 0.0.0.0 for every interface)
  --upstream URL       OpenRouter's API base URL (default: $OPENROUTER_BASE_URL or ${OPENROUTER_BASE_URL})
  --upstream-http2     offer HTTP/2 to an https upstream: less memory per open stream, a little more CPU
                       per request (default HTTP/1.1); NODE_EXTRA_CA_CERTS adds certificates to trust
  --database URL       where configuration lives: a postgres:// URL or a SQLite file
                       (default: $DATABASE_URL, else ./${DEFAULT_SQLITE_PATH})
  --redis URL          count limits in Redis, shared by every instance (default: $REDIS_URL; else in process)
  --redis-prefix TEXT  prefix of the gateway's Redis keys (default "insforge-ai:quota:")
  --limits-on-redis-failure fail-closed|fail-open
                       when Redis is unreachable: refuse requests (default) or count in process
  --features FILE      a JSON array of features to create where none of that name exists yet, e.g.
                       [{"name":"chat","model":"openai/gpt-4o-mini","systemPrompt":"Be brief.","params":{"max_tokens":512}}]
  --allow-raw-models   let clients name OpenRouter model ids as well as features
  --referer URL        HTTP-Referer sent to OpenRouter (default: $OPENROUTER_REFERER)
  --title TEXT         X-Title sent to OpenRouter (default: $OPENROUTER_TITLE)
  --shutdown-grace S   seconds running AI requests get to finish on SIGTERM before they end with an error
                       event and are recorded (default: $SHUTDOWN_GRACE_SECONDS or 10)
  --deadline S         the longest one request may take, in seconds (default 600)
  --request-timeout S  seconds a client gets to send a whole request, headers and body; 408 after (default
                       120: a 10 MB body over a 700 kbit/s link). An answer, a long stream too, is not bounded by it
  --headers-timeout S  seconds a client gets to send a request's headers; 408 after (default 20)
  --metrics-port N     also serve GET /metrics (Prometheus) without a token on this port, for a scraper on a
                       private network; on the main port /metrics needs the admin token
  --metrics-host HOST  interface of the metrics port (default: --host)
  --job-concurrency N  batch jobs this instance works on at once (default 2)
  --job-items N        items of one job in flight at once on this instance (default 4)
  --job-project-items N  items of one project in flight at once on this instance (default 8)
  --job-lease S        seconds before a job whose instance stopped answering goes to another (default 15)
  --no-job-worker      accept batch jobs but leave working on them to other instances
  --instance-lease S   seconds before an instance that stopped answering (killed, crashed) is taken for gone: its
                       requests in flight get their usage records and its Redis reservations count as spent
                       (default 30; a restart on the same machine takes its predecessor's at once)
  --verbose            info-level logs as well as warnings and errors
  -h, --help           show this help

Environment:
  OPENROUTER_API_KEY        the OpenRouter key (never printed)
  INSFORGE_AI_CLIENT_KEY    a bearer key for clients (role user, project "default")
  INSFORGE_AI_ADMIN_TOKEN   a bearer token for the admin of project "default" (16 characters or more)
  INSFORGE_AI_ENCRYPTION_KEY  the master key that encrypts stored OpenRouter keys (openssl rand -base64 32)
  PORT, DATABASE_URL, OPENROUTER_BASE_URL, OPENROUTER_REFERER, OPENROUTER_TITLE: defaults of the flags above`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  upstream: { type: 'string' },
  'upstream-http2': { type: 'boolean' },
  features: { type: 'string' },
  database: { type: 'string' },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  'limits-on-redis-failure': { type: 'string' },
  'allow-raw-models': { type: 'boolean' },
  referer: { type: 'string' },
  title: { type: 'string' },
  verbose: { type: 'boolean' },
  'shutdown-grace': { type: 'string' },
  deadline: { type: 'string' },
  'request-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'job-concurrency': { type: 'string' },
  'job-items': { type: 'string' },
  'job-project-items': { type: 'string' },
  'job-lease': { type: 'string' },
  'no-job-worker': { type: 'boolean' },
  'instance-lease': { type: 'string' },
} as const;

const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '127.0.0.1';
/** How long in-flight requests (long streams) get to finish after a shutdown signal before they are cut. */
const SHUTDOWN_GRACE_MS = 10_000;
/** What other requests (admin, conversations) get after the AI requests drained, before their connections are cut. */
const AFTER_DRAIN_MS = 2_000;
/**
 * How long a client may take to send a request: its headers, then the whole request with its body. Node's defaults
 * (60 s and 300 s) let a client that never finishes (a body that never ends, one byte at a time) hold a connection
 * for five minutes. 120 s receives the largest body the gateway takes (10 MB) over a 700 kbit/s link. Node counts
 * only the receiving, so an answer (a stream of minutes) is not bounded by them.
 */
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 120_000;
/** How often Node looks for requests past those timeouts: its default, 30 s, would let one run that much over. */
const TIMEOUT_CHECK_MS = 1_000;

export type CliEnvironment = Readonly<Record<string, string | undefined>>;

/** A running `insforge-ai serve`: where it listens, and how to stop it. */
export interface ServeHandle {
  /** `http://HOST:PORT`, without a trailing slash; the OpenAI base URL is `${url}/v1`. */
  readonly url: string;
  /** `http://HOST:PORT/metrics` of `--metrics-port`, when set. */
  readonly metricsUrl: string | undefined;
  readonly gateway: AiGateway;
  /** The grace period, as the message on SIGTERM says it. */
  readonly stopping: string;
  /**
   * Stops accepting connections, lets in-flight AI requests finish (up to the grace period), ends the rest with an
   * error event, records each, flushes the usage ledger and closes the upstream pool.
   */
  close(): Promise<void>;
  /**
   * `close()` without the grace period, for a second Ctrl-C: in-flight AI requests end at once (streams with an error
   * event, JSON requests with a 503), each still leaves its usage record, and the ledger is flushed.
   */
  closeNow(): Promise<void>;
}

/**
 * `insforge-ai serve`: mounts `createAiGateway` at `/` in an Express app, with options from flags and environment.
 * Throws a `CliError` (exit code 2 for a wrong invocation, 1 otherwise) before listening when anything is wrong.
 * @example
 * const server = await serve(['--port', '0', '--features', 'features.json'], process.env);
 * await fetch(`${server.url}/health`);
 * await server.close();
 */
export async function serve(argv: readonly string[], env: CliEnvironment, io: CliIo = processIo): Promise<ServeHandle> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw toUsageError(error);
  }
  const setting = (name: string) => (env[name] === '' ? undefined : env[name]);
  const port = parsePort(values.port ?? setting('PORT'), values.port !== undefined ? '--port' : 'PORT');
  const host = parseHost(values.host, '--host') ?? DEFAULT_HOST;
  const upstreamUrl = parseHttpUrl(values.upstream ?? setting('OPENROUTER_BASE_URL') ?? OPENROUTER_BASE_URL, values.upstream !== undefined ? '--upstream' : 'OPENROUTER_BASE_URL');
  const referer = values.referer ?? setting('OPENROUTER_REFERER');
  const title = values.title ?? setting('OPENROUTER_TITLE');
  const apiKey = setting('OPENROUTER_API_KEY');
  const clientKey = setting('INSFORGE_AI_CLIENT_KEY');
  const adminToken = setting('INSFORGE_AI_ADMIN_TOKEN');
  if (adminToken !== undefined && adminToken.length < 16) throw usageError('INSFORGE_AI_ADMIN_TOKEN must be at least 16 characters long');
  // A bearer header carries no white space: such a key (read from a file with its newline) would let no one in.
  for (const [variable, value] of [['INSFORGE_AI_CLIENT_KEY', clientKey], ['INSFORGE_AI_ADMIN_TOKEN', adminToken]] as const) {
    if (value !== undefined && !/^\S+$/.test(value)) throw usageError(`${variable} must be one word without white space, as "Authorization: Bearer <key>" carries it`);
  }
  const features: Feature[] = values.features !== undefined ? await loadFeaturesFile(values.features) : [];
  const allowRawModels = values['allow-raw-models'] ?? false;
  const database = values.database ?? setting('DATABASE_URL');
  let databaseTarget: DatabaseTarget;
  try {
    databaseTarget = parseDatabaseTarget(database);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1, { cause: error });
  }
  // serve creates its database when there is none; it says so, so a mistyped path does not go unnoticed.
  const newDatabaseFile = databaseTarget.dialect === 'sqlite' && databaseTarget.file !== ':memory:' && !existsSync(databaseTarget.file) ? path.resolve(databaseTarget.file) : undefined;
  const redisUrl = values.redis ?? setting('REDIS_URL');
  const onRedisFailure = values['limits-on-redis-failure'] ?? 'fail-closed';
  if (onRedisFailure !== 'fail-closed' && onRedisFailure !== 'fail-open') throw usageError('--limits-on-redis-failure must be fail-closed or fail-open');
  const graceMs = parseSeconds(values['shutdown-grace'] ?? setting('SHUTDOWN_GRACE_SECONDS'), values['shutdown-grace'] !== undefined ? '--shutdown-grace' : 'SHUTDOWN_GRACE_SECONDS') ?? SHUTDOWN_GRACE_MS;
  const deadlineMs = parseSeconds(values.deadline, '--deadline');
  const timeouts = serverTimeoutsOf(values['headers-timeout'], values['request-timeout']);
  const instanceLeaseMs = parseSeconds(values['instance-lease'], '--instance-lease');
  const metricsPort = values['metrics-port'] === undefined ? undefined : parsePort(values['metrics-port'], '--metrics-port');
  const metricsHost = parseHost(values['metrics-host'], '--metrics-host') ?? host;
  const logger = heldErrorsLogger(jsonLinesLogger(io, values.verbose ?? false));

  const options: AiGatewayOptions = {
    upstream: {
      baseUrl: upstreamUrl,
      // Always a string (possibly empty) so the gateway reads this environment, not `process.env`.
      apiKey: apiKey ?? '',
      ...(referer !== undefined ? { referer } : {}),
      ...(title !== undefined ? { title } : {}),
      ...(values['upstream-http2'] ? { http2: true } : {}),
    },
    features,
    // The master key of the environment given (as every command reads it), not necessarily `process.env`'s.
    encryption: encryptionFrom(env) ?? null,
    ...(database !== undefined ? { database } : {}),
    // A database that does not open stops the command (exit 1): the orchestrator restarts it, or the operator sees why.
    databaseRetry: false,
    limits: { ...(redisUrl !== undefined ? { redisUrl } : {}), ...(values['redis-prefix'] ? { redisKeyPrefix: values['redis-prefix'] } : {}), onRedisFailure },
    clientKeys: clientKey !== undefined ? [{ key: clientKey, role: 'user', id: 'INSFORGE_AI_CLIENT_KEY' }] : [],
    ...(adminToken !== undefined ? { adminToken } : {}),
    allowRawModels,
    ...(deadlineMs !== undefined ? { requestDeadlineMs: Math.max(1, deadlineMs) } : {}),
    ...(instanceLeaseMs !== undefined ? { instanceLeaseMs: Math.max(300, instanceLeaseMs) } : {}),
    logger,
    jobs: jobOptionsOf(values),
  };
  let gateway: AiGateway;
  try {
    gateway = createAiGateway(options);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1, { cause: error });
  }

  let stores: GatewayStores;
  try {
    stores = await gateway.ready;
  } catch (error) {
    logger.discard();
    await gateway.close();
    const message = error instanceof Error ? error.message : String(error);
    // A connection or login failure already names the server; never a password either way.
    throw new CliError(withoutUrlCredentials(error instanceof DatabaseConnectionError ? message : `cannot open the database ${databaseTarget.location}: ${message}`), 1, { cause: error });
  }
  logger.release();
  const app = express();
  app.disable('x-powered-by');
  app.use('/', gateway);
  // The server is the gateway alone: its hot routes run on node:http's own objects, everything else through the app.
  const listener = hotRoutesListener(gateway, app);
  // A client that asks before sending its body (`Expect: 100-continue`) hears 401 or 413 instead when that is the answer.
  const server = createServer(timeouts, listener).on('checkContinue', continueOnRead(listener));
  try {
    await listen(server, port, host);
  } catch (error) {
    await gateway.close();
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    const reason = code === 'EADDRINUSE' ? 'the address is in use (choose another with --port or PORT)' : error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot listen on ${host}:${port}: ${reason}`, 1, { cause: error });
  }
  const url = `http://${displayHost(host)}:${(server.address() as AddressInfo).port}`;
  let metricsServer: Server | undefined;
  if (metricsPort !== undefined) {
    // A listener of its own, answering only /metrics: the network it is bound to is what protects it.
    metricsServer = createServer(timeouts, (req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
        return;
      }
      gateway.operations.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': gateway.operations.metrics.contentType, 'cache-control': 'no-store' }).end(text),
        () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('The metrics could not be collected.\n'),
      );
    });
    try {
      await listen(metricsServer, metricsPort, metricsHost);
    } catch (error) {
      server.close();
      await gateway.close();
      throw new CliError(`cannot listen for metrics on ${metricsHost}:${metricsPort}: ${error instanceof Error ? error.message : String(error)}`, 1, { cause: error });
    }
  }
  // What the gateway serves: the database's features (those of --features among them) and its stored key, if any.
  const served = await stores.features.list(DEFAULT_PROJECT_ID).catch(() => features);
  const upstreamKey = await upstreamKeyOf(stores, apiKey);
  // Keys made with `keys create` (or the admin API) let clients in as well as INSFORGE_AI_CLIENT_KEY.
  const storedKeys = await stores.clientKeys.activeCount().catch(() => 0);
  // Limits, the response cache and batch jobs go through Redis when it is set: whether it answers now is the banner's.
  const redisSilent = redisUrl === undefined ? undefined : await redisSilence(redisUrl);
  const metricsUrl = metricsServer ? `http://${displayHost(metricsHost)}:${(metricsServer.address() as AddressInfo).port}/metrics` : undefined;

  io.out(`InsForge AI gateway listening on ${url}${isWildcard(host) ? ` (every interface of this machine)` : ''}`);
  io.out(`  upstream      ${withoutUrlCredentials(upstreamUrl)} (${upstreamKey.banner}${values['upstream-http2'] ? '; HTTP/2 offered' : ''})`);
  io.out(`  features      ${served.length > 0 ? served.map((feature) => `${feature.name} (${feature.modality}: ${feature.model})`).join(', ') : 'none'}`);
  io.out(`  database      ${newDatabaseFile !== undefined ? `${newDatabaseFile} (created just now)` : (gateway.context.databaseLocation ?? 'custom')}`);
  io.out(`  raw model ids ${allowRawModels ? 'allowed' : 'not allowed'}`);
  io.out(`  timeouts      ${timeouts.headersTimeout / 1000} s for a request's headers, ${timeouts.requestTimeout / 1000} s for the whole request (answers are not bounded)`);
  if (redisUrl === undefined) io.out('  limits        counted in this process (give --redis to share them between instances)');
  else io.out(`  redis         ${withoutUrlCredentials(redisUrl)} for limits, the response cache and batch jobs (keys ${values['redis-prefix'] || DEFAULT_REDIS_KEY_PREFIX}…), ${redisSilent === undefined ? 'answering' : 'NOT answering'}`);
  if (metricsUrl) io.out(`  metrics       ${metricsUrl} (no token: keep this port private)`);
  io.out(`  client key    ${clientKey ? 'set (INSFORGE_AI_CLIENT_KEY, role user)' : 'not set'}; admin token ${adminToken ? 'set' : 'not set'}`);
  if (storedKeys > 0) io.out(`  stored keys   ${storedKeys} client key${storedKeys === 1 ? '' : 's'} in the database (insforge-ai keys list)`);
  io.out('Routes:');
  for (const route of listRoutes(gateway.router)) io.out(`  ${route.method.padEnd(6)} ${route.path}`);
  const chatFeature = served.find((feature) => feature.modality === 'text');
  if (chatFeature && clientKey) {
    io.out(`Try: curl ${url}/v1/chat/completions -H "Authorization: Bearer $INSFORGE_AI_CLIENT_KEY" -H "Content-Type: application/json" -d '{"model":"${chatFeature.name}","messages":[{"role":"user","content":"Hello"}]}'`);
  }

  if (upstreamKey.warning) io.err(`warning: ${upstreamKey.warning}`);
  if (!clientKey && storedKeys === 0) {
    io.err(`warning: INSFORGE_AI_CLIENT_KEY is not set and the standalone server has no authenticate hook, and no key is stored (insforge-ai keys create), so ${adminToken ? 'only the admin token' : 'no client'} can call the API (everything else gets 401).`);
  }
  if (redisUrl !== undefined && redisSilent !== undefined) {
    const limits = onRedisFailure === 'fail-closed' ? 'requests under a limit get 503' : 'limits are counted in this process alone';
    io.err(`warning: Redis at ${withoutUrlCredentials(redisUrl)} does not answer (${redisSilent}). Until it does, ${limits} (--limits-on-redis-failure ${onRedisFailure}), answers are not cached and new batch jobs get 503.`);
  }
  if (served.length === 0) io.err(`warning: no features loaded (--features FILE)${allowRawModels ? '; clients can only name raw model ids' : ' and raw model ids are not allowed, so every model request gets 400 model_not_found'}.`);

  let closing: Promise<void> | undefined;
  let afterDrainMs = AFTER_DRAIN_MS;
  const close = () => {
    closing ??= (async () => {
      metricsServer?.closeAllConnections();
      metricsServer?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // AI requests get the grace period; those still running then end with an error event (never a TCP reset)
      // and each leaves its usage record before the ledger is flushed.
      await gateway.drain(graceMs);
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), afterDrainMs);
      cut.unref();
      await closed;
      clearTimeout(cut);
      await gateway.close();
    })();
    return closing;
  };
  return {
    url,
    metricsUrl,
    gateway,
    stopping: `in-flight requests get up to ${graceMs / 1000} s`,
    close,
    closeNow() {
      afterDrainMs = 0;
      const stopped = close();
      // Shortens the drain (under way, or just started) to nothing: the AI requests end now, each with its record;
      // then the connections of any other request (admin, conversations) are cut.
      void gateway.drain(0).then(() => server.closeAllConnections());
      return stopped;
    },
  };
}

/** Seconds (fractions allowed) as milliseconds; undefined when not given. */
/**
 * Which OpenRouter key the gateway sends, as the start-up lines say it: a key stored in the database (`key set`, the
 * admin API) comes before OPENROUTER_API_KEY, and one the master keys cannot decrypt stops AI requests (503) rather
 * than fall back to another account's key.
 */
async function upstreamKeyOf(stores: GatewayStores, apiKey: string | undefined): Promise<{ banner: string; warning?: string }> {
  const stored = await stores.providerKeys.describe(DEFAULT_PROJECT_ID).catch(() => undefined);
  if (!stored) {
    return apiKey ? { banner: 'OpenRouter key set' } : { banner: 'OpenRouter key NOT set', warning: 'OPENROUTER_API_KEY is not set and no key is stored; every upstream call will fail with 502 upstream_auth.' };
  }
  try {
    await stores.providerKeys.secret(DEFAULT_PROJECT_ID);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { banner: `stored OpenRouter key ${stored.masked}, which cannot be decrypted`, warning: `${reason} Until then every AI request gets 503 service_unavailable.` };
  }
  return { banner: `stored OpenRouter key ${stored.masked}${apiKey ? ', used instead of OPENROUTER_API_KEY' : ''}` };
}

function parseSeconds(text: string | undefined, source: string): number | undefined {
  if (text === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= 86_400)) throw usageError(`${source} must be a number of seconds from 0 to 86400, got "${text}"`);
  return Math.round(seconds * 1000);
}

/** Node's server options bounding how long a client may take to send a request (see `REQUEST_TIMEOUT_MS`). */
function serverTimeoutsOf(headers: string | undefined, request: string | undefined): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const headersTimeout = parseSeconds(headers, '--headers-timeout') ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = parseSeconds(request, '--request-timeout') ?? REQUEST_TIMEOUT_MS;
  if (headersTimeout <= 0 || requestTimeout <= 0) throw usageError('--headers-timeout and --request-timeout must be more than 0 seconds');
  // Node refuses a headers timeout longer than the whole request's.
  if (headersTimeout > requestTimeout) throw usageError('--headers-timeout must not be longer than --request-timeout');
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, headersTimeout) };
}

/** The batch job flags, as the gateway's `jobs` option. */
function jobOptionsOf(values: { 'job-concurrency'?: string | undefined; 'job-items'?: string | undefined; 'job-project-items'?: string | undefined; 'job-lease'?: string | undefined; 'no-job-worker'?: boolean | undefined }): NonNullable<AiGatewayOptions['jobs']> {
  const count = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const value = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= 1 && value <= 100)) throw usageError(`${flag} must be a whole number from 1 to 100, got "${text}"`);
    return value;
  };
  const leaseMs = parseSeconds(values['job-lease'], '--job-lease');
  const jobs: NonNullable<AiGatewayOptions['jobs']> = {};
  const concurrency = count(values['job-concurrency'], '--job-concurrency');
  const itemsPerJob = count(values['job-items'], '--job-items');
  const itemsPerProject = count(values['job-project-items'], '--job-project-items');
  if (concurrency !== undefined) jobs.concurrency = concurrency;
  if (itemsPerJob !== undefined) jobs.itemsPerJob = itemsPerJob;
  if (itemsPerProject !== undefined) jobs.itemsPerProject = itemsPerProject;
  // One figure for both queues: the database lease, and BullMQ's lock after which a silent worker counts as stalled.
  if (leaseMs !== undefined) Object.assign(jobs, { leaseMs: Math.max(500, leaseMs), lockMs: Math.max(500, leaseMs) });
  if (values['no-job-worker']) jobs.worker = false;
  return jobs;
}

function parsePort(text: string | undefined, source: string): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65_535)) throw usageError(`${source} must be a port number from 0 to 65535, got "${text}"`);
  return port;
}

/** An interface to bind; an empty one is refused, as Node would bind it to every interface. */
function parseHost(text: string | undefined, source: string): string | undefined {
  if (text !== undefined && text.trim() === '') throw usageError(`${source} must name an interface (127.0.0.1, ::1, or 0.0.0.0 for every interface), got an empty value`);
  return text;
}

function parseHttpUrl(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`${source} must be an http(s) URL, got "${withoutUrlCredentials(text)}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${source} must be an http(s) URL, got "${withoutUrlCredentials(text)}"`);
  return text;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';
const displayHost = (host: string) => (isWildcard(host) ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The routes the gateway router declares, read from Express's own table so the summary never drifts. */
export function listRoutes(router: Router): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  for (const layer of router.stack) {
    const route = layer.route as { path?: unknown; methods?: Record<string, boolean> } | undefined;
    if (!route || typeof route.path !== 'string') continue;
    for (const [method, enabled] of Object.entries(route.methods ?? {})) {
      if (enabled && method !== '_all') routes.push({ method: method.toUpperCase(), path: route.path });
    }
  }
  return routes;
}
