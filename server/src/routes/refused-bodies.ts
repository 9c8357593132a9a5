import type { Identity } from '../auth/identity.js';
import { toGatewayError } from '../errors.js';
import type { RequestLifecycle } from '../gateway/metered-request.js';
import type { PlainErrorHandler, PlainRequest, PlainResponse } from '../plain-http.js';
import type { UsageRecord } from '../usage/usage-record.js';
import { isClientGone } from './request-hygiene.js';
import { requestIdOf } from './request-id-header.js';

/** Where `res.locals` keeps the error the body reader refused a request's body with. */
const REFUSED_BODY = 'refusedBody';

/** The metered routes by their path below the gateway's mount, as the router registers them (`POST` each). */
export type MeteredPaths = ReadonlyMap<string, UsageRecord['endpoint']>;

/** Marks `error` as the one the body reader refused this request's body with (`recordRefusedBodies` reads it). */
export function markRefusedBody(res: PlainResponse, error: unknown): void {
  res.locals[REFUSED_BODY] = error;
}

/**
 * The record of a request to a metered route whose body was refused before the route could read it (not JSON, nested
 * too deep, too large, an encoding the gateway does not read): such a request is still one, rejected while it was
 * parsed, and it leaves one record like any other; one whose client went away before its body ended is cancelled. A
 * caller nobody knows was refused before its body was read, and leaves none, as for every route. The error goes on to
 * the handlers that answer it.
 * @example
 * router.use(recordRefusedBodies(lifecycle, new Map([['/v1/embeddings', 'embeddings']])), gatewayErrorHandler(log, redact));
 */
export function recordRefusedBodies(lifecycle: RequestLifecycle, meteredPaths: MeteredPaths): PlainErrorHandler {
  return (error, req, res, next) => {
    const identity = res.locals['identity'] as Identity | undefined;
    const endpoint = req.method === 'POST' ? meteredPaths.get(gatewayPathOf(req, meteredPaths)) : undefined;
    if (identity && endpoint && res.locals[REFUSED_BODY] === error) {
      try {
        lifecycle.begin(identity, endpoint, { requestId: requestIdOf(res) }).finish(isClientGone(error) ? { status: 'cancelled' } : { status: 'rejected', errorCode: toGatewayError(error).code });
      } catch {
        // A gateway shutting down takes no new request, and this one is answered with its own error all the same.
      }
    }
    next(error);
  };
}

/**
 * The request's path below the gateway's mount, lower-cased and without a trailing slash: Express's `path` (already
 * below the mount) when it gave one; on node:http alone the hot routes are served at the root or below a mount, so the
 * metered path is the URL's end.
 */
function gatewayPathOf(req: PlainRequest, meteredPaths: MeteredPaths): string {
  const expressPath = (req as { path?: unknown }).path;
  const raw = typeof expressPath === 'string' ? expressPath : (req.url ?? '').split('?')[0] ?? '';
  const path = raw.toLowerCase().replace(/\/+$/, '');
  if (meteredPaths.has(path)) return path;
  for (const metered of meteredPaths.keys()) if (path.endsWith(metered)) return metered;
  return path;
}
