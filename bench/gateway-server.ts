/**
 * Our gateway, set up as in production: `createAiGateway` mounted in Express, a feature with a system prompt, the
 * usage ledger on a SQLite file (the default sink), limits on (bench/run.ts saves the policy through the admin API).
 * Run as a child process; configuration comes in BENCH_GATEWAY (JSON). Prints its URL. SIGTERM exits cleanly, so
 * `--cpu-prof` writes its profile.
 */
import { createServer, type RequestListener } from 'node:http';
import express from 'express';
import { createAiGateway, MemoryUsageSink } from '../server/src/index.js';
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
  ...(config.without?.includes('breakers') ? { operations: { circuitBreakers: false } } : {}),
});
await gateway.ready;

const app = express();
app.use('/ai', gateway);
/** What `app.handle` does to a request before its router runs, then the gateway called as mounted at `/ai`. */
const withoutHost: RequestListener = (req, res) => {
  const request = Object.assign(Object.setPrototypeOf(req, app.request) as express.Request, { res, originalUrl: req.url ?? '', baseUrl: '/ai' });
  Object.assign(Object.setPrototypeOf(res, app.response) as express.Response, { req, locals: Object.create(null) as Record<string, unknown> });
  request.url = request.originalUrl.startsWith('/ai/') ? request.originalUrl.slice(3) : request.originalUrl;
  gateway(request, res as express.Response, (error?: unknown) => {
    res.statusCode = error ? 500 : 404;
    res.end();
  });
};
serveChild(createServer(config.without?.includes('express-host') ? withoutHost : app), () => gateway.close());
