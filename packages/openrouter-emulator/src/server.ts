import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { createCatalog, type Catalog, type CatalogSource } from './catalog/catalog.js';
import { scenarioOfRequest, type EmulatorContext, type ScenarioRule } from './context.js';
import { GenerationStore, type GenerationKind, type GenerationProbe, type GenerationStatus } from './generations.js';
import { EmulatorHttpError, sendError, sendJson } from './http.js';
import { KeyRegistry, type KeyAccount, type KeyOptions } from './keys.js';
import { handleCredits, handleGeneration, handleKey } from './routes/account.js';
import { handleChatCompletions } from './routes/chat-completions.js';
import { addRule, handleControl, type RuleInput } from './routes/control.js';
import { handleEmbeddings } from './routes/embeddings.js';
import { handleImages } from './routes/images.js';
import { handleMessages } from './routes/messages.js';
import { handleResponses } from './routes/responses.js';
import { handleModelEndpoints, handleModels, handleModelsCount, handleUserModels } from './routes/models.js';
import { parseScenario, type Scenario } from './scenario.js';
import { createSelfSignedCertificate, type SelfSignedCertificate } from './tls-certificate.js';

export interface EmulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; loopback by default. */
  host?: string;
  /** Accepted keys: secrets, or key options with credit limits. Default: one fresh unlimited key. */
  keys?: Array<string | KeyOptions>;
  /** USD bought on the account, which `GET /credits` reports to a management key. Default 100. */
  credits?: number;
  /** Scenario under every request, e.g. `{ ttftMs: 300, tokensPerSecond: 40 }` or `'ttft=300;tps=40'`. */
  scenario?: Scenario | string;
  /** Replace the shipped model catalog. */
  catalog?: CatalogSource;
  /** How many finished generations the probes keep (oldest dropped first). Default 20,000. */
  generationCapacity?: number;
  /** Called with one line per request (method, path, status, model, duration); never with a key. */
  log?: (line: string) => void;
  /**
   * Serve HTTPS as OpenRouter does, HTTP/2 to clients that offer it (ALPN) and HTTP/1.1 to the rest: `true` makes a
   * self-signed certificate for the host (clients trust `emulator.ca`), or give your own key and certificate.
   */
  tls?: boolean | SelfSignedCertificate;
}

export interface Emulator {
  /** The API base URL to give a client, e.g. `http://127.0.0.1:8787/api/v1`. */
  readonly url: string;
  /** `http://host:port`, where `/_emulator` control routes live too. */
  readonly origin: string;
  readonly port: number;
  /** The first accepted key. */
  readonly apiKey: string;
  readonly catalog: Catalog;
  /** A `node:http` server, or with `tls` a `node:http2` secure server that also speaks HTTP/1.1. */
  readonly server: Server | Http2SecureServer;
  /** With `tls`: the certificate (PEM) clients trust, e.g. undici's `connect: { ca }` or `NODE_EXTRA_CA_CERTS`. */
  readonly ca: string | undefined;
  /** Adds an accepted key, e.g. `{ limit: 0.01 }` for a key with one cent of credit. */
  addKey(options?: KeyOptions): KeyAccount;
  /** The account of a key (limit, usage), or undefined. */
  account(key: string): KeyAccount | undefined;
  /** Applies a scenario to matching requests (the first matching rule wins); `times` makes it expire. */
  addRule(rule: RuleInput): { id: number; remove(): void };
  clearRules(): void;
  /** Replaces the scenario under every request (pace, usage form…). */
  setDefaults(scenario: Scenario | string): void;
  /** The probe of one generation. */
  probe(id: string): GenerationProbe | undefined;
  generations(filter?: { model?: string; kind?: GenerationKind; status?: GenerationStatus }): GenerationProbe[];
  /** Resolves when the generation has ended (or `test` holds), rejecting after `timeoutMs`. */
  waitForGeneration(id: string, test?: (probe: GenerationProbe) => boolean, timeoutMs?: number): Promise<GenerationProbe>;
  /** USD billed over every generation since start or the last reset. */
  billedTotal(): { cost: number; generations: number };
  /** Forgets generations, rules and counters; keys and their spend stay. */
  reset(): void;
  close(): Promise<void>;
}

function createContext(options: EmulatorOptions): EmulatorContext {
  const keys = new KeyRegistry(options.credits);
  for (const key of options.keys ?? [{}]) keys.add(typeof key === 'string' ? { key } : key);
  const defaults = typeof options.scenario === 'string' ? parseScenario(options.scenario) : (options.scenario ?? {});
  return {
    catalog: createCatalog(options.catalog),
    keys,
    generations: new GenerationStore(options.generationCapacity),
    rules: [],
    defaults,
    faultCounts: new Map(),
    repeats: new Map(),
    promptCache: new Map(),
    nextRuleId: 1,
  };
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, http-referer, x-title, x-openrouter-title, x-emulator-scenario',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-expose-headers': 'x-generation-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset',
};

async function route(context: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path.startsWith('/_emulator')) return handleControl(context, req, res, path.slice('/_emulator'.length), url.searchParams);
  if (!path.startsWith('/api/v1/')) {
    if (path === '/' && method === 'GET') return sendJson(res, 200, { name: 'openrouter-emulator', api: '/api/v1', control: '/_emulator' });
    throw new EmulatorHttpError(404, 'Not Found');
  }
  const endpoint = path.slice('/api/v1'.length);
  const post = method === 'POST';
  const get = method === 'GET';
  if (post && endpoint === '/chat/completions') return handleChatCompletions(context, req, res);
  if (post && endpoint === '/responses') return handleResponses(context, req, res);
  if (post && endpoint === '/messages') return handleMessages(context, req, res);
  if (post && endpoint === '/embeddings') return handleEmbeddings(context, req, res);
  if (post && endpoint === '/images') return handleImages(context, req, res);
  if (get && endpoint === '/models') return handleModels(context, res, url.searchParams, 'chat');
  if (get && endpoint === '/models/count') return handleModelsCount(context, res, url.searchParams);
  if (get && endpoint === '/models/user') return handleUserModels(context, req, res, url.searchParams);
  if (get && endpoint === '/embeddings/models') return handleModels(context, res, url.searchParams, 'embedding');
  if (get && endpoint === '/images/models') return handleModels(context, res, url.searchParams, 'image');
  if (get && (endpoint === '/key' || endpoint === '/auth/key')) return handleKey(context, req, res);
  if (get && endpoint === '/credits') return handleCredits(context, req, res);
  if (get && endpoint === '/generation') return handleGeneration(context, req, res, url.searchParams);
  const endpoints = /^\/models\/(.+)\/endpoints$/.exec(endpoint);
  if (get && endpoints?.[1]) return handleModelEndpoints(context, res, decodeURIComponent(endpoints[1]));
  throw new EmulatorHttpError(404, 'Not Found');
}

/** Answers one request: CORS, the request log, the routes, and errors in OpenRouter's envelope. */
function createRequestHandler(context: EmulatorContext, options: EmulatorOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (options.log) {
      res.on('close', () => options.log?.(`${req.method} ${req.url} ${res.statusCode} ${Math.round(performance.now() - started)}ms`));
    }
    route(context, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof EmulatorHttpError) {
        sendError(res, error, scenarioOfRequest.get(req)?.stringErrorCode === true);
        return;
      }
      sendError(res, new EmulatorHttpError(500, 'Internal Server Error'));
      options.log?.(`emulator error: ${error instanceof Error ? error.stack : String(error)}`);
    });
  };
}

/** Creates the emulator's HTTP server without listening (for mounting in tests or another server). */
export function createEmulatorServer(options: EmulatorOptions = {}): { server: Server; context: EmulatorContext } {
  const context = createContext(options);
  const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 0 }, createRequestHandler(context, options));
  return { server, context };
}

/**
 * The emulator's HTTPS server without listening: HTTP/2 where the client offers it, HTTP/1.1 otherwise, as OpenRouter.
 * Node's HTTP/2 compatibility API gives the routes the request and response they use over HTTP/1.1.
 */
export function createSecureEmulatorServer(
  options: EmulatorOptions & { tls: SelfSignedCertificate },
): { server: Http2SecureServer; context: EmulatorContext } {
  const context = createContext(options);
  const handler = createRequestHandler(context, options) as unknown as Parameters<typeof createSecureServer>[1];
  const server = createSecureServer({ key: options.tls.key, cert: options.tls.cert, allowHTTP1: true }, handler);
  // node:http turns Nagle's algorithm off on its sockets; without that here, each small write of an HTTP/1.1 answer
  // waits on the client's delayed acknowledgement (~40 ms).
  server.on('secureConnection', (socket: Socket) => socket.setNoDelay(true));
  return { server, context };
}

/**
 * Starts an OpenRouter emulator.
 * @example
 * const emulator = await startEmulator({ scenario: { tokensPerSecond: 50 } });
 * const client = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey });
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const tls = options.tls === true ? createSelfSignedCertificate([...new Set(['localhost', '127.0.0.1', '::1', host])]) : options.tls || undefined;
  const { server, context } = tls ? createSecureEmulatorServer({ ...options, tls }) : createEmulatorServer(options);
  // close() ends every connection the server accepted, of either kind (the HTTP/2 server has no closeAllConnections).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const firstKey = options.keys?.[0];
  const apiKey = typeof firstKey === 'string' ? firstKey : (firstKey?.key ?? [...keysOf(context)][0] ?? '');
  return {
    url: `${origin}/api/v1`,
    origin,
    port,
    apiKey,
    catalog: context.catalog,
    server,
    ca: tls?.cert,
    addKey: (keyOptions) => context.keys.add(keyOptions),
    account: (key) => context.keys.get(key),
    addRule(input) {
      const rule = addRule(context, input);
      return { id: rule.id, remove: () => void (context.rules = context.rules.filter((other) => other !== rule)) };
    },
    clearRules: () => void (context.rules = []),
    setDefaults: (scenario) => void (context.defaults = typeof scenario === 'string' ? parseScenario(scenario) : scenario),
    probe: (id) => context.generations.get(id),
    generations: (filter) => context.generations.list(filter),
    waitForGeneration: (id, test = (probe) => probe.status !== 'running', timeoutMs) => context.generations.waitFor(id, test, timeoutMs),
    billedTotal: () => context.generations.billedTotal(),
    reset() {
      context.generations.reset();
      context.rules = [];
      context.faultCounts.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function* keysOf(context: EmulatorContext): Generator<string> {
  yield* context.keys.secrets();
}

export type { ScenarioRule };
