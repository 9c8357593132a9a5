import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';

const requireModule = createRequire(import.meta.url);

/**
 * A Redis client. ioredis is loaded with the first one, so a gateway that uses no Redis (SQLite, one instance) never
 * holds it.
 *
 * @example
 * const client = createRedisClient('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
 */
export function createRedisClient(url: string, options: Omit<IoRedis.RedisOptions, 'replyMapping'>): IoRedis.Redis {
  const { Redis } = requireModule('ioredis') as typeof IoRedis;
  return new Redis(url, options);
}

/** ioredis' messages for a command that never reached Redis, or got no answer in time. */
const UNREACHABLE_MESSAGES = new Set(['Command timed out', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false"]);
/** Replies that mean "this Redis cannot serve now" (loading, a read-only replica, failing over) rather than a bug. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/**
 * Whether an error (or one of its causes) says Redis could not be reached or could not serve: refused, closed,
 * reconnecting, timed out, failing over. A script or type error is not: Redis answered, and the caller has a bug.
 *
 * @example
 * if (isRedisUnavailableError(error)) throw new GatewayError('service_unavailable', 'Try again in a moment.');
 */
export function isRedisUnavailableError(error: unknown): boolean {
  let cause = error;
  // A few levels of causes: a store's own error wrapping the client's.
  for (let depth = 0; depth < 5 && cause instanceof Error; depth += 1, cause = cause.cause) {
    if (cause.name === 'MaxRetriesPerRequestError' || cause.name === 'ClusterAllFailedError') return true;
    if (cause.name === 'ReplyError' ? UNAVAILABLE_REPLY.test(cause.message) : UNREACHABLE_MESSAGES.has(cause.message)) return true;
  }
  return false;
}
