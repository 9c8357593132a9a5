import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import { withoutUrlCredentials } from '../url-credentials.js';

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

/**
 * Why `url` is no Redis URL the gateway takes (`redis://` or `rediss://`, parseable), or undefined when it is one; the
 * reason shows the URL without its password. Checked before a client exists: ioredis would throw its own "Invalid URL"
 * only when one is made, or read `http://host` as a Redis address.
 *
 * @example
 * redisUrlProblem('localhost:6379'); // 'must be a redis:// or rediss:// URL (got "localhost:6379")'
 */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const readable = parsed !== undefined && (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:');
  return readable ? undefined : `must be a redis:// or rediss:// URL (got ${JSON.stringify(withoutUrlCredentials(url))})`;
}

/**
 * Why Redis at `url` does not answer a PING within `timeoutMs` (connection refused, an unknown host, a wrong password,
 * no answer in time), as ioredis says it; undefined when it answers. Tries once, and leaves no client behind.
 *
 * @example
 * await redisSilence('redis://127.0.0.1:1'); // 'connect ECONNREFUSED 127.0.0.1:1'
 */
export async function redisSilence(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  const client = createRedisClient(url, { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  // Failures are answered by the calls below; ioredis would also emit them as unhandled 'error' events.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    client.disconnect();
  }
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
