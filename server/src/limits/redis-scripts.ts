/**
 * The Lua scripts of the Redis limits backend (`RedisBackend`), each run atomically by Redis: windows, concurrency
 * slots, budgets and their instances' reservations, seeds, and the epoch that tells a Redis that lost its data.
 */

/**
 * What every admitting script checks first, in the same atomic step: that the epoch (the last key) still holds the value
 * this instance last read (the last argument). Another value, or none, means Redis lost its data since (a flush, a
 * failover to an empty replica, eviction): the script changes nothing and replies -1, and the instance runs its
 * data-loss steps (see `onDataLost`) before it tries again. So a loss on a connection that stayed up is seen by the
 * first request after it, with no round trip of its own.
 */
const EPOCH_KEPT = `
if redis.call('GET', KEYS[#KEYS]) ~= ARGV[#ARGV] then return -1 end
`;

/**
 * Windows: a fixed window, counted from its first request, that rejects a request which would pass the limit without
 * counting it, and never goes below zero on a refund (a negative amount). Replies the total (what it would have been,
 * when rejected) and the ms left. KEYS: window, epoch. ARGV: points, window ms, limit, epoch.
 */
export const WINDOW_SCRIPT = `${EPOCH_KEPT}
local points = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
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

/**
 * Windows: a refund sent once Redis is back (`PendingGiveBacks`), in the data it was made in, and only to a window that
 * was already there when it was made (at least `minAgeMs` old): one started since never counted what it gives back.
 * Never below zero. Replies what it took off, or -1 in other data. KEYS: window, epoch. ARGV: points, window ms, min
 * age ms, epoch.
 */
export const LATE_REFUND_SCRIPT = `${EPOCH_KEPT}
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or tonumber(ARGV[2]) - ttl < tonumber(ARGV[3]) then return 0 end
local points = math.min(tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1])))
if points <= 0 then return 0 end
redis.call('DECRBY', KEYS[1], string.format('%.0f', points))
return points
`;

/**
 * Windows: raises a window to hold at least `used` for at least `ttlMs` more (what the ledger says its scope's requests
 * took in it, after its count was lost); never lowers either. KEYS: window. ARGV: used, ttlMs.
 */
export const SEED_WINDOW_SCRIPT = `
local used = tonumber(ARGV[1])
local ttlMs = tonumber(ARGV[2])
local consumed = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if (consumed >= used and ttl >= ttlMs) or (used <= 0 and ttl == -2) then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', math.max(consumed, used)), 'PX', math.max(ttl, ttlMs))
return 1
`;

/** Slots: drop expired members, then add one if fewer than the limit are held. KEYS: slots, epoch. ARGV: limit, ttlMs, slotId, epoch. */
export const ACQUIRE_SLOT_SCRIPT = `${EPOCH_KEPT}
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
 * Slots: pushes the expiry of slots held (by this instance) to so many ms from now. `XX`: a slot already released or
 * expired is not added back (a beat); without it, slots Redis lost are taken again (see `onDataLost`). ARGV: pairs of
 * ttlMs and slotId.
 */
export const slotsScript = (mode: 'XX' | 'NX') => `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local longest = 0
for index = 1, #ARGV, 2 do
  local ttl = tonumber(ARGV[index])
  redis.call('ZADD', KEYS[1], '${mode}', string.format('%.0f', now + ttl), ARGV[index + 1])
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
 * Notes `amount` of a budget hash (KEYS[1]) as held by an instance: its part of `reserved`, the hash in its set of
 * budgets (KEYS[3]) and itself in the set of instances (KEYS[4]), so another can count it as spent should it stop.
 */
const HOLD_FOR = `
local function holdFor(instanceId, amount, setTtlMs)
  redis.call('HINCRBY', KEYS[1], 'r:' .. instanceId, amount)
  redis.call('SADD', KEYS[3], KEYS[1])
  redis.call('PEXPIRE', KEYS[3], setTtlMs)
  redis.call('SADD', KEYS[4], instanceId)
  redis.call('PEXPIRE', KEYS[4], setTtlMs)
end
`;

/**
 * Budgets: check-and-add in one step; the reservation is this instance's (`r:<instance>`), and the instance keeps the
 * budgets it holds something in (a set), so another can count them as spent should it stop. KEYS: hash, pointer,
 * instance's budgets, instances, epoch. ARGV: amount, limit, periodEnd, expireAt, instance id, how long the sets live,
 * epoch.
 */
export const RESERVE_SCRIPT = `${EPOCH_KEPT}${POINT_TO_PERIOD}${HOLD_FOR}
pointToPeriod(KEYS[2], ARGV[3], ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'used', 'reserved')
local held = (tonumber(state[1]) or 0) + (tonumber(state[2]) or 0)
if held + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return {0, held} end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
if tonumber(ARGV[1]) > 0 then holdFor(ARGV[5], ARGV[1], ARGV[6]) end
return {1, held + tonumber(ARGV[1])}
`;

/**
 * Budgets: the reservation leaves this instance's part of `reserved` (never below zero) and `actual` is added to
 * `used`. A part this instance no longer held was counted as spent when its lease lapsed (`lost`): the actual amount
 * replaces it in `used`. A settlement sent late, once Redis is back (`PendingGiveBacks`), names the epoch it was made
 * in (one sent as its request ends names none, and checks none): in other data the reservation is not there to give
 * back, and it changes nothing (-1). Replies the new used + reserved. KEYS: hash, pointer, instance's budgets, epoch. ARGV:
 * reserved, actual, periodEnd, expireAt, instance id, epoch (or empty).
 */
export const SETTLE_SCRIPT = `${POINT_TO_PERIOD}
if ARGV[6] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[6] then return -1 end
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
export const COUNT_GONE_SCRIPT = `
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
export const FORGET_GONE_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('SCARD', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
`;

/**
 * Puts an instance's reservations back in a budget (KEYS[1]) after Redis lost them, once per loss: `amount` (what it
 * held in flight) replaces what another instance put back for it from its notes (`n:<instance>`, see
 * `SEED_BUDGET_SCRIPT`), and `p:<instance>` says it is back, so that neither is counted again in this data. A budget that
 * kept it (it outlived a loss of the epoch alone) is left as it is. `amount` is a string of an integer.
 */
const RESTORE_OWN = `
local function restoreOwn(instanceId, amount, setTtlMs)
  if redis.call('HEXISTS', KEYS[1], 'p:' .. instanceId) == 1 then return end
  local noted = tonumber(redis.call('HGET', KEYS[1], 'n:' .. instanceId) or '0')
  local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
  local restored = math.max(0, reserved - noted) + tonumber(amount)
  if restored ~= reserved then redis.call('HSET', KEYS[1], 'reserved', string.format('%.0f', restored)) end
  redis.call('HDEL', KEYS[1], 'n:' .. instanceId)
  if tonumber(amount) > 0 then holdFor(instanceId, amount, setTtlMs) end
  redis.call('HSET', KEYS[1], 'p:' .. instanceId, 1)
end
`;

/**
 * Budgets: raises used so that used + reserved is at least the ledger's figure; never lowers it. The first seed of a
 * budget's hash (`seeded` absent: new, or Redis lost its data) raises used alone to it: what is reserved there then is
 * requests in flight (put back after a loss, or admitted since), which the ledger does not hold, and must not stand for
 * spend it does hold. Then, in the same step,
 * reserves again what this instance held in flight when Redis lost its data (`restore`, 0 for none; see `RESTORE_OWN`):
 * after the seed, which would count less by what is reserved (the ledger does not hold requests in flight), and before
 * any request is counted against the seeded counter. Then, for each other instance with requests in flight (their
 * notes in the ledger's database, at their worst case), that has not renewed its lease since Redis lost its data (idle,
 * or gone) and whose reservations are not back in this budget, reserves its notes' figure in its stead (`n:<instance>`),
 * and keeps this budget in the set of those it was put back in (`ip:<instance>`) until that instance puts its own back.
 * Replies 1 when it raised. KEYS: hash, pointer, instance's budgets, instances, then each other instance's lease and set
 * of budgets put back, epoch. ARGV: spent, periodEnd, expireAt, restore, instance id, how long the sets live, then each
 * other instance's id and figure, epoch.
 */
export const SEED_BUDGET_SCRIPT = `${EPOCH_KEPT}${POINT_TO_PERIOD}${HOLD_FOR}${RESTORE_OWN}
pointToPeriod(KEYS[2], ARGV[2], ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'used', 'reserved', 'seeded')
local used = tonumber(state[1]) or 0
local missing = tonumber(ARGV[1]) - used
if state[3] then missing = missing - (tonumber(state[2]) or 0) end
local raised = 0
local changed = false
if not state[3] then
  redis.call('HSET', KEYS[1], 'seeded', 1)
  changed = true
end
if missing > 0 then
  redis.call('HSET', KEYS[1], 'used', string.format('%.0f', used + missing))
  raised = 1
  changed = true
end
if tonumber(ARGV[4]) > 0 or redis.call('HEXISTS', KEYS[1], 'n:' .. ARGV[5]) == 1 then
  restoreOwn(ARGV[5], ARGV[4], ARGV[6])
  changed = true
end
for index = 1, (#KEYS - 5) / 2 do
  local instanceId = ARGV[5 + 2 * index]
  local figure = ARGV[6 + 2 * index]
  if tonumber(figure) > 0 and redis.call('EXISTS', KEYS[3 + 2 * index]) == 0
    and redis.call('HEXISTS', KEYS[1], 'p:' .. instanceId) == 0 and redis.call('HEXISTS', KEYS[1], 'n:' .. instanceId) == 0 then
    redis.call('HINCRBY', KEYS[1], 'reserved', figure)
    redis.call('HSET', KEYS[1], 'n:' .. instanceId, figure)
    redis.call('SADD', KEYS[4 + 2 * index], KEYS[1])
    redis.call('PEXPIRE', KEYS[4 + 2 * index], ARGV[6])
    changed = true
  end
end
if changed then redis.call('PEXPIREAT', KEYS[1], ARGV[3]) end
return raised
`;

/**
 * Budgets: puts this instance's reservations back in one budget at once after Redis lost its data (`RESTORE_OWN`), before
 * any request of another instance can be counted past them there. KEYS: hash, pointer, instance's budgets, instances,
 * epoch. ARGV: amount, periodEnd, expireAt, instance id, how long the sets live, epoch.
 */
export const RESTORE_SCRIPT = `${EPOCH_KEPT}${POINT_TO_PERIOD}${HOLD_FOR}${RESTORE_OWN}
pointToPeriod(KEYS[2], ARGV[2], ARGV[3])
restoreOwn(ARGV[4], ARGV[1], ARGV[5])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 0
`;

/**
 * Budgets: takes out what another instance put back for this one from its notes in a budget where this one held nothing
 * (a request whose note outlived its settlement a moment, a cap set while it was in flight), once this one's own are
 * back and its lease renewed (no other puts any back after). KEYS: hash. ARGV: instance id.
 */
export const DROP_PUT_BACK_SCRIPT = `${HOLD_FOR}${RESTORE_OWN}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
restoreOwn(ARGV[1], '0', 0)
return 1
`;

/**
 * Budgets: holds requests in flight that reserved nothing in a budget (see `QuotaBackend.holdUnreserved`), each under
 * `o:<request>` and in `reserved`, unless held before or settled so (`oe:<request>`). Another instance's is held only
 * while that instance holds nothing there (`r:<instance>`) and has not seeded the budget under this version of the
 * project's limits or a later one (`sv:<instance>`, which this instance sets for itself here): after that, its requests
 * may hold reservations of their own. Replies every request held and not settled, as pairs of id and amount. KEYS: hash,
 * pointer, epoch. ARGV: periodEnd, expireAt, version, instance id, then triples of request id, amount and its instance
 * ('' for this one), epoch.
 */
export const HOLD_UNRESERVED_SCRIPT = `${EPOCH_KEPT}${POINT_TO_PERIOD}
pointToPeriod(KEYS[2], ARGV[1], ARGV[2])
local version = tonumber(ARGV[3])
local seededUnder = function(instanceId) return tonumber(redis.call('HGET', KEYS[1], 'sv:' .. instanceId) or '0') end
if seededUnder(ARGV[4]) < version then redis.call('HSET', KEYS[1], 'sv:' .. ARGV[4], ARGV[3]) end
for index = 5, #ARGV - 3, 3 do
  local held = 'o:' .. ARGV[index]
  local amount = ARGV[index + 1]
  local instanceId = ARGV[index + 2]
  local free = tonumber(amount) > 0 and redis.call('HEXISTS', KEYS[1], held) == 0 and redis.call('HEXISTS', KEYS[1], 'oe:' .. ARGV[index]) == 0
  if free and instanceId ~= '' then
    free = redis.call('HEXISTS', KEYS[1], 'r:' .. instanceId) == 0 and seededUnder(instanceId) < version
  end
  if free then
    redis.call('HINCRBY', KEYS[1], 'reserved', amount)
    redis.call('HSET', KEYS[1], held, amount)
  end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
local pending = {}
local fields = redis.call('HGETALL', KEYS[1])
for index = 1, #fields, 2 do
  if string.sub(fields[index], 1, 2) == 'o:' then
    pending[#pending + 1] = string.sub(fields[index], 3)
    pending[#pending + 1] = fields[index + 1]
  end
end
return pending
`;

/**
 * Budgets: replaces what `HOLD_UNRESERVED_SCRIPT` held for requests that ended with what each cost, once each (`oe:`
 * marks it settled). KEYS: hash. ARGV: expireAt, then pairs of request id and what it cost.
 */
export const SETTLE_UNRESERVED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for index = 2, #ARGV, 2 do
  local held = tonumber(redis.call('HGET', KEYS[1], 'o:' .. ARGV[index]) or '-1')
  if held >= 0 then
    local release = math.min(held, tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0'))
    if release > 0 then redis.call('HINCRBY', KEYS[1], 'reserved', string.format('%.0f', -release)) end
    redis.call('HINCRBY', KEYS[1], 'used', ARGV[index + 1])
    redis.call('HDEL', KEYS[1], 'o:' .. ARGV[index])
    redis.call('HSET', KEYS[1], 'oe:' .. ARGV[index], 1)
  end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 0
`;

/**
 * What this Redis's data is: a random value set once, with no expiry. Another value (or none) after a reconnect means
 * Redis lost its data meanwhile; the first to see it gone sets a new one. KEYS: epoch. ARGV: a new value.
 */
export const EPOCH_SCRIPT = `
local epoch = redis.call('GET', KEYS[1])
if epoch then return epoch end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/** What a window, slot set and budget pointer hold now. KEYS: window, slots, pointer. */
export const CURRENT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(redis.call('GET', KEYS[1]) or '0')
local slots = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
return {window, slots, tonumber(redis.call('GET', KEYS[3]) or '0')}
`;

/** The scripts, as ioredis exposes them after `defineCommand`; they reply with arrays of integers, or -1 (`EPOCH_KEPT`). */
export interface QuotaCommands {
  quotaWindow(key: string, epoch: string, points: number, windowMs: number, limit: number, epochValue: string): Promise<[consumed: number, ttlMs: number] | -1>;
  quotaSeedWindow(key: string, used: number, ttlMs: number): Promise<number>;
  quotaLateRefund(key: string, epoch: string, points: number, windowMs: number, minAgeMs: number, epochValue: string): Promise<number>;
  quotaAcquireSlot(key: string, epoch: string, limit: number, ttlMs: number, slotId: string, epochValue: string): Promise<[allowed: number, held: number, resetAt: number] | -1>;
  quotaRefreshSlots(key: string, ...ttlAndSlotIds: Array<number | string>): Promise<number>;
  quotaRestoreSlots(key: string, ...ttlAndSlotIds: Array<number | string>): Promise<number>;
  quotaReserve(hash: string, pointer: string, instanceBudgets: string, instances: string, epoch: string, amount: number, limit: number, periodEnd: number, expireAt: number, instanceId: string, setTtlMs: number, epochValue: string): Promise<[allowed: number, used: number] | -1>;
  quotaSettle(hash: string, pointer: string, instanceBudgets: string, epoch: string, reserved: number, actual: number, periodEnd: number, expireAt: number, instanceId: string, epochValue: string): Promise<number | -1>;
  quotaCountGone(hash: string, instanceBudgets: string, lease: string, instanceId: string): Promise<number>;
  quotaForgetGone(instances: string, instanceBudgets: string, lease: string, instanceId: string): Promise<number>;
  quotaCurrent(window: string, slots: string, pointer: string): Promise<[window: number, slots: number, periodEnd: number]>;
  /** With the number of keys first: 5 + 2 for each other instance (see `SEED_BUDGET_SCRIPT`). */
  quotaSeedBudget(numberOfKeys: number, ...keysAndArguments: Array<string | number>): Promise<number | -1>;
  quotaRestore(hash: string, pointer: string, instanceBudgets: string, instances: string, epoch: string, amount: number, periodEnd: number, expireAt: number, instanceId: string, setTtlMs: number, epochValue: string): Promise<number | -1>;
  quotaDropPutBack(hash: string, instanceId: string): Promise<number>;
  quotaEpoch(epoch: string, candidate: string): Promise<string>;
  quotaHoldUnreserved(hash: string, pointer: string, epoch: string, ...periodAndRequests: Array<string | number>): Promise<string[] | -1>;
  quotaSettleUnreserved(hash: string, expireAt: number, ...ended: Array<string | number>): Promise<number>;
}
