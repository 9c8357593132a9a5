import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { createRedisClient, loadRateLimiterFlexible } from '../net/redis-client.js';
import { assertCount, assertPositiveMs, assertWindowMs, BUDGET_GRACE_MS } from './memory-backend.js';
import type { ConsumeResult, QuotaBackend } from './types.js';

/** Redis could not be reached (refused, closed, timed out, failing over); the fallback wrapper acts on this error. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key this backend writes; instances that share limits share it. Default `insforge-ai:quota:`. */
  keyPrefix?: string;
  /** How long to wait for a connection before calls fail. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** How long a connected Redis may take to answer before the call fails. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** Connection errors (Redis down, reconnecting); they also surface as `BackendUnavailableError` from calls. */
  onConnectionError?: (error: Error) => void;
}

/**
 * Windows: rate-limiter-flexible's increment script, changed so a request that would pass the limit is rejected
 * without being counted, and a refund never takes a window below zero. ARGV: points, window seconds, limit.
 */
const WINDOW_SCRIPT = `
local points = tonumber(ARGV[1])
local windowMs = 1000 * tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then
  if points <= 0 then return {0, windowMs} end
  if points > tonumber(ARGV[3]) then return {points, windowMs} end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', windowMs)
  return {points, windowMs}
end
if ttl == -1 then
  redis.call('PEXPIRE', KEYS[1], windowMs)
  ttl = windowMs
end
local consumed = tonumber(redis.call('GET', KEYS[1]))
if points > 0 and consumed + points > tonumber(ARGV[3]) then return {consumed + points, ttl} end
if consumed + points < 0 then points = -consumed end
return {redis.call('INCRBY', KEYS[1], string.format('%.0f', points)), ttl}
`;

/** Slots: drop expired members, then add one if fewer than the limit are held. ARGV: limit, ttlMs, slotId. */
const ACQUIRE_SLOT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
local allowed = 0
if held < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[3])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  held = held + 1
  allowed = 1
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
return {allowed, held, tonumber(earliest) or now}
`;

/** Remembers the latest period a budget key was used in, so `current(key)` can find its hash. */
const POINT_TO_PERIOD = `
local function pointToPeriod(pointer, periodEnd, expireAt)
  if tonumber(periodEnd) >= tonumber(redis.call('GET', pointer) or '0') then
    redis.call('SET', pointer, periodEnd)
    redis.call('PEXPIREAT', pointer, expireAt)
  end
end
`;

/** Budgets: check-and-add in one step. KEYS: hash, pointer. ARGV: amount, limit, periodEnd, expireAt. */
const RESERVE_SCRIPT = `${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[3], ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'used', 'reserved')
local held = (tonumber(state[1]) or 0) + (tonumber(state[2]) or 0)
if held + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, held} end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return {1, held + tonumber(ARGV[1])}
`;

/**
 * Budgets: reserved -= reserved (never below zero), used += actual; replies the new used + reserved.
 * KEYS: hash, pointer. ARGV: reserved, actual, periodEnd, expireAt.
 */
const SETTLE_SCRIPT = `${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[3], ARGV[4])
local held = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local release = math.min(held, tonumber(ARGV[1]))
if release > 0 then redis.call('HINCRBY', KEYS[1], 'reserved', string.format('%.0f', -release)) end
local used = redis.call('HINCRBY', KEYS[1], 'used', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return used + held - release
`;

/**
 * Budgets: raises used so that used + reserved is at least the ledger's figure; never lowers it. Replies 1 when it
 * raised. KEYS: hash, pointer. ARGV: spent, periodEnd, expireAt.
 */
const SEED_BUDGET_SCRIPT = `${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[2], ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'used', 'reserved')
local used = tonumber(state[1]) or 0
local missing = tonumber(ARGV[1]) - used - (tonumber(state[2]) or 0)
if missing <= 0 then return 0 end
redis.call('HSET', KEYS[1], 'used', string.format('%.0f', used + missing))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`;

/** What a window, slot set and budget pointer hold now. KEYS: window, slots, pointer. */
const CURRENT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(redis.call('GET', KEYS[1]) or '0')
local slots = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
return {window, slots, tonumber(redis.call('GET', KEYS[3]) or '0')}
`;

/** The scripts, as ioredis exposes them after `defineCommand`; they reply with arrays of integers. */
interface QuotaCommands {
  quotaAcquireSlot(key: string, limit: number, ttlMs: number, slotId: string): Promise<[allowed: number, held: number, resetAt: number]>;
  quotaReserve(hash: string, pointer: string, amount: number, limit: number, periodEnd: number, expireAt: number): Promise<[allowed: number, used: number]>;
  quotaSettle(hash: string, pointer: string, reserved: number, actual: number, periodEnd: number, expireAt: number): Promise<number>;
  quotaCurrent(window: string, slots: string, pointer: string): Promise<[window: number, slots: number, periodEnd: number]>;
  quotaSeedBudget(hash: string, pointer: string, used: number, periodEnd: number, expireAt: number): Promise<number>;
}

/** Replies that mean "this Redis cannot serve now" rather than a bug in a script. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/**
 * The shared `QuotaBackend`: every instance of the gateway that points at the same Redis and key prefix counts
 * against the same limits. Each call is one Lua script (windows through rate-limiter-flexible's `RateLimiterRedis`),
 * so concurrent requests on any number of instances never pass a limit together. When Redis cannot be reached,
 * calls fail fast with `BackendUnavailableError`; wrap the backend in a `FallbackBackend` to choose what happens.
 * Needs Redis ≥ 5.
 *
 * @example
 * const backend = new RedisBackend({ url: 'redis://127.0.0.1:6379', keyPrefix: 'myapp:quota:' });
 * const slot = await backend.acquireSlot('concurrency:project', 10, 600_000);
 */
export class RedisBackend implements QuotaBackend {
  private readonly client: Redis & QuotaCommands;
  private readonly keyPrefix: string;
  /** Settles at the first `ready` or connection error; until then a call waits instead of failing at once. */
  private readonly firstConnection: Promise<void>;
  /** rate-limiter-flexible sets points and duration per limiter, so there is one per (limit, window). */
  private readonly windowLimiters = new Map<string, RateLimiterRedis>();
  private readonly limiters = loadRateLimiterFlexible();

  constructor(options: RedisBackendOptions) {
    const url = parseRedisUrl(options.url);
    this.keyPrefix = options.keyPrefix ?? 'insforge-ai:quota:';
    if (this.keyPrefix.length === 0) throw new TypeError('RedisBackend: keyPrefix must not be empty.');
    const connectTimeout = options.connectTimeoutMs ?? 1000;
    const commandTimeout = options.commandTimeoutMs ?? 1000;
    assertPositiveMs('connectTimeoutMs', connectTimeout);
    assertPositiveMs('commandTimeoutMs', commandTimeout);

    // Fail fast instead of queueing: a limiter that waits for Redis holds every request up with it.
    const client = createRedisClient(url, {
      connectTimeout,
      commandTimeout,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    client.defineCommand('quotaAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT_SCRIPT });
    client.defineCommand('quotaReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    client.defineCommand('quotaSettle', { numberOfKeys: 2, lua: SETTLE_SCRIPT });
    client.defineCommand('quotaCurrent', { numberOfKeys: 3, lua: CURRENT_SCRIPT });
    client.defineCommand('quotaSeedBudget', { numberOfKeys: 2, lua: SEED_BUDGET_SCRIPT });
    const onConnectionError = options.onConnectionError ?? (() => undefined);
    client.on('error', (error: Error) => onConnectionError(error));
    this.firstConnection = new Promise((resolve) => {
      const settle = (): void => {
        client.off('ready', settle).off('error', settle).off('end', settle);
        resolve();
      };
      client.on('ready', settle).on('error', settle).on('end', settle);
    });
    this.client = client as Redis & QuotaCommands;
  }

  async consumeWindow(key: string, amount: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertWindowMs(windowMs);
    const limiter = this.windowLimiter(limit, windowMs);
    return this.call(async () => {
      try {
        const consumed = await limiter.consume(key, amount);
        return { allowed: true, used: consumed.consumedPoints, limit, resetAt: Date.now() + consumed.msBeforeNext };
      } catch (rejection) {
        if (!(rejection instanceof this.limiters.RateLimiterRes)) throw rejection;
        // The script reports what the total would have been; nothing was added.
        return { allowed: false, used: rejection.consumedPoints - amount, limit, resetAt: Date.now() + rejection.msBeforeNext };
      }
    });
  }

  async refundWindow(key: string, amount: number, windowMs: number): Promise<void> {
    assertCount('amount', amount);
    assertWindowMs(windowMs);
    // A refund never checks the limit, so any limiter of this window length reaches the same Redis key.
    const limiter = this.windowLimiter(Number.MAX_SAFE_INTEGER, windowMs);
    return this.call(async () => {
      if (amount > 0) await limiter.reward(key, amount);
    });
  }

  async acquireSlot(key: string, limit: number, ttlMs: number): Promise<ConsumeResult & { slotId: string }> {
    assertCount('limit', limit);
    assertPositiveMs('ttlMs', ttlMs);
    const slotId = randomUUID();
    return this.call(async () => {
      const [allowed, used, resetAt] = await this.client.quotaAcquireSlot(this.slotsKey(key), limit, ttlMs, slotId);
      return { allowed: allowed === 1, used, limit, resetAt, slotId: allowed === 1 ? slotId : '' };
    });
  }

  async releaseSlot(key: string, slotId: string): Promise<void> {
    return this.call(async () => {
      await this.client.zrem(this.slotsKey(key), slotId);
    });
  }

  async reserve(key: string, amount: number, limit: number, periodEnd: number): Promise<ConsumeResult> {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertPositiveMs('periodEnd', periodEnd);
    return this.call(async () => {
      const [allowed, used] = await this.client.quotaReserve(
        this.budgetKey(key, periodEnd),
        this.periodPointerKey(key),
        amount,
        limit,
        periodEnd,
        periodEnd + BUDGET_GRACE_MS,
      );
      return { allowed: allowed === 1, used, limit, resetAt: periodEnd };
    });
  }

  async settle(key: string, reserved: number, actual: number, periodEnd: number): Promise<number> {
    assertCount('reserved', reserved);
    assertCount('actual', actual);
    assertPositiveMs('periodEnd', periodEnd);
    return this.call(() =>
      this.client.quotaSettle(
        this.budgetKey(key, periodEnd),
        this.periodPointerKey(key),
        reserved,
        actual,
        periodEnd,
        periodEnd + BUDGET_GRACE_MS,
      ),
    );
  }

  async seedBudget(key: string, used: number, periodEnd: number): Promise<boolean> {
    assertCount('used', used);
    assertPositiveMs('periodEnd', periodEnd);
    return (await this.call(() => this.client.quotaSeedBudget(this.budgetKey(key, periodEnd), this.periodPointerKey(key), used, periodEnd, periodEnd + BUDGET_GRACE_MS))) === 1;
  }

  async current(key: string): Promise<number> {
    return this.call(async () => {
      const [window, slots, periodEnd] = await this.client.quotaCurrent(this.windowKey(key), this.slotsKey(key), this.periodPointerKey(key));
      let total = window + slots;
      if (periodEnd > Date.now()) {
        const [used, reserved] = await this.client.hmget(this.budgetKey(key, periodEnd), 'used', 'reserved');
        total += Number(used ?? 0) + Number(reserved ?? 0);
      }
      return total;
    });
  }

  async close(): Promise<void> {
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  /** Runs one Redis step, turning "cannot reach Redis" into `BackendUnavailableError` (other errors stay as they are). */
  private async call<T>(step: () => Promise<T>): Promise<T> {
    if (this.client.status === 'wait' || this.client.status === 'connecting' || this.client.status === 'connect') {
      await this.firstConnection;
    }
    try {
      return await step();
    } catch (error) {
      throw isUnavailableError(error) ? new BackendUnavailableError(`Redis is unreachable: ${messageOf(error)}`, { cause: error }) : error;
    }
  }

  private windowLimiter(limit: number, windowMs: number): RateLimiterRedis {
    const cacheKey = `${limit}:${windowMs}`;
    let limiter = this.windowLimiters.get(cacheKey);
    if (limiter === undefined) {
      limiter = new this.limiters.RateLimiterRedis({
        storeClient: this.client,
        points: limit,
        duration: windowMs / 1000,
        keyPrefix: `${this.keyPrefix}w`,
        customIncrTtlLuaScript: WINDOW_SCRIPT,
      });
      this.windowLimiters.set(cacheKey, limiter);
    }
    return limiter;
  }

  // Kinds get different namespaces (`w:`, `s:`, `b:`, `bp:`), so one name can never be read as another kind.
  private windowKey(key: string): string {
    return `${this.keyPrefix}w:${key}`;
  }

  private slotsKey(key: string): string {
    return `${this.keyPrefix}s:${key}`;
  }

  private budgetKey(key: string, periodEnd: number): string {
    return `${this.keyPrefix}b:${periodEnd}:${key}`;
  }

  private periodPointerKey(key: string): string {
    return `${this.keyPrefix}bp:${key}`;
  }
}

function parseRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`RedisBackend: url must be a redis:// or rediss:// URL (got ${JSON.stringify(url)}).`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`RedisBackend: url must be a redis:// or rediss:// URL (got ${JSON.stringify(url)}).`);
  }
  return url;
}

function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof TypeError || error instanceof RangeError) return false;
  // A reply means Redis answered: a script or type error is a bug to surface, unless Redis says it cannot serve.
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLY.test(error.message);
  return true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
