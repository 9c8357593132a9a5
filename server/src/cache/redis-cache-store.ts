import type { Redis } from 'ioredis';
import { createRedisClient, redisUrlProblem } from '../net/redis-client.js';
import type { CacheStore } from './cache-store.js';

export interface RedisCacheStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key; instances that share hits share it. Default `insforge-ai:cache:`. */
  keyPrefix?: string;
  /** How long a call may wait for Redis before it fails (the request then goes upstream). Default 500 ms. */
  commandTimeoutMs?: number;
}

export const DEFAULT_CACHE_KEY_PREFIX = 'insforge-ai:cache:';

/**
 * The prefix of the cached answers of a gateway whose limits use `limitsPrefix` in Redis: instances that keep their
 * limits apart under a prefix keep their cached answers apart too.
 */
export const cacheKeyPrefixFor = (limitsPrefix: string | undefined): string => (limitsPrefix ? `${limitsPrefix}cache:` : DEFAULT_CACHE_KEY_PREFIX);

/**
 * Cached answers in Redis, shared by every gateway instance that uses the same prefix; Redis expires them. A
 * failing Redis makes a lookup a miss and a store a no-op for the caller (see `ResponseCache`), never an error.
 * @example
 * const store = new RedisCacheStore({ url: 'redis://127.0.0.1:6379' });
 */
export class RedisCacheStore implements CacheStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor(options: RedisCacheStoreOptions) {
    const problem = redisUrlProblem(options.url);
    if (problem !== undefined) throw new TypeError(`RedisCacheStore: url ${problem}.`);
    this.#prefix = options.keyPrefix ?? DEFAULT_CACHE_KEY_PREFIX;
    this.#client = createRedisClient(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, commandTimeout: options.commandTimeoutMs ?? 500, connectTimeout: 1_000 });
    // Errors reach each call; an unhandled 'error' event would crash the process.
    this.#client.on('error', () => undefined);
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#client.get(this.#prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.#client.set(this.#prefix + key, value, 'PX', Math.ceil(ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    // SCAN walks the keyspace in steps without blocking Redis; glob characters in the prefix match only themselves.
    const pattern = `${(this.#prefix + prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.#client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await this.#client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}
