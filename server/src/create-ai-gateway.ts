import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { staticClientKeys, type Authenticate, type ClientKeyVerifier, type Identity, type StaticClientKey } from './auth/identity.js';
import { gatewayErrorHandler, GatewayError } from './errors.js';
import type { FeatureInput } from './features/feature.js';
import type { FeatureStore } from './features/feature-store.js';
import { parseSeedFeature } from './features/feature.js';
import { warnOfUnlistedModels } from './features/unlisted-seed-models.js';
import { KeyEncryption } from './crypto/key-encryption.js';
import { DEFAULT_INSTANCE_LEASE_MS, newGatewayInstance } from './gateway-instance.js';
import { BudgetAlertDispatcher, type BudgetAlert } from './limits/budget-alerts.js';
import { createWebhookClient, type WebhookClientOptions } from './net/safe-webhook.js';
import { redisUrlProblem } from './net/redis-client.js';
import { InstancesSharingLimits } from './limits/instances-sharing-limits.js';
import { MemoryBackend } from './limits/memory-backend.js';
import { QuotaGuard, type BudgetScope } from './limits/quota-guard.js';
import { FallbackBackend } from './limits/fallback-backend.js';
import { RedisBackend } from './limits/redis-backend.js';
import type { BackendFailurePolicy, QuotaBackend } from './limits/types.js';
import type { OpenDatabase } from './store/database.js';
import { DatabaseConnectionError, parseDatabaseTarget } from './store/database-target.js';
import { openGatewayStores, type GatewayStores } from './store/gateway-stores.js';
import { DEFAULT_DATABASE_RETRY, openWithRetry, type DatabaseRetryOptions, type OpeningState, type RetriedOpening } from './store/retried-opening.js';
import type { GatewayContext } from './gateway/context.js';
import { consoleLogger, redactingLogger, secretRedactor, type GatewayLogger } from './logger.js';
import type { PlainHandler } from './plain-http.js';
import type { RawModelPolicy } from './gateway/resolve-target.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './gateway/with-fallbacks.js';
import { chatCompletionsHandler } from './routes/chat-completions.js';
import { messagesErrorBody, messagesHandler } from './routes/messages.js';
import { responsesHandler } from './routes/responses.js';
import { embeddingsHandler } from './routes/embeddings.js';
import { gatewayReadinessChecks, healthRouter } from './routes/health.js';
import { keyFailureWithholder, revealToAdmins } from './routes/withheld-from-users.js';
import { identityMiddleware } from './routes/identity-middleware.js';
import { recordRefusedBodies } from './routes/refused-bodies.js';
import { requestIdHeader } from './routes/request-id-header.js';
import { jsonBody, nonJsonBodyRefusal, plainJsonBody, requestHygiene } from './routes/request-hygiene.js';
import { withHotRoutes } from './routes/hot-routes.js';
import { lazyLimitsRouter } from './routes/limits.js';
import { lazyAdminRouter } from './routes/admin/index.js';
import { lazyConversationsRouter } from './routes/conversations.js';
import type { ConversationLimits } from './store/conversation-store.js';
import { imageGenerationHandler } from './routes/images.js';
import { openAIImageProtocol } from './routes/image-protocols.js';
import { lazyFilesRouter, lazySignedFilesRouter } from './routes/files.js';
import { filesOptionsSchema, openGatewayFiles, type FilesOptions } from './files/gateway-files.js';
import { ConversationAttachments } from './files/conversation-attachments.js';
import { chatAttachments } from './files/chat-attachments.js';
import { generatedImageStore } from './files/generated-images.js';
import { isFileUpload } from './files/file-urls.js';
import { insforgeChatHandler, insforgeImageHandler } from './routes/insforge.js';
import { countModelsHandler, getModelHandler, listModelsForUserHandler, listModelsHandler, modelEndpointsHandler, retrieveModelHandler } from './routes/models.js';
import { ModelCatalog } from './upstream/model-catalog.js';
import { cachedModelEndpoints } from './model-endpoint-cache.js';
import { OPENROUTER_BASE_URL, OpenRouterClient, type UpstreamTimeouts } from './upstream/openrouter-client.js';
import { lazyUsageRouter } from './routes/usage.js';
import { startGatewayUsage, usageLedgerSettingsSchema, type UsageLedgerSettings } from './usage/gateway-usage.js';
import { catalogPrices } from './usage/estimate.js';
import { openRouterGenerations } from './usage/reconciler.js';
import { RequestLifecycle } from './gateway/metered-request.js';
import type { UsageRecord, UsageSink } from './usage/usage-record.js';
import { UsageQuery } from './usage/usage-query.js';
import { GatewayOperations, operationsOptionsSchema, type OperationsOptions } from './observability/gateway-operations.js';
import { operationsRouter } from './observability/operations-router.js';
import { isMcpMessage, mcpBodyErrorHandler, mcpRouter } from './mcp/mcp-http.js';
import type { DegradationAlert } from './observability/degradation-alerts.js';
import { MemoryCacheStore, type CacheStore } from './cache/cache-store.js';
import { ProviderPins } from './cache/provider-pins.js';
import { cacheKeyPrefixFor, RedisCacheStore } from './cache/redis-cache-store.js';
import { ResponseCache } from './cache/response-cache.js';
import { BlocklistWorker } from './guardrails/blocklist-worker.js';
import { Guardrails, type HostGuardrail } from './guardrails/guardrails.js';
import { openRouterModeration } from './guardrails/moderation.js';
import { batchJobOptionsSchema, startBatchJobs, type BatchJobOptions } from './jobs/batch-jobs.js';
import { lazyJobsRouter } from './routes/jobs.js';

export interface AiGatewayOptions {
  /** OpenRouter (or the emulator): base URL, key, attribution headers, timeouts. */
  upstream?: {
    /** OpenRouter's API base; default `process.env.OPENROUTER_BASE_URL`, else `https://openrouter.ai/api/v1`. */
    baseUrl?: string;
    /** The key, or a function returning the current one; default `process.env.OPENROUTER_API_KEY`. */
    apiKey?: string | (() => string | undefined | Promise<string | undefined>);
    referer?: string;
    title?: string;
    timeouts?: Partial<UpstreamTimeouts>;
    /**
     * Offer HTTP/2 over https (agreed in the TLS handshake; HTTP/1.1 where the server lacks it). Default false:
     * HTTP/2 holds an open stream in less than half the memory, HTTP/1.1 costs less CPU per request.
     */
    http2?: boolean;
    /** Certificates (PEM) to trust for the upstream besides Node's roots, e.g. the emulator's `ca` over TLS. */
    ca?: string | string[];
  };
  /**
   * Where configuration, keys and the audit log live: a `postgres://` URL, a SQLite file path, or `:memory:`.
   * Default: `DATABASE_URL`, else `./.insforge-ai/ai.db`. Migrations run at start.
   */
  database?: string | OpenDatabase;
  /**
   * When the database does not open at start (a Postgres started after the app): tried again after `initialDelayMs`,
   * the wait doubling up to `maxDelayMs`, until it opens; requests are answered 503 `service_unavailable` (with
   * `Retry-After`) meanwhile, and served once it opens. `false` tries once: every request is a 503 until a restart.
   * An opened database (`database` given as one) is tried once. Default `{ initialDelayMs: 1000, maxDelayMs: 30000 }`.
   */
  databaseRetry?: DatabaseRetryOptions | false;
  /**
   * Features: a list is created in the default project where no feature of that name exists yet (so admin edits
   * survive restarts); a `FeatureStore` replaces the database for features.
   */
  features?: FeatureStore | FeatureInput[];
  /**
   * Maps the host app's session or JWT to an identity; bearer client keys are tried when it returns nothing. Asked
   * before the body is read (`req.body` is the host's parse, else `undefined`); a hook that reads `req.body` then is
   * asked again with the body (`Authenticate`).
   */
  authenticate?: Authenticate;
  /** Bearer keys that authenticate clients (static list or a verifier backed by a database). */
  clientKeys?: StaticClientKey[] | ClientKeyVerifier;
  /** A bearer token that makes the caller an admin of the default project. */
  adminToken?: string;
  /**
   * Master keys for stored OpenRouter keys. Default: read from `INSFORGE_AI_ENCRYPTION_KEY` and
   * `INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS`; `null` to refuse storing keys.
   */
  encryption?: KeyEncryption | null;
  /**
   * Where limits are counted: in this process by default; in Redis (`redisUrl`, default `REDIS_URL`) when several
   * gateway instances share limits. When Redis cannot be reached, `onRedisFailure` refuses requests with a 503
   * (`fail-closed`, the default) or counts in this process until it returns (`fail-open`).
   */
  limits?: { redisUrl?: string; redisKeyPrefix?: string; onRedisFailure?: BackendFailurePolicy; backend?: QuotaBackend };
  /** Called once per period when a project's spend passes an alert threshold (besides the project's webhook). */
  onBudgetAlert?: (alert: BudgetAlert) => void | Promise<void>;
  /**
   * Outgoing webhooks (budget alerts), whose URLs project admins choose: `https` to public addresses only, checked
   * after DNS and when saved. `allowHttp` and `allowPrivateAddresses` open plain http and this host's own network
   * (loopback, RFC 1918, CGNAT, ULA, link-local) for a trusted deployment; cloud metadata addresses stay refused.
   */
  webhooks?: WebhookClientOptions;
  /** The project of identities that do not name one, whose admins alone read the gateway-wide `/metrics`. Default `"default"`. */
  defaultProjectId?: string;
  /** Whether requests may name raw OpenRouter model ids besides features (per project with a function). Default false. */
  allowRawModels?: RawModelPolicy;
  retry?: Partial<RetryPolicy>;
  /** Silence after which streaming clients get an SSE comment. Default 15 s. */
  heartbeatMs?: number;
  /**
   * The longest a request may take, from arrival to its last byte (an upstream that sends only keep-alives cannot
   * hold it forever): a stream then ends with an error event, a JSON request with a 504. Default 10 minutes.
   */
  requestDeadlineMs?: number;
  /**
   * What one caller (a user, a client key) may keep through the conversations API: `conversationsPerOwner` (1,000),
   * `messagesPerConversation` (5,000), `messageBytes` (256 KB) and `bytesPerOwner` (50 MB).
   */
  conversations?: Partial<ConversationLimits>;
  /**
   * The file store (`/api/ai/files`), where conversations keep their attachments and `response_format: "url"` keeps
   * generated images, stored once per project by content: the bytes in the database unless `directory` names a
   * folder; `maxFileBytes` (10 MB) and `maxBytesPerOwner` (100 MB) per caller; signed URLs that work for
   * `signedUrlTtlSeconds` (1 hour) under `publicUrl` (default: the address each request came to).
   */
  files?: FilesOptions;
  /** Largest request body. Default 10 MB (images in messages are large). */
  maxBodyBytes?: number;
  /** How long the model catalog, and each model's providers with their prices, are cached. Default 10 minutes. */
  catalogTtlMs?: number;
  /** Where usage records go. Default (also when `undefined`): the usage ledger in the gateway's database. */
  usage?: UsageSink | undefined;
  /** The usage ledger's batching, reconciliation with OpenRouter's `GET /generation`, and retention (90 days). */
  ledger?: UsageLedgerSettings;
  logger?: GatewayLogger;
  /**
   * Operations: circuit breakers per upstream model and provider (on by default; shared through Redis when
   * `limits.redisUrl`/`REDIS_URL` is set) and service degradation alerts (a webhook under the `webhooks` rules).
   */
  operations?: Pick<OperationsOptions, 'circuitBreakers' | 'alerts'>;
  /** Called with every finished request's usage record (no prompt or answer in it), e.g. to feed Langfuse or the host's logs. */
  onRequestEnd?: (record: UsageRecord) => void;
  /** Called when a circuit opens or closes, or a feature's error rate passes the alert threshold. */
  onDegradation?: (alert: DegradationAlert) => void | Promise<void>;
  /**
   * Where the response cache keeps answers (features turn it on; see `Feature.cache`): an in-process LRU of
   * `maxBytes` (64 MB) by default, Redis when `redisUrl` (default `limits.redisUrl`, else `REDIS_URL`) is set, so
   * every instance shares hits (keys under `redisKeyPrefix`, default `limits.redisKeyPrefix` + `cache:`, else
   * `insforge-ai:cache:`); or a `store` of your own.
   */
  cache?: { store?: CacheStore; redisUrl?: string; redisKeyPrefix?: string; maxBytes?: number };
  /**
   * The host's own guardrails, run on every AI request after the feature's: `{ name, stage: 'input' | 'output',
   * check(context) }`, where `check` returns `{ verdict: 'block', message? }` to refuse (403
   * `content_policy_violation`) and nothing to let the text through.
   */
  guardrails?: HostGuardrail[];
  /**
   * How long a feature's blocklist patterns may take on a text, in ms for each 25,600 characters they read (default
   * 100). They run in a worker thread, off the event loop; a text they cannot finish in time is not screened, so its
   * request is refused (503 `service_unavailable` naming the guardrail) and the pattern is logged once.
   */
  blocklistPatternBudgetMs?: number;
  /**
   * Batch jobs (`/api/ai/jobs`, `/api/ai/summarize`): every instance works on jobs kept in the database unless
   * `worker: false`; concurrency per instance, per job and per project, retries and leases.
   */
  jobs?: BatchJobOptions;
  /**
   * How long after its last heartbeat (sent every third of it) a gateway instance that stopped — killed, crashed, cut
   * off from the database or Redis — is taken for gone: the requests it had in flight then get their usage records
   * (at their worst case, or reconciled where OpenRouter had named the generation), and what it reserved in Redis
   * counts as spent. A start on the same machine takes its predecessor's at once. Default 30 s.
   */
  instanceLeaseMs?: number;
}

/** Every option's name, kept in step with `AiGatewayOptions` by the compiler: a misspelt option fails at once. */
const OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys({
  upstream: true, database: true, databaseRetry: true, features: true, authenticate: true, clientKeys: true, adminToken: true, encryption: true, limits: true,
  onBudgetAlert: true, webhooks: true, defaultProjectId: true, allowRawModels: true, retry: true, heartbeatMs: true, requestDeadlineMs: true,
  conversations: true, files: true, maxBodyBytes: true, catalogTtlMs: true, usage: true, ledger: true, logger: true, operations: true,
  onRequestEnd: true, onDegradation: true, cache: true, guardrails: true, blocklistPatternBudgetMs: true, jobs: true, instanceLeaseMs: true,
} satisfies Record<keyof AiGatewayOptions, true>));
const UPSTREAM_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys({
  baseUrl: true, apiKey: true, referer: true, title: true, timeouts: true, http2: true, ca: true,
} satisfies Record<keyof NonNullable<AiGatewayOptions['upstream']>, true>));

/** The first option that is not one (JavaScript callers have no compiler to say so), with the names there are. */
function unknownOption(options: AiGatewayOptions): string | undefined {
  const unknown = (value: object, names: ReadonlySet<string>, prefix: string) => {
    const name = Object.keys(value).find((key) => !names.has(key));
    return name === undefined ? undefined : `unknown option "${prefix}${name}"; the options are ${[...names].map((known) => prefix + known).join(', ')}`;
  };
  return unknown(options, OPTION_NAMES, '') ?? (options.upstream && typeof options.upstream === 'object' ? unknown(options.upstream, UPSTREAM_OPTION_NAMES, 'upstream.') : undefined);
}

/** A Redis URL, refused (without its password) before any client or the database opens. */
const redisUrlSchema = z.string().superRefine((url, context) => {
  const problem = redisUrlProblem(url);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

const staticClientKeysSchema = z.array(
  z.looseObject({ key: z.string('a key is a string (is the variable it is read from set?)').regex(/^\S+$/, 'a key is one or more characters without white space, as "Authorization: Bearer <key>" carries it') }),
);

/** A database setting `openDatabase` can open: refused here, the error would come later from `ready`, or nowhere. */
const databaseSchema = z.unknown().superRefine((setting, context) => {
  if (typeof setting === 'object' && setting !== null) return;
  if (typeof setting !== 'string') {
    context.addIssue({ code: 'custom', message: 'a postgres:// URL, a SQLite file path or an opened database' });
    return;
  }
  try {
    parseDatabaseTarget(setting);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** A callback option: anything else (a string, `true`) would fail only when it is first called, in a request. */
const callback = (name: string) => z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', `${name} must be a function`);

const optionsSchema = z.object({
  database: databaseSchema.optional(),
  databaseRetry: z
    .union([
      z.literal(false),
      z
        .object({ initialDelayMs: z.number().int().min(1), maxDelayMs: z.number().int().min(1) })
        .partial()
        .strict()
        .refine((retry) => (retry.initialDelayMs ?? DEFAULT_DATABASE_RETRY.initialDelayMs) <= (retry.maxDelayMs ?? DEFAULT_DATABASE_RETRY.maxDelayMs), 'initialDelayMs is at most maxDelayMs'),
    ])
    .optional(),
  // A string would be truthy ('false' too), opening raw model ids without the boolean that says so.
  allowRawModels: z
    .custom<RawModelPolicy>((value) => typeof value === 'boolean' || typeof value === 'function', 'allowRawModels must be true, false or a function (projectId) => boolean')
    .optional(),
  // Checked here rather than left to `createWebhookClient`: a policy of 'no' would be truthy, opening plain http.
  webhooks: z
    .object({
      allowHttp: z.boolean('webhooks.allowHttp must be true or false').optional(),
      allowPrivateAddresses: z.boolean('webhooks.allowPrivateAddresses must be true or false').optional(),
      lookup: callback('webhooks.lookup').optional(),
      timeoutMs: z.number().positive().optional(),
      maxResponseBytes: z.number().int().nonnegative().optional(),
    })
    .optional(),
  authenticate: callback('authenticate').optional(),
  onBudgetAlert: callback('onBudgetAlert').optional(),
  onRequestEnd: callback('onRequestEnd').optional(),
  onDegradation: callback('onDegradation').optional(),
  upstream: z
    .object({
      baseUrl: z.url().optional(),
      referer: z.string().optional(),
      title: z.string().optional(),
      timeouts: z.object({ connectMs: z.number().positive(), firstByteMs: z.number().positive(), betweenChunksMs: z.number().positive() }).partial().optional(),
      http2: z.boolean().optional(),
      ca: z.union([z.string().includes('-----BEGIN CERTIFICATE-----'), z.array(z.string().includes('-----BEGIN CERTIFICATE-----'))]).optional(),
    })
    .passthrough()
    .optional(),
  heartbeatMs: z.number().int().min(100).optional(),
  requestDeadlineMs: z.number().int().min(1).optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  catalogTtlMs: z.number().int().nonnegative().optional(),
  retry: z.object({ maxRetries: z.number().int().min(0).max(10), baseDelayMs: z.number().nonnegative(), maxDelayMs: z.number().nonnegative(), maxRetryAfterMs: z.number().nonnegative() }).partial().optional(),
  defaultProjectId: z.string().min(1).optional(),
  // Checked here, before anything connects: a policy refused once the Redis client exists would leave it open.
  limits: z
    .object({
      redisUrl: redisUrlSchema.optional(),
      redisKeyPrefix: z.string().optional(),
      onRedisFailure: z.enum(['fail-closed', 'fail-open']).optional(),
      backend: z.custom<QuotaBackend>((value) => typeof value === 'object' && value !== null, 'backend must be a QuotaBackend').optional(),
    })
    .strict()
    .optional(),
  conversations: z
    .object({ conversationsPerOwner: z.number().int().positive(), messagesPerConversation: z.number().int().positive(), messageBytes: z.number().int().positive(), bytesPerOwner: z.number().int().positive() })
    .partial()
    .strict()
    .optional(),
  // A key is sent as `Authorization: Bearer <key>`: one without characters, or with white space, could never be.
  clientKeys: z
    .unknown()
    .superRefine((value, context) => {
      if (!Array.isArray(value)) {
        if (typeof (value as ClientKeyVerifier | null)?.verify !== 'function') context.addIssue({ code: 'custom', message: 'clientKeys is a list of { key } or a verifier with verify(token)' });
        return;
      }
      for (const issue of staticClientKeysSchema.safeParse(value).error?.issues ?? []) context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    })
    .optional(),
  adminToken: z.string().min(16, 'adminToken must be at least 16 characters').regex(/^\S+$/, 'adminToken is one word without white space, as "Authorization: Bearer <token>" carries it').optional(),
  ledger: usageLedgerSettingsSchema.optional(),
  operations: operationsOptionsSchema.optional(),
  cache: z.object({ redisUrl: redisUrlSchema.optional(), redisKeyPrefix: z.string().optional(), maxBytes: z.number().int().positive().optional() }).passthrough().optional(),
  guardrails: z
    .array(z.object({ name: z.string().min(1).max(64), stage: z.enum(['input', 'output']), check: z.custom<() => unknown>((value) => typeof value === 'function', 'check must be a function') }))
    .optional(),
  blocklistPatternBudgetMs: z.number().int().min(1).optional(),
  jobs: batchJobOptionsSchema.optional(),
  files: filesOptionsSchema.optional(),
  instanceLeaseMs: z.number().int().min(300).optional(),
});

/**
 * The gateway: a request handler any Express app (4 or 5) mounts with `app.use(path, gateway)` — typed with Node's own
 * request and response so it fits every Express version's types — with its context and stores for the CLI and tests.
 * `ready` resolves once the database is open and migrated (after as many tries as `databaseRetry` takes); it rejects
 * when the database is not tried again (`databaseRetry: false`) or the gateway is closed before it opened.
 */
export interface AiGateway {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The Express router behind the handler (its route table, e.g. to list the routes). */
  readonly router: Router;
  readonly context: GatewayContext;
  readonly ready: Promise<GatewayStores>;
  /** Metrics, circuit breakers, the error log and instance connections (e.g. to serve metrics on another port). */
  readonly operations: GatewayOperations;
  /**
   * Refuses new AI requests (503), waits up to `graceMs` for those in flight, then ends the rest cleanly (streams
   * with an SSE error event, JSON requests with a 503) and resolves once each has its usage record. Call it before
   * `close()` when the process is stopping.
   */
  drain(graceMs: number): Promise<void>;
  /**
   * Ends the requests still in flight as `drain(0)` does (each gets its record), writes what the usage ledger holds,
   * settles pending reservations and closes every connection it opened.
   */
  close(): Promise<void>;
}

/**
 * Creates the gateway router. Options are checked once, here; a host app mounts it with one line.
 * @example
 * app.use('/ai', createAiGateway({ features: [{ name: 'chat', model: 'openai/gpt-4o-mini', systemPrompt: 'Be brief.' }] }));
 */
export function createAiGateway(options: AiGatewayOptions = {}): AiGateway {
  return openGateway(options, { serving: true });
}

/**
 * A gateway for an admin's tool (`insforge-ai mcp`) that calls its API in-process and serves no AI request of its
 * own: it does not register as one of the instances on the database (the limits-sharing warning and `GET /health`
 * would count it) nor report its connections to the others. Internal to the package: not exported by its index.
 */
export function createAdminToolGateway(options: AiGatewayOptions): AiGateway {
  return openGateway(options, { serving: false });
}

function openGateway(options: AiGatewayOptions, { serving }: { serving: boolean }): AiGateway {
  const unknown = unknownOption(options);
  if (unknown) throw new TypeError(`createAiGateway: ${unknown}.`);
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`createAiGateway: ${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const defaultProjectId = options.defaultProjectId ?? 'default';
  // What this gateway leaves in shared stores (requests in flight, Redis reservations) carries its id.
  const instance = newGatewayInstance();
  const instanceLeaseMs = options.instanceLeaseMs ?? DEFAULT_INSTANCE_LEASE_MS;
  const apiKeyOption = options.upstream?.apiKey ?? (() => process.env['OPENROUTER_API_KEY']);
  const upstream = new OpenRouterClient({
    baseUrl: (options.upstream?.baseUrl ?? (process.env['OPENROUTER_BASE_URL'] || OPENROUTER_BASE_URL)).replace(/\/+$/, ''),
    apiKey: apiKeyOption,
    ...(options.upstream?.referer ? { referer: options.upstream.referer } : {}),
    ...(options.upstream?.title ? { title: options.upstream.title } : {}),
    timeouts: { connectMs: 10_000, firstByteMs: 60_000, betweenChunksMs: 60_000, ...options.upstream?.timeouts },
    ...(options.upstream?.http2 !== undefined ? { http2: options.upstream.http2 } : {}),
    ...(options.upstream?.ca !== undefined ? { ca: options.upstream.ca } : {}),
  });
  const staticKeys: StaticClientKey[] = Array.isArray(options.clientKeys) ? [...options.clientKeys] : [];
  if (options.adminToken) staticKeys.push({ key: options.adminToken, role: 'admin', id: 'admin-token' });
  const keyVerifier = options.clientKeys && !Array.isArray(options.clientKeys) ? options.clientKeys : undefined;
  const fromList = staticClientKeys(staticKeys, defaultProjectId);
  let currentKey: string | undefined;
  // Stored keys in use, so the logger can redact them too (bounded: keys change rarely).
  const storedSecrets = new Set<string>();
  const rememberSecret = (secret: string) => {
    if (storedSecrets.size > 1_000) storedSecrets.clear();
    storedSecrets.add(secret);
  };
  const clientKeySecrets = staticKeys.map((entry) => entry.key);
  const secrets = () => [...storedSecrets, currentKey, typeof apiKeyOption === 'string' ? apiKeyOption : undefined, options.adminToken, process.env['OPENROUTER_API_KEY'], ...clientKeySecrets];
  const redact = secretRedactor(secrets);
  const logger = redactingLogger(options.logger ?? consoleLogger(), secrets);
  // Features given at start load as stored ones do: a pattern the save check has since refused is logged, not fatal.
  const seeds = Array.isArray(options.features) ? options.features.map(parseSeedFeature) : [];
  for (const warning of seeds.flatMap((seed) => seed.warnings)) logger.warn(warning);
  const seedFeatures = seeds.map((seed) => seed.feature);
  // Read once, here: a malformed master key stops the gateway at start, not at the first key save.
  const encryption = options.encryption === undefined ? KeyEncryption.fromEnvironment(process.env) : options.encryption;
  // Before the database opens: an option still refused here (a Redis URL it cannot read, a webhook timeout of 0)
  // throws with nothing opened.
  const webhooks = createWebhookClient(options.webhooks);
  const redisUrl = options.limits?.redisUrl ?? process.env['REDIS_URL'];
  const quotaBackend: QuotaBackend = options.limits?.backend ?? (redisUrl
    ? new FallbackBackend({
        primary: new RedisBackend({
          url: redisUrl,
          instanceId: instance.id,
          leaseMs: instanceLeaseMs,
          ...(options.limits?.redisKeyPrefix ? { keyPrefix: options.limits.redisKeyPrefix } : {}),
          // A Redis that restarted between two requests lost its counters unnoticed: they are read again from the ledger
          // (its rate windows too when the epoch says it lost its data: `onDataLost`).
          onReconnect: () => quota.recount({ rateWindows: false }),
          // It restarted keeping nothing on disk, or lost its data on a live connection: what this instance's requests in
          // flight reserved is reserved again (the ledger does not hold them yet), and the counters, rate windows included,
          // are read again from the ledger, with other instances' requests in flight from their notes until they have
          // reserved theirs again.
          onDataLost: () => {
            logger.warn('Redis for limits lost its data: caps are counted again from the usage ledger and the requests in flight');
            quota.recount();
          },
        }),
        policy: options.limits?.onRedisFailure ?? 'fail-closed',
        onPrimaryStateChange: (state, error) => {
          if (state === 'down') logger.error('Redis for limits is unreachable', { error });
          else logger.info('Redis for limits is back');
          // Counters in process (down) or in Redis (back) may hold less than the ledger: each is read again from it.
          quota.recount();
        },
      })
    : new MemoryBackend());
  const database = options.database ?? process.env['DATABASE_URL'];
  // An opened database is closed by a try that fails: only one the gateway opens itself can be tried again.
  const retry = options.databaseRetry === false || typeof database === 'object' ? false : { ...DEFAULT_DATABASE_RETRY, ...options.databaseRetry };
  // Until the database is open, the first try's requests wait for it; after a failed try, every request is a 503.
  let failedTries = 0;
  const opening = openWithRetry(() => openGatewayStores({ database, defaultProjectId, seedFeatures, conversationLimits: options.conversations, encryption: encryption ?? undefined, logger }), {
    retry,
    onFailure: (error, tries, retryInMs) => {
      failedTries = tries;
      const next = retryInMs === undefined ? {} : { retryInSeconds: retryInMs / 1000 };
      if (tries === 1) logger.error('the gateway database could not be opened', { error, ...next });
      else logger.warn('the gateway database still cannot be opened', { error, tries, ...next });
    },
    discard: (stores) => stores.close(),
    // Only a database that cannot be reached or logged into yet may come up later; a missing driver or a failed
    // migration is for the operator, at once.
    retryable: (error) => error instanceof DatabaseConnectionError,
  });
  const ready = opening.opened;
  ready.then(() => failedTries > 0 && logger.info('the gateway database is open: requests are served', { tries: failedTries + 1 }), () => undefined);
  const files = ready.then((stores) => openGatewayFiles(stores.database.db, options.files, encryption ?? undefined));
  // A database that did not open is logged above; a file store that did not open on one that did, here.
  files.catch((error: unknown) => ready.then(() => logger.error('the file store could not be opened', { error }), () => undefined));
  const customFeatures = options.features !== undefined && !Array.isArray(options.features) ? options.features : undefined;
  const features: FeatureStore = customFeatures ?? {
    get: async (projectId, name) => (await ready).features.get(projectId, name),
    list: async (projectId) => (await ready).features.list(projectId),
    put: async (projectId, feature) => (await ready).features.put(projectId, feature),
  };
  const storedKeys: ClientKeyVerifier = { verify: async (token) => (await ready).clientKeys.verify(token) };
  // Tried in order: the listed keys, the host's verifier, then the keys stored in the database.
  const lookups: ClientKeyVerifier[] = [fromList, ...(keyVerifier ? [keyVerifier] : []), storedKeys];
  const clientKeys: ClientKeyVerifier = {
    async verify(token) {
      for (const verifier of lookups) {
        const identity = await verifier.verify(token);
        if (identity) return identity;
      }
      return undefined;
    },
  };
  const sharing = new InstancesSharingLimits(quotaBackend instanceof MemoryBackend, logger);
  const alerts = new BudgetAlertDispatcher({
    backend: quotaBackend,
    policies: async () => (await ready).limits,
    audit: async () => (await ready).audit,
    logger,
    webhooks,
    callback: options.onBudgetAlert,
  });
  /** The ledger to read spend from, once what it holds in memory is written. */
  const writtenLedger = async () => {
    await usage.ledger?.flush();
    return new UsageQuery((await ready).database.db);
  };
  const quota = new QuotaGuard(quotaBackend, async () => (await ready).limits, {
    onSpend: (report) => alerts.check(report),
    // Caps count what the ledger holds for their period (only the gateway's own ledger: a host's sink is not read).
    ...(options.usage === undefined && {
      spentSince: async (scope: BudgetScope, from: number) => (await writtenLedger()).spentSince(scope, from),
      spentByCallerSince: async (projectId: string, from: number) => (await writtenLedger()).spentByCallerSince(projectId, from),
      requestsSince: async (projectId: string, from: number) => (await writtenLedger()).requestsSince(projectId, from),
      endedRequests: async (requestIds: readonly string[]) => (await writtenLedger()).endedRequests(requestIds),
    }),
    instanceId: instance.id,
    // Counters outside this process can be lost while it runs (a Redis that keeps nothing on disk restarts).
    ...(!(quotaBackend instanceof MemoryBackend) && { seedRefreshMs: 5 * 60_000 }),
    // A cap whose counters cannot be seeded refuses (or admits) requests as one whose Redis is down does.
    onSeedFailure: options.limits?.onRedisFailure ?? 'fail-closed',
    onSeedError: (error, seed) =>
      seed === 'windows'
        ? logger.warn('the usage ledger could not be read to count the requests of the last minute after the limits lost their counts; the per-minute windows count on from what they hold', { error })
        : logger.warn('the usage ledger could not be read to count what was spent before a cap counted; it is read again in 30 s', { error }),
  });
  const usage = startGatewayUsage(
    ready,
    {
      prices: (record) => catalogPrices(context.catalog, context.features)(record),
      lookupGeneration: (job, signal) => openRouterGenerations(upstream, (projectId) => context.upstreamKey(projectId))(job, signal),
      onReconciled: (generationId, figures) => quota.settleCost(generationId, figures && { costUsd: figures.costUsd, tokens: figures.promptTokens + figures.completionTokens }),
    },
    // Only an instance that serves requests beats on the database: the others count it, and recover what it left.
    { sink: options.usage, settings: options.ledger, instance: serving ? { instance, leaseMs: instanceLeaseMs, onInstancesAlive: (count) => sharing.heard(count) } : undefined, logger },
  );
  // Requests wait for the stores, and for the records of what an earlier process left in flight: a cap seeded from
  // the ledger then counts them.
  const started = ready.then(async (stores) => {
    await usage.started;
    return stores;
  });
  started.catch(() => undefined);
  const operations: GatewayOperations = new GatewayOperations({
    options: { ...options.operations, onRequestEnd: options.onRequestEnd, onDegradation: options.onDegradation },
    redisUrl,
    redisKeyPrefix: options.limits?.redisKeyPrefix,
    requestsInFlight: () => lifecycle.inFlight,
    streamsInFlight: () => lifecycle.inFlightStreams,
    reportConnections: serving,
    ledger: () => usage.ledger?.stats(),
    webhooks,
    logger,
  });
  const cacheRedisUrl = options.cache?.redisUrl ?? redisUrl;
  const cacheStore: CacheStore = options.cache?.store ?? (cacheRedisUrl
    ? new RedisCacheStore({ url: cacheRedisUrl, keyPrefix: options.cache?.redisKeyPrefix ?? cacheKeyPrefixFor(options.limits?.redisKeyPrefix) })
    : new MemoryCacheStore(options.cache?.maxBytes === undefined ? {} : { maxBytes: options.cache.maxBytes }));
  const responseCache = new ResponseCache({ store: cacheStore, logger, redact });
  // Started on the first text a blocklist pattern screens: a gateway whose features have none runs no thread.
  const blocklistWorker = new BlocklistWorker({ budgetMs: options.blocklistPatternBudgetMs });
  const lifecycle: RequestLifecycle = new RequestLifecycle({
    quota,
    usage: usage.sink,
    inFlight: usage.ledger?.inFlight,
    logger,
    deadlineMs: options.requestDeadlineMs ?? 10 * 60_000,
    observe: (meter) => operations.observe(meter),
    // Guardrails first: a refused request never reaches the cache, and an answer they changed is never stored. The
    // provider pin comes before the cache, which keys on the body it completes.
    beforeForward: [
      new Guardrails({ hooks: options.guardrails ?? [], moderate: openRouterModeration(() => context), blocklistWorker, logger }).stage(),
      new ProviderPins({ store: cacheStore, logger }).stage(),
      responseCache.stage(),
    ],
  });
  // A stored key the master key cannot open: users get a generic 503, the log and admins which variable to set.
  const withholdKeyFailure = keyFailureWithholder(logger);
  const context: GatewayContext = {
    upstream,
    upstreamKey: async (projectId) => {
      const stored = await (await ready).providerKeys.secret(projectId).catch((error: unknown) => {
        throw withholdKeyFailure(projectId, error);
      });
      if (stored) rememberSecret(stored);
      return stored ?? upstream.apiKey();
    },
    catalog: modelCatalog(upstream, logger, options.catalogTtlMs),
    features,
    allowRawModels: options.allowRawModels ?? false,
    authenticate: options.authenticate,
    clientKeys,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    heartbeatMs: options.heartbeatMs ?? 15_000,
    usage: usage.sink,
    quota,
    lifecycle,
    logger,
    redact,
    attachments: chatAttachments(files),
  };
  // Features given at start are the host's code or file: a model OpenRouter does not list is said once, not refused.
  if (seedFeatures.length > 0) void warnOfUnlistedModels(context.catalog, seedFeatures, (message) => logger.warn(message));
  // Once the context exists: an option refused before it must leave no callback that reaches for it.
  ready.then((stores) => (context.databaseLocation = stores.database.location), () => undefined);
  const batchJobs = startBatchJobs(context, ready, instance, options.jobs, { url: redisUrl, keyPrefix: options.limits?.redisKeyPrefix });
  // Remember the key in use so the logger can redact it even when it comes from a function.
  const apiKey = upstream.apiKey.bind(upstream);
  upstream.apiKey = async () => (currentKey = await apiKey());

  const router = Router();
  router.use(healthRouter(gatewayReadinessChecks({ stores: () => openedStores(opening), upstream, quota: quotaBackend, defaultProjectId, limitsNote: () => sharing.note() }), { openCircuits: () => operations.openCircuits() }));
  let opened = false;
  void started.then(() => (opened = true), () => undefined);
  const awaitReady: PlainHandler = async (_req, _res, next) => {
    if (!opened) {
      const state = await opening.settled();
      // Logged when it failed; the caller is told the service is down, not that the gateway broke.
      if (state.status === 'failed') throw databaseUnavailable(state);
      await started.catch((error: unknown) => {
        throw new GatewayError('service_unavailable', 'The AI gateway could not start serving requests; its log says why.', { cause: error });
      });
    }
    next();
  };
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  // JSON bodies as SDKs send them are read by the gateway's own reader; the rest by Express's parser.
  const gatewayBody = plainJsonBody(maxBodyBytes, jsonBody(maxBodyBytes));
  // MCP's tools send their arguments to the API, which refuses a NUL there as a tool error (as over stdio); refused
  // here, the whole message would be an HTTP 400 no MCP client reads as an answer.
  const mcpBody = plainJsonBody(maxBodyBytes, jsonBody(maxBodyBytes, { nul: 'pass' }), { nul: 'pass' });
  const parseBody: PlainHandler = (req, res, next) => {
    if (isMcpMessage(req)) return mcpBody(req, res, next);
    // Every route but a file upload (raw bytes of any type) reads JSON: another body would reach it as none at all.
    const refused = isFileUpload(req) ? undefined : nonJsonBodyRefusal(req);
    if (refused) return next(refused);
    return gatewayBody(req, res, next);
  };
  // The caller is identified before its body is read, so a request without a valid key is refused unparsed (10 MB of
  // JSON is about 100 ms of CPU); only a host hook that reads `req.body` has the body read first.
  const readRequest = identityMiddleware(context, parseBody);
  // Before anything that may answer, so that every answer carries its request id, a 401 or a 503 included.
  router.use(requestIdHeader);
  router.use(awaitReady);
  router.use(requestHygiene);
  const admitCall = (identity: Identity) => quota.admitCall(identity);
  // Before the identity middleware: a signed file URL is its own credential (an `<img src>` sends none).
  router.use(lazySignedFilesRouter(files, admitCall));
  router.use(readRequest);
  router.use(operationsRouter(operations, ready, defaultProjectId));
  router.use(mcpRouter(router));
  const hotRoutes = { 'POST /v1/chat/completions': chatCompletionsHandler(context), 'POST /v1/embeddings': embeddingsHandler(context) };
  // The metered routes, each with its ledger endpoint: a body refused before its route read it is still recorded.
  const meteredRoutes: ReadonlyArray<[path: string, endpoint: UsageRecord['endpoint'], handler: PlainHandler | RequestHandler]> = [
    ['/v1/chat/completions', 'chat', hotRoutes['POST /v1/chat/completions']],
    ['/v1/embeddings', 'embeddings', hotRoutes['POST /v1/embeddings']],
    ['/v1/responses', 'chat', responsesHandler(context)],
    ['/v1/messages', 'chat', messagesHandler(context)],
    ['/v1/images/generations', 'images', imageGenerationHandler(context, openAIImageProtocol, generatedImageStore(files))],
    ['/api/ai/chat/completion', 'chat', insforgeChatHandler(context)],
    ['/api/ai/image/generation', 'images', insforgeImageHandler(context)],
  ];
  for (const [path, , handler] of meteredRoutes) router.post(path, handler);
  router.get('/v1/models', listModelsHandler(context));
  // Before the catch-all of ids, each handing a real feature or model id of the same path on to it.
  router.get('/v1/models/count', countModelsHandler(context));
  router.get('/v1/models/user', listModelsForUserHandler(context));
  router.get('/v1/models/*id/endpoints', modelEndpointsHandler(context));
  router.get('/v1/models/*id', retrieveModelHandler(context));
  router.get('/v1/model/*id', getModelHandler(context));
  // Conversation calls count against the caller's rate limits like AI calls (never against spend or the stop).
  const conversationFiles = files.then((opened) => new ConversationAttachments(opened));
  conversationFiles.catch(() => undefined);
  router.use(lazyConversationsRouter(ready, admitCall, conversationFiles));
  router.use(lazyFilesRouter(files, admitCall));
  router.use(lazyLimitsRouter(context, ready));
  router.use(lazyAdminRouter(context, ready, defaultProjectId, webhooks, responseCache));
  router.use(lazyUsageRouter(ready));
  router.use(lazyJobsRouter(context, batchJobs.service));
  router.use((req) => {
    // The Responses API is served statelessly (POST /v1/responses): nothing is stored to fetch, cancel or delete.
    if (/^\/v1\/responses\//i.test(req.path)) throw new GatewayError('not_found', `No route ${req.method} ${req.path}: responses are not stored (OpenRouter's Responses API is stateless), so none can be fetched, cancelled or deleted. Create one with POST /v1/responses, sending the whole conversation as input.`);
    if (/^\/v1\/messages\//i.test(req.path)) throw new GatewayError('not_found', `No route ${req.method} ${req.path}: of Anthropic's Messages API the gateway serves POST /v1/messages alone (no token counting, no message batches).`);
    throw new GatewayError('not_found', `No route ${req.method} ${req.path}.`);
  });
  const errorHandlers = [recordRefusedBodies(lifecycle, new Map(meteredRoutes.map(([path, endpoint]) => [path, endpoint]))), mcpBodyErrorHandler, revealToAdmins, gatewayErrorHandler((error) => logger.error('unhandled error in a gateway route', { error }), redact, messagesErrorBody)];
  for (const handler of errorHandlers) router.use(handler);
  // The two routes nearly every request takes skip the router's walk; the same handlers, in the same order.
  const gateway = withHotRoutes(router, { routes: hotRoutes, before: [requestIdHeader, awaitReady, requestHygiene, readRequest], onError: errorHandlers, withoutExpress: options.authenticate === undefined });
  Object.defineProperty(gateway, 'router', { value: router });
  Object.defineProperty(gateway, 'context', { value: context });
  Object.defineProperty(gateway, 'ready', { value: started });
  Object.defineProperty(gateway, 'operations', { value: operations });
  Object.defineProperty(gateway, 'drain', {
    value: (graceMs: number) => {
      batchJobs.stopTaking();
      return lifecycle.drain(graceMs);
    },
  });
  const closeEverything = async () => {
    // A database still being tried never opens now: whatever waits for it is told so.
    opening.stop();
    // Requests still running are ended as a drain ends them, and recorded, before the ledger closes: a host that
    // calls close() alone loses no record (their notes would come back as worst cases at the next start).
    batchJobs.stopTaking();
    await lifecycle.drain(0);
    await batchJobs.close();
    await quota.close();
    // The alerts those last settlements raise are checked against the backend before it closes.
    await alerts.idle();
    await quotaBackend.close();
    await usage.close();
    await operations.close();
    await cacheStore.close();
    await upstream.close();
    await blocklistWorker.close();
    await (await ready.catch(() => undefined))?.close();
    instance.ended();
  };
  // A second call (a host's shutdown hook and a test's, say) waits for the first instead of closing things twice.
  let closed: Promise<void> | undefined;
  Object.defineProperty(gateway, 'close', { value: () => (closed ??= closeEverything()) });
  return gateway as unknown as AiGateway;
}

/** Whole seconds, at least one, until the next try of the database at `retryAt` (a time in ms). */
const secondsUntil = (retryAt: number) => Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));

/** The 503 of a gateway whose database has not opened: when it tries again, or that only a restart tries again. */
function databaseUnavailable(state: Extract<OpeningState<unknown>, { status: 'failed' }>): GatewayError {
  if (state.retryAt === undefined) {
    return new GatewayError('service_unavailable', 'The AI gateway could not open its database when it started, so it cannot serve requests until it is restarted with the database reachable.', { cause: state.error });
  }
  const seconds = secondsUntil(state.retryAt);
  return new GatewayError('service_unavailable', `The AI gateway cannot open its database yet; it tries again in ${seconds} s and serves requests once it opens.`, { cause: state.error, retryAfterSeconds: seconds });
}

/** The stores once open; at once, why not (and when the next try is), while they cannot open. */
async function openedStores(opening: RetriedOpening<GatewayStores>): Promise<GatewayStores> {
  const state = await opening.settled();
  if (state.status === 'open') return state.value;
  const reason = state.error instanceof Error ? state.error.message : String(state.error);
  const next = state.retryAt === undefined ? 'it is not tried again until the gateway restarts' : `tried ${state.tries === 1 ? 'once' : `${state.tries} times`}, it is tried again in ${secondsUntil(state.retryAt)} s`;
  throw new Error(`the database could not be opened (${reason}); ${next}`, { cause: state.error });
}

/** The model catalog, with each model's endpoints (its providers and their prices) kept as long as the catalog. */
function modelCatalog(upstream: OpenRouterClient, logger: GatewayLogger, ttlMs = 10 * 60_000): ModelCatalog {
  return new ModelCatalog(upstream, ttlMs, cachedModelEndpoints(upstream, ttlMs, (message, fields) => logger.warn(message, fields)));
}
