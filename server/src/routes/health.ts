import type { RequestHandler } from 'express';
import type { GatewayContext } from '../gateway/context.js';

const UPSTREAM_CHECK_TTL_MS = 15_000;

type Check = { status: 'ok' } | { status: 'unavailable'; error: string };

async function run(check: () => Promise<unknown>): Promise<Check> {
  try {
    await check();
    return { status: 'ok' };
  } catch (error) {
    return { status: 'unavailable', error: error instanceof Error ? error.message : 'unavailable' };
  }
}

/**
 * `GET /health`: liveness (the process answers) and readiness: the database answers a query, and the upstream
 * catalog can be had (checked at most every 15 s). 200 when ready, 503 with the reasons when not; never a secret.
 */
export function healthHandler(context: GatewayContext, checkStore: () => Promise<void>): RequestHandler {
  let upstream: { at: number; check: Check } | undefined;
  return async (_req, res) => {
    if (!upstream || Date.now() - upstream.at > UPSTREAM_CHECK_TTL_MS) upstream = { at: Date.now(), check: await run(() => context.catalog.snapshot()) };
    const store = await run(checkStore);
    const ok = store.status === 'ok' && upstream.check.status === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', live: true, checks: { store, upstream: upstream.check } });
  };
}
