import type { RequestHandler } from 'express';
import type { GatewayContext } from '../gateway/context.js';

const UPSTREAM_CHECK_TTL_MS = 15_000;

/**
 * `GET /health`: liveness (the process answers) and readiness (the upstream catalog can be had; checked at most
 * every 15 s). 200 when ready, 503 when not, with the reason; never the key.
 */
export function healthHandler(context: GatewayContext): RequestHandler {
  let last: { at: number; ok: boolean; error?: string } | undefined;
  return async (_req, res) => {
    if (!last || Date.now() - last.at > UPSTREAM_CHECK_TTL_MS) {
      try {
        await context.catalog.snapshot();
        last = { at: Date.now(), ok: true };
      } catch (error) {
        last = { at: Date.now(), ok: false, error: error instanceof Error ? error.message : 'unreachable' };
      }
    }
    const upstream = last.ok ? { status: 'ok' } : { status: 'unavailable', error: last.error };
    res.status(last.ok ? 200 : 503).json({ status: last.ok ? 'ok' : 'degraded', live: true, checks: { upstream } });
  };
}
