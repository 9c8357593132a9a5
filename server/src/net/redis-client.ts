import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import type * as RateLimiterFlexible from 'rate-limiter-flexible';

const requireModule = createRequire(import.meta.url);

/**
 * A Redis client. ioredis is loaded with the first one, so a gateway that uses no Redis (SQLite, one instance) never
 * holds it (with rate-limiter-flexible, 1.5 MB of live heap in an idle `insforge-ai serve`).
 *
 * @example
 * const client = createRedisClient('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
 */
export function createRedisClient(url: string, options: Omit<IoRedis.RedisOptions, 'replyMapping'>): IoRedis.Redis {
  const { Redis } = requireModule('ioredis') as typeof IoRedis;
  return new Redis(url, options);
}

/**
 * rate-limiter-flexible, loaded with the first Redis limits backend (the in-process limits do without it).
 *
 * @example
 * const { RateLimiterRedis } = loadRateLimiterFlexible();
 */
export function loadRateLimiterFlexible(): typeof RateLimiterFlexible {
  return requireModule('rate-limiter-flexible') as typeof RateLimiterFlexible;
}
