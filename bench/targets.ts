/**
 * The four targets of the benchmark, each in its own process: (a) the emulator itself, (b) a bare pass-through
 * proxy, (c) our gateway set up as in production, (d) Portkey's open-source gateway forwarding to the same emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleEntry, startChild, type Child } from './child-process.js';
import { startPortkey } from './portkey.js';
import { CHAT_MODEL, EMBEDDING_MODEL, type TargetAddress } from './workload.js';

/**
 * Parts of our gateway a measurement may leave out, to see what each costs (bench/floors.ts). `limits`: no policy
 * is saved, so no limit applies; `ledger`: records go to a sink that keeps the last one (no database writes);
 * `breakers`: no circuit breakers; `express`: the hot routes run on node:http's own request and response, without
 * the host app or Express's prototypes, as `insforge-ai serve` runs them (`hotRoutesListener`; the gateway is then
 * at the server's root).
 */
export type GatewayPart = 'limits' | 'ledger' | 'breakers' | 'express';

/** `serve`: ours with its hot routes on node:http alone, as `insforge-ai serve` runs them (measured at saturation). */
export type TargetName = 'direct' | 'bare' | 'ours' | 'portkey' | 'serve';
/** The targets that are gateways in front of the emulator, in the order every table lists them. */
export const GATEWAY_NAMES = ['bare', 'ours', 'portkey'] as const satisfies readonly TargetName[];
export const TARGET_LABELS: Record<TargetName, string> = {
  direct: '(a) emulator directly',
  bare: '(b) bare Node proxy',
  ours: '(c) our gateway',
  portkey: '(d) Portkey gateway',
  serve: '(e) our gateway as `insforge-ai serve`',
};

export interface Target {
  name: TargetName;
  address: TargetAddress;
  /** The process whose memory is the target's own (the emulator's for `direct`). */
  child: Child;
}

export interface Emulator {
  url: string;
  origin: string;
  apiKey: string;
  /** Over TLS: the emulator's certificate, which the targets trust. */
  ca?: string;
  child: Child;
}

const CLIENT_KEY = 'ik_bench_client_key_0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** The headers of an admin of our gateway (its admin token), e.g. to read the whole model catalog. */
export const ADMIN_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Workspace for logs, bundles' output names and the gateway's SQLite files; removed by `close()`. */
export class BenchWorkspace {
  readonly directory = mkdtempSync(path.join(tmpdir(), 'insforge-bench-'));
  #bundles = new Map<string, Promise<string>>();
  #sequence = 0;

  logFile(name: string): string {
    return path.join(this.directory, `${name}.log`);
  }

  /** A fresh name in the workspace (a new gateway gets a new database file). */
  fresh(name: string): string {
    this.#sequence += 1;
    return path.join(this.directory, `${name}-${this.#sequence}`);
  }

  /** `split`: on-demand imports stay in their own chunks (see `bundleEntry`). */
  bundle(entry: string, split = false): Promise<string> {
    let bundled = this.#bundles.get(entry);
    if (!bundled) {
      bundled = bundleEntry(entry, undefined, split);
      this.#bundles.set(entry, bundled);
    }
    return bundled;
  }

  /** Node flags for a measured process: the memory probe preloaded, and `gc()` for it to call. */
  async measuredNodeArgs(extra: string[]): Promise<string[]> {
    return ['--expose-gc', '--import', pathToFileURL(await this.bundle('memory-probe.ts')).href, ...extra];
  }

  close(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** `tls`: the emulator serves HTTPS with HTTP/2 beside HTTP/1.1, as OpenRouter does. */
export async function startEmulatorProcess(workspace: BenchWorkspace, options: { tls?: boolean } = {}): Promise<Emulator> {
  // The emulator reads its catalog from its package folder, so it runs from source through tsx rather than bundled;
  // its memory is not measured.
  const child = await startChild({
    name: 'emulator',
    nodeArgs: ['--import', 'tsx'],
    args: [path.join('bench', 'emulator-server.ts')],
    env: options.tls ? { BENCH_EMULATOR_TLS: '1' } : {},
    logFile: workspace.logFile(options.tls ? 'emulator-tls' : 'emulator'),
    ready: { stdout: /^(\{.*\})$/m },
  });
  const { url, origin, apiKey, ca } = JSON.parse(child.readyValue) as { url: string; origin: string; apiKey: string; ca?: string };
  return { url, origin, apiKey, ...(ca ? { ca } : {}), child };
}

export function directTarget(emulator: Emulator): Target {
  return {
    name: 'direct',
    child: emulator.child,
    address: { baseUrl: emulator.url, headers: { authorization: `Bearer ${emulator.apiKey}` }, chatModel: CHAT_MODEL, embeddingModel: EMBEDDING_MODEL, addsSystemPrompt: false },
  };
}

export async function startBareProxy(workspace: BenchWorkspace, emulator: Emulator, nodeArgs: string[] = []): Promise<Target> {
  const child = await startChild({
    name: 'bare proxy',
    nodeArgs: await workspace.measuredNodeArgs(nodeArgs),
    args: [await workspace.bundle('bare-proxy.ts')],
    env: { BENCH_UPSTREAM_ORIGIN: emulator.origin, ...(emulator.ca ? { BENCH_UPSTREAM_CA: emulator.ca } : {}) },
    logFile: workspace.logFile('bare-proxy'),
    ready: { stdout: /listening on (http:\/\/\S+)/ },
  });
  const upstreamPath = new URL(emulator.url).pathname;
  return {
    name: 'bare',
    child,
    address: { baseUrl: `${child.readyValue}${upstreamPath}`, headers: { authorization: `Bearer ${emulator.apiKey}` }, chatModel: CHAT_MODEL, embeddingModel: EMBEDDING_MODEL, addsSystemPrompt: false },
  };
}

/**
 * The least a metering gateway does (bench/metering-floor.ts), served by node:http alone or mounted in Express at
 * `/ai`; addressed like ours (feature names for models, the system prompt added by the target).
 */
export async function startMeteringFloor(workspace: BenchWorkspace, emulator: Emulator, host: 'http' | 'express'): Promise<Target> {
  const child = await startChild({
    name: `metering floor (${host})`,
    nodeArgs: await workspace.measuredNodeArgs([]),
    args: [await workspace.bundle('metering-floor.ts')],
    env: { BENCH_UPSTREAM_URL: emulator.url, BENCH_UPSTREAM_KEY: emulator.apiKey, BENCH_FLOOR_HOST: host },
    logFile: workspace.logFile(`metering-floor-${host}`),
    ready: { stdout: /listening on (http:\/\/\S+)/ },
  });
  const mount = host === 'express' ? '/ai' : '';
  return { name: 'bare', child, address: { baseUrl: `${child.readyValue}${mount}/v1`, headers: {}, chatModel: 'chat', embeddingModel: 'embed', addsSystemPrompt: true } };
}

/**
 * Starts our gateway on a fresh SQLite file and turns limits on through the admin API; `bundle` runs another build of
 * bench/gateway-server.ts (another commit's, for bench/compare.ts); `http2: false` holds an upstream over TLS to
 * HTTP/1.1.
 */
export async function startOurGateway(
  workspace: BenchWorkspace,
  emulator: Emulator,
  nodeArgs: string[] = [],
  options: {
    bundle?: string;
    http2?: boolean;
    without?: GatewayPart[];
    /** Runs it under another program (`valgrind --tool=callgrind`, bench/instructions.ts), which may take minutes to start. */
    wrapper?: string[];
    /** The ledger writes full batches only (see bench/gateway-server.ts). */
    ledgerByCount?: boolean;
  } = {},
): Promise<Target> {
  const { bundle, http2, without = [], wrapper, ledgerByCount } = options;
  const database = `${workspace.fresh('gateway')}.db`;
  const child = await startChild({
    name: 'our gateway',
    nodeArgs: await workspace.measuredNodeArgs(nodeArgs),
    args: [bundle ?? (await workspace.bundle('gateway-server.ts'))],
    env: {
      BENCH_GATEWAY: JSON.stringify({
        upstreamUrl: emulator.url,
        upstreamKey: emulator.apiKey,
        database,
        clientKey: CLIENT_KEY,
        adminToken: ADMIN_TOKEN,
        ...(http2 !== undefined ? { upstreamHttp2: http2 } : {}),
        ...(emulator.ca ? { upstreamCa: emulator.ca } : {}),
        without,
        ...(ledgerByCount ? { ledgerByCount } : {}),
      }),
      NODE_ENV: 'production',
    },
    logFile: workspace.logFile('gateway'),
    ready: { stdout: /listening on (http:\/\/\S+)/ },
    ...(wrapper ? { wrapper, readyTimeoutMs: 300_000 } : {}),
  });
  const gatewayUrl = `${child.readyValue}${without.includes('express') ? '' : '/ai'}`;
  if (!without.includes('limits')) await turnLimitsOn(gatewayUrl);
  return {
    name: without.includes('express') ? 'serve' : 'ours',
    child,
    address: { baseUrl: `${gatewayUrl}/v1`, headers: { authorization: `Bearer ${CLIENT_KEY}` }, chatModel: 'chat', embeddingModel: 'embed', addsSystemPrompt: true },
  };
}

/** Generous limits at every scope, so each request goes through the limit checks without ever being refused. */
async function turnLimitsOn(gatewayUrl: string): Promise<void> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${gatewayUrl}/api/ai/limits/policy`, { headers })).json()) as { version: number };
  const generous = { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, spendPerDayUsd: 1_000_000 };
  const response = await fetch(`${gatewayUrl}/api/ai/limits/policy`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({
      version: current.version,
      policy: { project: generous, features: { chat: generous, embed: generous }, users: { default: { requestsPerMinute: 1_000_000, tokensPerDay: 1_000_000_000_000 }, overrides: {} } },
    }),
  });
  if (!response.ok) throw new Error(`saving the limits policy failed: ${response.status} ${await response.text()}`);
}

export async function startPortkeyTarget(workspace: BenchWorkspace, emulator: Emulator, nodeArgs: string[] = []): Promise<Target> {
  const child = await startPortkey({ logFile: workspace.logFile('portkey'), nodeArgs: await workspace.measuredNodeArgs(nodeArgs) });
  return {
    name: 'portkey',
    child,
    address: {
      baseUrl: `${child.readyValue}/v1`,
      headers: { authorization: `Bearer ${emulator.apiKey}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': emulator.url },
      chatModel: CHAT_MODEL,
      embeddingModel: EMBEDDING_MODEL,
      addsSystemPrompt: false,
    },
  };
}

/** Starts a fresh process of a target kind (not `direct`). */
export function startTarget(name: Exclude<TargetName, 'direct'>, workspace: BenchWorkspace, emulator: Emulator, nodeArgs: string[] = []): Promise<Target> {
  if (name === 'bare') return startBareProxy(workspace, emulator, nodeArgs);
  if (name === 'ours') return startOurGateway(workspace, emulator, nodeArgs);
  if (name === 'serve') return startOurGateway(workspace, emulator, nodeArgs, { without: ['express'] });
  return startPortkeyTarget(workspace, emulator, nodeArgs);
}
