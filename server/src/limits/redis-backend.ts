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
  /**
   * The connection is ready again after it was lost. Redis may have restarted meanwhile, and one that keeps nothing on
   * disk comes back without the counters: the caller seeds them again from its ledger (`QuotaGuard.recount`).
   */
  onReconnect?: () => void;
  /** Names this instance's reservations (see `leaseMs`); unique per instance. Default: a random id. */
  instanceId?: string;
  /**
   * How long this instance's reservations outlive its last heartbeat (it beats three times as often): an instance
   * that stops without settling them (killed, cut off) has them counted as spent by the others once this lapses.
   * Default 30 s.
   */
  leaseMs?: number;
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

/**
 * Slots: pushes the expiry of slots still held (by this instance) to so many ms from now; a slot already released or
 * expired is not added back. ARGV: pairs of ttlMs and slotId.
 */
const REFRESH_SLOTS_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local longest = 0
for index = 1, #ARGV, 2 do
  local ttl = tonumber(ARGV[index])
  redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', now + ttl), ARGV[index + 1])
  if ttl > longest then longest = ttl end
end
if redis.call('PTTL', KEYS[1]) < longest then redis.call('PEXPIRE', KEYS[1], longest) end
return 0
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

/**
 * Budgets: check-and-add in one step; the reservation is this instance's (`r:<instance>`), and the instance keeps the
 * budgets it holds something in (a set), so another can count them as spent should it stop. KEYS: hash, pointer,
 * instance's budgets, instances. ARGV: amount, limit, periodEnd, expireAt, instance id, how long the sets live.
 */
const RESERVE_SCRIPT = `${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[3], ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'used', 'reserved')
local held = (tonumber(state[1]) or 0) + (tonumber(state[2]) or 0)
if held + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, held} end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
if tonumber(ARGV[1]) > 0 then
  redis.call('HINCRBY', KEYS[1], 'r:' .. ARGV[5], ARGV[1])
  redis.call('SADD', KEYS[3], KEYS[1])
  redis.call('PEXPIRE', KEYS[3], ARGV[6])
  redis.call('SADD', KEYS[4], ARGV[5])
  redis.call('PEXPIRE', KEYS[4], ARGV[6])
end
return {1, held + tonumber(ARGV[1])}
`;

/**
 * Budgets: the reservation leaves this instance's part of `reserved` (never below zero) and `actual` is added to
 * `used`. A part this instance no longer held was counted as spent when its lease lapsed (`lost`): the actual amount
 * replaces it in `used`. Replies the new used + reserved. KEYS: hash, pointer, instance's budgets. ARGV: reserved,
 * actual, periodEnd, expireAt, instance id.
 */
const SETTLE_SCRIPT = `${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[3], ARGV[4])
local reserved = tonumber(ARGV[1])
local mine = 'r:' .. ARGV[5]
local state = redis.call('HMGET', KEYS[1], 'reserved', mine)
local held = tonumber(state[1]) or 0
local own = tonumber(state[2]) or 0
local release = math.min(held, own, reserved)
if release > 0 then redis.call('HINCRBY', KEYS[1], 'reserved', string.format('%.0f', -release)) end
if own > release then
  redis.call('HINCRBY', KEYS[1], mine, string.format('%.0f', -release))
elseif own > 0 or state[2] then
  redis.call('HDEL', KEYS[1], mine)
  redis.call('SREM', KEYS[3], KEYS[1])
end
local swept = 0
if reserved > release then
  local lost = tonumber(redis.call('HGET', KEYS[1], 'lost') or '0')
  swept = math.min(lost, reserved - release)
  if lost > swept then redis.call('HINCRBY', KEYS[1], 'lost', string.format('%.0f', -swept))
  elseif lost > 0 then redis.call('HDEL', KEYS[1], 'lost') end
end
local used = redis.call('HINCRBY', KEYS[1], 'used', string.format('%.0f', tonumber(ARGV[2]) - swept))
if used < 0 then
  redis.call('HSET', KEYS[1], 'used', 0)
  used = 0
end
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return used + held - release
`;

/**
 * An instance gone (its lease lapsed): what it held in one budget is counted as spent, and added to `lost` (the part
 * of `used` that gone instances held) should it come back and settle. One field for all gone instances, not one each:
 * a deployment that restarts often would otherwise leave a field per dead instance in every budget it held, for the
 * rest of the period. Nothing when the lease is back. KEYS: hash, instance's budgets, its lease. ARGV: instance id.
 * Replies what it moved, or -1.
 */
const COUNT_GONE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local mine = 'r:' .. ARGV[1]
local own = tonumber(redis.call('HGET', KEYS[1], mine) or '0')
if own > 0 then
  local move = math.min(own, tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0'))
  if move > 0 then
    redis.call('HINCRBY', KEYS[1], 'reserved', string.format('%.0f', -move))
    redis.call('HINCRBY', KEYS[1], 'used', string.format('%.0f', move))
    redis.call('HINCRBY', KEYS[1], 'lost', string.format('%.0f', move))
  end
end
redis.call('HDEL', KEYS[1], mine)
redis.call('SREM', KEYS[2], KEYS[1])
return own
`;

/** Forgets an instance whose lease lapsed and that holds nothing. KEYS: instances, its budgets, its lease. ARGV: its id. */
const FORGET_GONE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
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
  quotaRefreshSlots(key: string, ...ttlAndSlotIds: Array<number | string>): Promise<number>;
  quotaReserve(hash: string, pointer: string, instanceBudgets: string, instances: string, amount: number, limit: number, periodEnd: number, expireAt: number, instanceId: string, setTtlMs: number): Promise<[allowed: number, used: number]>;
  quotaSettle(hash: string, pointer: string, instanceBudgets: string, reserved: number, actual: number, periodEnd: number, expireAt: number, instanceId: string): Promise<number>;
  quotaCountGone(hash: string, instanceBudgets: string, lease: string, instanceId: string): Promise<number>;
  quotaForgetGone(instances: string, instanceBudgets: string, lease: string, instanceId: string): Promise<number>;
  quotaCurrent(window: string, slots: string, pointer: string): Promise<[window: number, slots: number, periodEnd: number]>;
  quotaSeedBudget(hash: string, pointer: string, used: number, periodEnd: number, expireAt: number): Promise<number>;
}

/** How long the sets of instances and of the budgets each holds in live after their last use: past a month's budget. */
const INSTANCE_SET_TTL_MS = 45 * 24 * 60 * 60 * 1000;

/** Replies that mean "this Redis cannot serve now" rather than a bug in a script. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/**
 * The shared `QuotaBackend`: every instance of the gateway that points at the same Redis and key prefix counts
 * against the same limits. Each call is one Lua script (windows through rate-limiter-flexible's `RateLimiterRedis`),
 * so concurrent requests on any number of instances never pass a limit together. When Redis cannot be reached,
 * calls fail fast with `BackendUnavailableError`; wrap the backend in a `FallbackBackend` to choose what happens.
 * A reservation is its instance's, under a lease the instance renews with a heartbeat: when an instance stops
 * without settling what it reserved (killed, cut off past `leaseMs`, or closed), the others count it as spent, never
 * give it back, since OpenRouter may bill it. Needs Redis ≥ 5.
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
  private readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly heartbeat: NodeJS.Timeout;
  private beating: Promise<void> | undefined;
  /**
   * The slots this instance holds, by key, each with when it is to expire at the latest (its `ttlMs` from when it was
   * taken): each beat pushes their expiry a slot lease ahead (never past that), so a stopped instance's slots free
   * themselves within one slot lease rather than at their `ttlMs`.
   */
  private readonly heldSlots = new Map<string, Map<string, number>>();

  constructor(options: RedisBackendOptions) {
    const url = parseRedisUrl(options.url);
    this.keyPrefix = options.keyPrefix ?? 'insforge-ai:quota:';
    if (this.keyPrefix.length === 0) throw new TypeError('RedisBackend: keyPrefix must not be empty.');
    const connectTimeout = options.connectTimeoutMs ?? 1000;
    const commandTimeout = options.commandTimeoutMs ?? 1000;
    assertPositiveMs('connectTimeoutMs', connectTimeout);
    assertPositiveMs('commandTimeoutMs', commandTimeout);
    this.instanceId = options.instanceId ?? randomUUID();
    this.leaseMs = options.leaseMs ?? 30_000;
    assertPositiveMs('leaseMs', this.leaseMs);

    // Fail fast instead of queueing: a limiter that waits for Redis holds every request up with it.
    const client = createRedisClient(url, {
      connectTimeout,
      commandTimeout,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    client.defineCommand('quotaAcquireSlot', { numberOfKeys: 1, lua: ACQUIRE_SLOT_SCRIPT });
    client.defineCommand('quotaRefreshSlots', { numberOfKeys: 1, lua: REFRESH_SLOTS_SCRIPT });
    client.defineCommand('quotaReserve', { numberOfKeys: 4, lua: RESERVE_SCRIPT });
    client.defineCommand('quotaSettle', { numberOfKeys: 3, lua: SETTLE_SCRIPT });
    client.defineCommand('quotaCountGone', { numberOfKeys: 3, lua: COUNT_GONE_SCRIPT });
    client.defineCommand('quotaForgetGone', { numberOfKeys: 3, lua: FORGET_GONE_SCRIPT });
    client.defineCommand('quotaCurrent', { numberOfKeys: 3, lua: CURRENT_SCRIPT });
    client.defineCommand('quotaSeedBudget', { numberOfKeys: 2, lua: SEED_BUDGET_SCRIPT });
    const onConnectionError = options.onConnectionError ?? (() => undefined);
    client.on('error', (error: Error) => onConnectionError(error));
    // No call may have failed while Redis was away (it restarted between two), so the wrapper saw no outage.
    let connectedBefore = false;
    client.on('ready', () => {
      if (connectedBefore) options.onReconnect?.();
      connectedBefore = true;
    });
    this.firstConnection = new Promise((resolve) => {
      const settle = (): void => {
        client.off('ready', settle).off('error', settle).off('end', settle);
        resolve();
      };
      client.on('ready', settle).on('error', settle).on('end', settle);
    });
    this.client = client as Redis & QuotaCommands;
    // At once (the first beat also counts what gone instances left), then three times a lease.
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
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
    const slots = this.slotsKey(key);
    return this.call(async () => {
      const [allowed, used, resetAt] = await this.client.quotaAcquireSlot(slots, limit, Math.min(ttlMs, this.slotLeaseMs()), slotId);
      if (allowed === 1) {
        const held = this.heldSlots.get(slots) ?? new Map<string, number>();
        held.set(slotId, Date.now() + ttlMs);
        this.heldSlots.set(slots, held);
      }
      return { allowed: allowed === 1, used, limit, resetAt, slotId: allowed === 1 ? slotId : '' };
    });
  }

  async releaseSlot(key: string, slotId: string): Promise<void> {
    const slots = this.slotsKey(key);
    const held = this.heldSlots.get(slots);
    held?.delete(slotId);
    if (held?.size === 0) this.heldSlots.delete(slots);
    return this.call(async () => {
      await this.client.zrem(slots, slotId);
    });
  }

  /** How long a slot lives past the last beat that saw it held: two leases (a beat comes every third of one). */
  private slotLeaseMs(): number {
    return 2 * this.leaseMs;
  }

  /** Pushes the expiry of every slot this instance holds a slot lease ahead, never past its own (see `heldSlots`). */
  private async refreshSlots(): Promise<void> {
    const now = Date.now();
    for (const [slots, held] of this.heldSlots) {
      const pairs: Array<number | string> = [];
      for (const [slotId, expiresAt] of held) {
        if (expiresAt <= now) held.delete(slotId);
        else pairs.push(Math.min(expiresAt - now, this.slotLeaseMs()), slotId);
      }
      if (held.size === 0) this.heldSlots.delete(slots);
      else await this.client.quotaRefreshSlots(slots, ...pairs);
    }
  }

  async reserve(key: string, amount: number, limit: number, periodEnd: number): Promise<ConsumeResult> {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertPositiveMs('periodEnd', periodEnd);
    return this.call(async () => {
      const [allowed, used] = await this.client.quotaReserve(
        this.budgetKey(key, periodEnd),
        this.periodPointerKey(key),
        this.instanceBudgetsKey(this.instanceId),
        this.instancesKey(),
        amount,
        limit,
        periodEnd,
        periodEnd + BUDGET_GRACE_MS,
        this.instanceId,
        INSTANCE_SET_TTL_MS,
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
        this.instanceBudgetsKey(this.instanceId),
        reserved,
        actual,
        periodEnd,
        periodEnd + BUDGET_GRACE_MS,
        this.instanceId,
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

  /**
   * Stops the heartbeat and counts what this instance still holds as spent (a settlement that comes later replaces
   * it), then closes the connection.
   */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.beating;
    if (this.client.status === 'ready') {
      try {
        await this.client.del(this.leaseKey(this.instanceId));
        await this.countGone(this.instanceId);
      } catch {
        // Its lease lapses, and another instance counts what it held.
      }
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  /** Renews this instance's lease, then counts as spent what instances whose lease lapsed held; never throws. */
  private beat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        await this.call(async () => {
          await this.client.set(this.leaseKey(this.instanceId), '1', 'PX', this.leaseMs);
          await this.refreshSlots();
          const others = (await this.client.smembers(this.instancesKey())).filter((id) => id !== this.instanceId);
          if (others.length === 0) return;
          const leases = await this.client.mget(...others.map((id) => this.leaseKey(id)));
          for (const [index, id] of others.entries()) if (leases[index] === null) await this.countGone(id);
        });
      } catch {
        // Reported through `onConnectionError`; the next beat tries again.
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  /** Counts as spent what a gone instance held in each budget, then forgets it (unless its lease is back). */
  private async countGone(instanceId: string): Promise<void> {
    const budgets = this.instanceBudgetsKey(instanceId);
    const lease = this.leaseKey(instanceId);
    for (const hash of await this.client.smembers(budgets)) {
      if ((await this.client.quotaCountGone(hash, budgets, lease, instanceId)) === -1) return;
    }
    await this.client.quotaForgetGone(this.instancesKey(), budgets, lease, instanceId);
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

  // Kinds get different namespaces (`w:`, `s:`, `b:`, `bp:`, `il:`, `ib:`), so one name can never be read as another kind.
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

  // An instance's lease, and the budgets it holds a reservation in; the set of instances that may hold some.
  private leaseKey(instanceId: string): string {
    return `${this.keyPrefix}il:${instanceId}`;
  }

  private instanceBudgetsKey(instanceId: string): string {
    return `${this.keyPrefix}ib:${instanceId}`;
  }

  // Not `instances`: under a prefix the operator shares with the rest of the gateway (`--redis-prefix`), that name is
  // the instances' connection report (a hash), and every reservation failed with WRONGTYPE.
  private instancesKey(): string {
    return `${this.keyPrefix}quota-instances`;
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
