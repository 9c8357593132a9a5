import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** The Redis server the limit tests use; CI and our machines run one on 127.0.0.1:6379. */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Whether a Redis answers PING at `url` within about half a second (never retries, never throws). */
export async function pingRedis(url = TEST_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every key under `prefix` (a test run's own prefix), walking the keyspace with SCAN so a large shared
 * Redis is never blocked the way KEYS would block it.
 * @example
 * afterAll(() => deleteRedisKeys(KEY_PREFIX));
 */
export async function deleteRedisKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url);
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Redis key prefixes of the test file's own: each call answers a new one (`label`, a random id, `:`), and after the
 * tests of the file (or of the `describe` it is called in) every key under the prefixes it handed out is deleted. A
 * file that hands out none never connects, so it runs without a Redis.
 * @example
 * const newPrefix = useRedisKeyPrefixes('insforge-test:data-loss:');
 * const gateway = await gatewayCountingIn(proxy.url, newPrefix(), inDirectory('ai.db'));
 */
export function useRedisKeyPrefixes(label: string, url = TEST_REDIS_URL): () => string {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix, url);
  });
  return () => {
    const prefix = `${label}${randomUUID()}:`;
    prefixes.push(prefix);
    return prefix;
  };
}
