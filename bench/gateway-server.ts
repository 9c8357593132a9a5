/**
 * Our gateway, set up as in production: `createAiGateway` mounted in Express, a feature with a system prompt, the
 * usage ledger on a SQLite file (the default sink), limits on (bench/run.ts saves the policy through the admin API).
 * Run as a child process; configuration comes in BENCH_GATEWAY (JSON). Prints its URL. SIGTERM exits cleanly, so
 * `--cpu-prof` writes its profile.
 */
import { createServer } from 'node:http';
import express from 'express';
import { createAiGateway, MemoryUsageSink } from '../server/src/index.js';
import { hotRoutesListener } from '../server/src/routes/hot-routes.js';
import { CACHED_FEATURE } from './cache-hits.js';
import { serveChild } from './child-server.js';
import type { GatewayPart } from './targets.js';
import { CHAT_MODEL, EMBEDDING_MODEL, SYSTEM_PROMPT } from './workload.js';

interface GatewayServerConfig {
  upstreamUrl: string;
  upstreamKey: string;
  database: string;
  clientKey: string;
  adminToken: string;
  /** The upstream over TLS: whether to offer HTTP/2, and the certificate to trust. */
  upstreamHttp2?: boolean;
  upstreamCa?: string;
  /** Parts left out, to measure what each costs (bench/floors.ts); limits are left off by not saving a policy. */
  without?: GatewayPart[];
  /** The ledger writes only full batches (bench/instructions.ts): what it does then follows the count of requests, not the clock. */
  ledgerByCount?: boolean;
}

const config = JSON.parse(process.env['BENCH_GATEWAY'] ?? '{}') as GatewayServerConfig;
const gateway = createAiGateway({
  upstream: {
    baseUrl: config.upstreamUrl,
    apiKey: config.upstreamKey,
    ...(config.upstreamHttp2 !== undefined ? { http2: config.upstreamHttp2 } : {}),
    ...(config.upstreamCa ? { ca: config.upstreamCa } : {}),
  },
  database: config.database,
  features: [
    { name: 'chat', model: CHAT_MODEL, systemPrompt: SYSTEM_PROMPT },
    // The cache stays off for the mix (embeddings cache by default), so every request of it goes upstream.
    { name: 'embed', modality: 'embedding', model: EMBEDDING_MODEL, cache: { enabled: false } },
    { name: CACHED_FEATURE, model: CHAT_MODEL, systemPrompt: SYSTEM_PROMPT, params: { temperature: 0 }, cache: { enabled: true } },
  ],
  clientKeys: [{ key: config.clientKey, userId: 'bench-user' }],
  adminToken: config.adminToken,
  encryption: null,
  ...(config.without?.includes('ledger') ? { usage: new MemoryUsageSink(1) } : {}),
  ...(config.ledgerByCount ? { ledger: { flushIntervalMs: 3_600_000, reconcile: false as const } } : {}),
  ...(config.without?.includes('breakers') ? { operations: { circuitBreakers: false } } : {}),
});
await gateway.ready;

const app = express();
// As users mount it at `/ai`; or, without Express on the hot routes, at the root as `insforge-ai serve` runs it.
const serveLike = config.without?.includes('express') ?? false;
app.use(serveLike ? '/' : '/ai', gateway);
serveChild(createServer(serveLike ? hotRoutesListener(gateway, app) : app), () => gateway.close());
