import type { Redis } from 'ioredis';
import { createRedisClient } from '../net/redis-client.js';
import type { CircuitRecord, CircuitStore, FailureEffect } from './circuit-breaker.js';

export interface RedisCircuitStoreOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS; or `client`, a connection shared with others. */
  url?: string;
  /** A connection the caller owns (and closes); the store's scripts are added to it. */
  client?: Redis;
  /** Prefix of every key; instances that share circuits share it. Default `insforge-ai:circuit:`. */
  keyPrefix?: string;
  /** How long a call may wait for Redis before it fails (and the breaker lets the call through). Default 500 ms. */
  commandTimeoutMs?: number;
}

// Each script is one step of MemoryCircuitStore, run atomically so instances never both probe or both count.
const READ = `
local function field(name) return tonumber(redis.call('HGET', KEYS[1], name) or '0') end
`;
const ADMIT_SCRIPT = `${READ}
local now = tonumber(ARGV[1])
local openUntil = field('openUntil')
if openUntil == 0 then return 1 end
if now < openUntil or now < field('probeUntil') then return 0 end
redis.call('HSET', KEYS[1], 'probeUntil', now + tonumber(ARGV[2]))
return 1
`;
const FAILURE_SCRIPT = `${READ}
local now = tonumber(ARGV[1])
local openMs = tonumber(ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
local openUntil = field('openUntil')
if openUntil > 0 then
  if now < openUntil then return 'none' end
  redis.call('HSET', KEYS[1], 'openUntil', now + openMs, 'openedAt', now, 'probeUntil', 0)
  return 'reopened'
end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures < tonumber(ARGV[2]) then return 'counted' end
redis.call('HSET', KEYS[1], 'failures', 0, 'openUntil', now + openMs, 'openedAt', now, 'probeUntil', 0)
return 'opened'
`;
const SUCCESS_SCRIPT = `${READ}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'failures', 0)
local openUntil = field('openUntil')
if openUntil == 0 or tonumber(ARGV[1]) < openUntil then return 0 end
redis.call('HSET', KEYS[1], 'openUntil', 0, 'probeUntil', 0)
return 1
`;

interface CircuitCommands {
  circuitAdmit(key: string, now: number, probeMs: number): Promise<number>;
  circuitFailure(key: string, index: string, now: number, threshold: number, openMs: number, name: string): Promise<FailureEffect>;
  circuitSuccess(key: string, now: number): Promise<number>;
}

/**
 * Circuits in Redis, shared by every gateway instance that uses the same prefix: a model one instance sees failing
 * is skipped by all of them, and only one instance probes it when it may have recovered.
 * @example
 * const breakers = new CircuitBreakers({ store: new RedisCircuitStore({ url: 'redis://127.0.0.1:6379' }) });
 */
export class RedisCircuitStore implements CircuitStore {
  readonly #client: Redis & CircuitCommands;
  readonly #prefix: string;
  readonly #owned: boolean;

  constructor(options: RedisCircuitStoreOptions) {
    this.#prefix = options.keyPrefix ?? 'insforge-ai:circuit:';
    if (!options.client && !options.url) throw new TypeError('RedisCircuitStore needs a url or a client');
    this.#owned = !options.client;
    const client = options.client ?? createRedisClient(options.url as string, { maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 500, connectTimeout: 1_000 });
    // Errors reach each call (and the breaker's onStoreError); an unhandled 'error' event would crash the process.
    if (this.#owned) client.on('error', () => undefined);
    client.defineCommand('circuitAdmit', { numberOfKeys: 1, lua: ADMIT_SCRIPT });
    client.defineCommand('circuitFailure', { numberOfKeys: 2, lua: FAILURE_SCRIPT });
    client.defineCommand('circuitSuccess', { numberOfKeys: 1, lua: SUCCESS_SCRIPT });
    this.#client = client as Redis & CircuitCommands;
  }

  async admit(key: string, now: number, probeMs: number): Promise<boolean> {
    return (await this.#client.circuitAdmit(this.#key(key), now, probeMs)) === 1;
  }

  failure(key: string, now: number, threshold: number, openMs: number): Promise<FailureEffect> {
    return this.#client.circuitFailure(this.#key(key), this.#index(), now, threshold, openMs, key);
  }

  async success(key: string, now: number): Promise<boolean> {
    return (await this.#client.circuitSuccess(this.#key(key), now)) === 1;
  }

  async list(): Promise<Array<{ key: string; record: CircuitRecord }>> {
    const keys = (await this.#client.smembers(this.#index())).sort();
    if (keys.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const key of keys) pipeline.hgetall(this.#key(key));
    const rows = (await pipeline.exec()) ?? [];
    return keys.map((key, index) => {
      const row = (rows[index]?.[1] ?? {}) as Record<string, string | undefined>;
      const number = (name: keyof CircuitRecord) => Number(row[name] ?? 0) || 0;
      return { key, record: { failures: number('failures'), openUntil: number('openUntil'), openedAt: number('openedAt'), probeUntil: number('probeUntil') } };
    });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #key(key: string): string {
    return `${this.#prefix}${key}`;
  }

  #index(): string {
    return `${this.#prefix}index`;
  }
}
