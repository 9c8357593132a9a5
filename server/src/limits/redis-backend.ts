import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisClient, redisUrlProblem } from '../net/redis-client.js';
import { HeldReservations } from './held-reservations.js';
import { assertCount, assertPositiveMs, assertWindowMs, BUDGET_GRACE_MS } from './memory-backend.js';
import { type PendingGiveBack, PendingGiveBacks } from './pending-give-backs.js';
import { ACQUIRE_SLOT_SCRIPT, COUNT_GONE_SCRIPT, CURRENT_SCRIPT, DROP_PUT_BACK_SCRIPT, EPOCH_SCRIPT, FORGET_GONE_SCRIPT, HOLD_UNRESERVED_SCRIPT, LATE_REFUND_SCRIPT, type QuotaCommands, RESERVE_SCRIPT, RESTORE_SCRIPT, SEED_BUDGET_SCRIPT, SEED_WINDOW_SCRIPT, SETTLE_SCRIPT, SETTLE_UNRESERVED_SCRIPT, slotsScript, WINDOW_SCRIPT } from './redis-scripts.js';
import type { ConsumeResult, QuotaBackend, UnreservedRequest } from './types.js';

/** Redis could not be reached (refused, closed, timed out, failing over); the fallback wrapper acts on this error. */
export class BackendUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'BackendUnavailableError';
  }
}

/** The prefix of the keys the gateway writes in Redis when none is given (limits; the cache and batch jobs derive theirs). */
export const DEFAULT_REDIS_KEY_PREFIX = 'insforge-ai:quota:';

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
  /**
   * Redis lost its data: it restarted keeping nothing on disk, or lost it while the connection stayed up (a `FLUSHALL`,
   * a failover to an empty replica behind a proxy, the epoch evicted). Told once this instance's budget reservations
   * of requests still in flight and its concurrency slots are taken again, before any other call of this backend runs
   * (the call that found the loss runs again after it); the caller then seeds the counters from its ledger
   * (`QuotaGuard.recount`), rate windows included (`seedWindow`). An idle instance finds the loss with its next beat;
   * until then, another instance's seeds count its requests in flight from their notes (`seedBudget`). Not told for a
   * connection that was only lost, nor when Redis kept its data.
   */
  onDataLost?: () => void;
  /** Names this instance's reservations (see `leaseMs`); unique per instance. Default: a random id. */
  instanceId?: string;
  /**
   * How long this instance's reservations outlive its last heartbeat (it beats three times as often): an instance
   * that stops without settling them (killed, cut off) has them counted as spent by the others once this lapses.
   * Default 30 s.
   */
  leaseMs?: number;
}


/** How long the sets of instances and of the budgets each holds in live after their last use: past a month's budget. */
const INSTANCE_SET_TTL_MS = 45 * 24 * 60 * 60 * 1000;

/**
 * How many settlements and refunds that could not reach Redis an instance keeps to send once it is back
 * (`PendingGiveBacks`): past that, the oldest stay counted (a reservation at its worst case until its period ends).
 */
const MAX_PENDING_GIVE_BACKS = 10_000;

/** Replies that mean "this Redis cannot serve now" rather than a bug in a script. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/**
 * The shared `QuotaBackend`: every instance of the gateway that points at the same Redis and key prefix counts
 * against the same limits. Each call is one Lua script, so concurrent requests on any number of instances never pass a
 * limit together. When Redis cannot be reached, calls fail fast with `BackendUnavailableError`; wrap the backend in a
 * `FallbackBackend` to choose what happens.
 * A reservation is its instance's, under a lease the instance renews with a heartbeat: when an instance stops
 * without settling what it reserved (killed, cut off past `leaseMs`, or closed), the others count it as spent, never
 * give it back, since OpenRouter may bill it. When Redis loses its data (see `onDataLost`), the instance takes its
 * budget reservations and slots again at once, and until an idle one has, the others' seeds count its requests in
 * flight from their notes; every script that admits or seeds checks the epoch first, so a loss is seen by the first
 * request after it, reconnect or not. A settlement or refund that certainly never reached Redis (it was unreachable) is
 * kept in process (10,000 at most) and sent, once, before anything else once Redis answers again, unless Redis lost its
 * data meanwhile (see `settle`). Needs Redis ≥ 5.
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
  /** This instance's budget reservations, to be reserved again should Redis lose them (see `onDataLost`). */
  private readonly heldReservations = new HeldReservations();
  /**
   * Until when this instance's seeds count other instances' requests in flight from their notes (`seedBudget`): two
   * leases after it found Redis lost its data, by when every instance alive has put its own back (its beat finds the loss).
   */
  private countNotesUntil = 0;
  /** What Redis's data was when last read (`EPOCH_SCRIPT`); undefined before the first read. */
  private epoch: string | undefined;
  /** Whether the epoch was read since the connection was last ready: until it is, calls wait for the read. */
  private epochChecked = false;
  private epochCheck: Promise<boolean> | undefined;
  private readonly onDataLost: () => void;
  /** Settlements and refunds that never reached Redis, sent once it answers again (see `settle`, `refundWindow`). */
  private readonly pendingGiveBacks = new PendingGiveBacks(MAX_PENDING_GIVE_BACKS);
  private sendingPending: Promise<void> | undefined;

  constructor(options: RedisBackendOptions) {
    const url = parseRedisUrl(options.url);
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
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
    client.defineCommand('quotaWindow', { numberOfKeys: 2, lua: WINDOW_SCRIPT });
    client.defineCommand('quotaSeedWindow', { numberOfKeys: 1, lua: SEED_WINDOW_SCRIPT });
    client.defineCommand('quotaLateRefund', { numberOfKeys: 2, lua: LATE_REFUND_SCRIPT });
    client.defineCommand('quotaAcquireSlot', { numberOfKeys: 2, lua: ACQUIRE_SLOT_SCRIPT });
    client.defineCommand('quotaRefreshSlots', { numberOfKeys: 1, lua: slotsScript('XX') });
    client.defineCommand('quotaRestoreSlots', { numberOfKeys: 1, lua: slotsScript('NX') });
    client.defineCommand('quotaReserve', { numberOfKeys: 5, lua: RESERVE_SCRIPT });
    client.defineCommand('quotaSettle', { numberOfKeys: 4, lua: SETTLE_SCRIPT });
    client.defineCommand('quotaCountGone', { numberOfKeys: 3, lua: COUNT_GONE_SCRIPT });
    client.defineCommand('quotaForgetGone', { numberOfKeys: 3, lua: FORGET_GONE_SCRIPT });
    client.defineCommand('quotaCurrent', { numberOfKeys: 3, lua: CURRENT_SCRIPT });
    client.defineCommand('quotaSeedBudget', { lua: SEED_BUDGET_SCRIPT });
    client.defineCommand('quotaRestore', { numberOfKeys: 5, lua: RESTORE_SCRIPT });
    client.defineCommand('quotaDropPutBack', { numberOfKeys: 1, lua: DROP_PUT_BACK_SCRIPT });
    client.defineCommand('quotaEpoch', { numberOfKeys: 1, lua: EPOCH_SCRIPT });
    client.defineCommand('quotaHoldUnreserved', { numberOfKeys: 3, lua: HOLD_UNRESERVED_SCRIPT });
    client.defineCommand('quotaSettleUnreserved', { numberOfKeys: 1, lua: SETTLE_UNRESERVED_SCRIPT });
    this.onDataLost = options.onDataLost ?? (() => undefined);
    const onConnectionError = options.onConnectionError ?? (() => undefined);
    client.on('error', (error: Error) => onConnectionError(error));
    // No call may have failed while Redis was away (it restarted between two), so the wrapper saw no outage.
    let connectedBefore = false;
    client.on('ready', () => {
      // Before any call runs on this connection: whether Redis kept its data (see `checkEpoch`).
      this.epochChecked = false;
      void this.checkEpoch();
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
    const window = this.windowKey(key);
    return this.call(async (epoch) => {
      const [consumed, ttlMs] = epochKept(await this.client.quotaWindow(window, this.epochKey(), amount, windowMs, limit, epoch));
      const resetAt = Date.now() + ttlMs;
      // A refusal reports what the total would have been; nothing was added.
      return consumed <= limit ? { allowed: true, used: consumed, limit, resetAt } : { allowed: false, used: consumed - amount, limit, resetAt };
    });
  }

  async windowEndsAt(key: string, windowMs: number): Promise<number | undefined> {
    assertWindowMs(windowMs);
    const window = this.windowKey(key);
    return this.call(async () => {
      const ttlMs = await this.client.pttl(window);
      return ttlMs > 0 ? Date.now() + ttlMs : undefined;
    });
  }

  /** A refund that certainly never reached Redis is kept, and sent once it answers again, as a settlement is (`settle`). */
  async refundWindow(key: string, amount: number, windowMs: number): Promise<void> {
    assertCount('amount', amount);
    assertWindowMs(windowMs);
    if (amount === 0) return;
    const window = this.windowKey(key);
    let sentAt: number | undefined;
    let sentIn: string | undefined;
    try {
      await this.call(async (epoch) => {
        sentAt ??= Date.now();
        sentIn = this.epoch;
        epochKept(await this.client.quotaWindow(window, this.epochKey(), -amount, windowMs, Number.MAX_SAFE_INTEGER, epoch));
      });
    } catch (error) {
      if (sentAt !== undefined && neverSent(error)) this.pendingGiveBacks.keep(window, { type: 'refund', amount, windowMs, keptAt: sentAt, epoch: sentIn });
      throw error;
    }
  }

  async seedWindow(key: string, used: number, windowMs: number, endsAt: number): Promise<void> {
    assertCount('used', used);
    assertWindowMs(windowMs);
    const ttlMs = Math.min(windowMs, Math.ceil(endsAt - Date.now()));
    if (used === 0 || !(ttlMs > 0)) return;
    const window = this.windowKey(key);
    return this.call(async () => {
      await this.client.quotaSeedWindow(window, used, ttlMs);
    });
  }

  async acquireSlot(key: string, limit: number, ttlMs: number): Promise<ConsumeResult & { slotId: string }> {
    assertCount('limit', limit);
    assertPositiveMs('ttlMs', ttlMs);
    const slotId = randomUUID();
    const slots = this.slotsKey(key);
    return this.call(async (epoch) => {
      const [allowed, used, resetAt] = epochKept(await this.client.quotaAcquireSlot(slots, this.epochKey(), limit, Math.min(ttlMs, this.slotLeaseMs()), slotId, epoch));
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

  /**
   * Pushes the expiry of every slot this instance holds a slot lease ahead, never past its own (see `heldSlots`);
   * `restore` takes again those Redis lost.
   */
  private async refreshSlots(restore = false): Promise<void> {
    const now = Date.now();
    for (const [slots, held] of this.heldSlots) {
      const pairs: Array<number | string> = [];
      for (const [slotId, expiresAt] of held) {
        if (expiresAt <= now) held.delete(slotId);
        else pairs.push(Math.min(expiresAt - now, this.slotLeaseMs()), slotId);
      }
      if (held.size === 0) this.heldSlots.delete(slots);
      else if (restore) await this.client.quotaRestoreSlots(slots, ...pairs);
      else await this.client.quotaRefreshSlots(slots, ...pairs);
    }
  }

  async reserve(key: string, amount: number, limit: number, periodEnd: number): Promise<ConsumeResult> {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertPositiveMs('periodEnd', periodEnd);
    const hash = this.budgetKey(key, periodEnd);
    return this.call(async (epoch) => {
      const [allowed, used] = epochKept(
        await this.client.quotaReserve(
          hash,
          this.periodPointerKey(key),
          this.instanceBudgetsKey(this.instanceId),
          this.instancesKey(),
          this.epochKey(),
          amount,
          limit,
          periodEnd,
          periodEnd + BUDGET_GRACE_MS,
          this.instanceId,
          INSTANCE_SET_TTL_MS,
          epoch,
        ),
      );
      if (allowed === 1) this.heldReservations.reserved(hash, amount, { pointer: this.periodPointerKey(key), periodEnd, expireAt: periodEnd + BUDGET_GRACE_MS });
      return { allowed: allowed === 1, used, limit, resetAt: periodEnd };
    });
  }

  /**
   * A settlement that certainly never reached Redis (it was unreachable) is kept, and sent once it answers again,
   * before any other call, so the reservation is given back once, late, rather than counted until its period ends; one
   * that may have reached it (the connection dropped, or no answer came in time) is not sent again. Either way the call
   * fails with `BackendUnavailableError`.
   */
  async settle(key: string, reserved: number, actual: number, periodEnd: number): Promise<number> {
    assertCount('reserved', reserved);
    assertCount('actual', actual);
    assertPositiveMs('periodEnd', periodEnd);
    const hash = this.budgetKey(key, periodEnd);
    const expireAt = periodEnd + BUDGET_GRACE_MS;
    let part: number | undefined;
    let sentIn: string | undefined;
    try {
      return await this.call(async () => {
        // What Redis lost of the reservation, and was not reserved again, is not there to give back.
        part ??= this.heldReservations.settled(hash, reserved);
        sentIn = this.epoch;
        // Behind the budget's settlements still waiting, in the order they were made.
        if (this.pendingGiveBacks.has(hash)) throw new NotSentError();
        return await this.client.quotaSettle(hash, this.periodPointerKey(key), this.instanceBudgetsKey(this.instanceId), this.epochKey(), part, actual, periodEnd, expireAt, this.instanceId, '');
      });
    } catch (error) {
      if (part !== undefined && neverSent(error)) {
        this.pendingGiveBacks.keep(hash, { type: 'settle', reserved: part, actual, budget: { pointer: this.periodPointerKey(key), periodEnd, expireAt }, epoch: sentIn });
      }
      throw error;
    }
  }

  /** Sends one settlement or refund of `key` (a budget's hash, a window) kept, in the data it was made in (else -1). */
  private sendGiveBack(key: string, giveBack: PendingGiveBack & { epoch: string }): Promise<number> {
    const { epoch } = giveBack;
    if (giveBack.type === 'refund') return this.client.quotaLateRefund(key, this.epochKey(), giveBack.amount, giveBack.windowMs, Date.now() - giveBack.keptAt, epoch);
    const { reserved, actual, budget } = giveBack;
    return this.client.quotaSettle(key, budget.pointer, this.instanceBudgetsKey(this.instanceId), this.epochKey(), reserved, actual, budget.periodEnd, budget.expireAt, this.instanceId, epoch);
  }

  /**
   * Sends what could not be given back to Redis, all at once in the order it was made, each only into the data it was
   * made in (Redis lost its data since: the new counters never held it, and the ledger's seeds count what was spent);
   * what again never reaches Redis is kept, in front. Never throws.
   */
  private sendPendingGiveBacks(): Promise<void> {
    this.sendingPending ??= (async () => {
      const taken = this.pendingGiveBacks.takeAll(Date.now()).filter((kept): kept is { key: string; giveBack: PendingGiveBack & { epoch: string } } => kept.giveBack.epoch !== undefined && kept.giveBack.epoch === this.epoch);
      const answers = await Promise.allSettled(taken.map(({ key, giveBack }) => this.sendGiveBack(key, giveBack)));
      this.pendingGiveBacks.putBack(
        taken.filter((_, index) => {
          const answer = answers[index];
          return answer?.status === 'rejected' && neverSent(answer.reason);
        }),
      );
    })().finally(() => {
      this.sendingPending = undefined;
    });
    return this.sendingPending;
  }

  async seedBudget(key: string, used: number, periodEnd: number, inFlight?: ReadonlyMap<string, number>): Promise<boolean> {
    assertCount('used', used);
    assertPositiveMs('periodEnd', periodEnd);
    const hash = this.budgetKey(key, periodEnd);
    // Other instances' requests in flight, from their notes, for a while after a loss only: otherwise every instance
    // alive holds its own in Redis, and a gone one's were counted as spent when its lease lapsed.
    const others: Array<[string, number]> = [];
    if (inFlight !== undefined && Date.now() < this.countNotesUntil) {
      for (const [instanceId, figure] of inFlight) if (instanceId !== this.instanceId && figure > 0) others.push([instanceId, Math.round(figure)]);
    }
    const keys = [hash, this.periodPointerKey(key), this.instanceBudgetsKey(this.instanceId), this.instancesKey(), ...others.flatMap(([id]) => [this.leaseKey(id), this.putBackKey(id)])];
    return this.call(async (epoch) => {
      const restore = this.heldReservations.takeLost(hash);
      try {
        const raised = epochKept(
          await this.client.quotaSeedBudget(keys.length + 1, ...keys, this.epochKey(), used, periodEnd, periodEnd + BUDGET_GRACE_MS, restore, this.instanceId, INSTANCE_SET_TTL_MS, ...others.flat(), epoch),
        );
        return raised === 1;
      } catch (error) {
        // Perhaps not run: reserved again later (once at most: `RESTORE_SCRIPT` marks what it put back).
        this.heldReservations.keepLost(hash, restore);
        throw error;
      }
    });
  }

  async holdUnreserved(key: string, periodEnd: number, version: number, requests: ReadonlyArray<UnreservedRequest>): Promise<ReadonlyMap<string, number>> {
    assertPositiveMs('periodEnd', periodEnd);
    // For a while after a loss, other instances' requests in flight count from their notes as `seedBudget` puts them.
    const afterLoss = Date.now() < this.countNotesUntil;
    const triples: Array<string | number> = [];
    for (const { requestId, amount, instanceId } of requests) {
      assertCount('amount', amount);
      const other = instanceId !== undefined && instanceId !== this.instanceId;
      if (afterLoss && other) continue;
      triples.push(requestId, amount, other ? instanceId : '');
    }
    const hash = this.budgetKey(key, periodEnd);
    return this.call(async (epoch) => {
      const pairs = epochKept(await this.client.quotaHoldUnreserved(hash, this.periodPointerKey(key), this.epochKey(), periodEnd, periodEnd + BUDGET_GRACE_MS, version, this.instanceId, ...triples, epoch));
      const held = new Map<string, number>();
      for (let index = 0; index + 1 < pairs.length; index += 2) held.set(pairs[index] as string, Number(pairs[index + 1]));
      return held;
    });
  }

  async settleUnreserved(key: string, periodEnd: number, ended: ReadonlyArray<{ requestId: string; actual: number }>): Promise<void> {
    assertPositiveMs('periodEnd', periodEnd);
    if (ended.length === 0) return;
    const pairs: Array<string | number> = [];
    for (const { requestId, actual } of ended) {
      assertCount('actual', actual);
      pairs.push(requestId, actual);
    }
    const hash = this.budgetKey(key, periodEnd);
    return this.call(async () => {
      await this.client.quotaSettleUnreserved(hash, periodEnd + BUDGET_GRACE_MS, ...pairs);
    });
  }

  /**
   * Puts back every budget reservation of this instance that Redis lost (see `checkEpoch`), each in one step; one that
   * fails stays to be put back (with the next beat, or the budget's next seed), and the failure is thrown.
   */
  private async restoreReservations(epoch: string): Promise<void> {
    for (const { hash, amount, budget } of this.heldReservations.takeAllLost()) {
      try {
        epochKept(
          await this.client.quotaRestore(hash, budget.pointer, this.instanceBudgetsKey(this.instanceId), this.instancesKey(), this.epochKey(), amount, budget.periodEnd, budget.expireAt, this.instanceId, INSTANCE_SET_TTL_MS, epoch),
        );
      } catch (error) {
        this.heldReservations.keepLost(hash, amount);
        throw error;
      }
    }
  }

  /** Takes out what others put back for this instance from its notes where it held nothing (`DROP_PUT_BACK_SCRIPT`). */
  private async dropPutBacks(): Promise<void> {
    const putBack = this.putBackKey(this.instanceId);
    const hashes = await this.client.smembers(putBack);
    for (const hash of hashes) await this.client.quotaDropPutBack(hash, this.instanceId);
    if (hashes.length > 0) await this.client.srem(putBack, ...hashes);
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
        if (this.epochChecked) await this.sendPendingGiveBacks();
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
          // Not before this instance's reservations are back: while it holds no lease in data that lost them, other
          // instances count its requests in flight from their notes (`seedBudget`).
          if (!(await this.checkEpoch())) return;
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

  /**
   * Reads what Redis's data is (`EPOCH_SCRIPT`) once the connection is ready, when a script found the epoch moved, and
   * with each beat (so an instance that admits nothing still finds a loss within a third of a lease). When it is not
   * what it was, Redis lost its data, and before another call runs: this instance's budget reservations are put back
   * (each budget marks them back, so another instance's seed no longer counts them from their notes), then its lease
   * renewed (no other instance counts its notes after that), its slots taken again, what others put back for it from
   * notes where it held nothing taken out, and `onDataLost` told. A step that failed is run again by the next call (each
   * is safe to run twice); answers whether the epoch is read and those steps done.
   */
  private checkEpoch(): Promise<boolean> {
    this.epochCheck ??= (async () => {
      try {
        const epoch = await this.client.quotaEpoch(this.epochKey(), randomUUID());
        const lost = this.epoch !== undefined && epoch !== this.epoch;
        if (lost) {
          this.heldReservations.lose(Date.now());
          this.countNotesUntil = Date.now() + 2 * this.leaseMs;
          await this.restoreReservations(epoch);
          await this.client.set(this.leaseKey(this.instanceId), '1', 'PX', this.leaseMs);
          await this.refreshSlots(true);
          await this.dropPutBacks();
        }
        this.epoch = epoch;
        this.epochChecked = true;
        if (lost) this.onDataLost();
        return true;
      } catch {
        // Redis went away again, or cannot serve yet: the next call reads it again.
        return false;
      } finally {
        this.epochCheck = undefined;
      }
    })();
    return this.epochCheck;
  }

  /**
   * Runs one Redis step with the epoch this instance last read, turning "cannot reach Redis" into
   * `BackendUnavailableError` (other errors stay as they are). A step whose script found another epoch
   * (`EpochMovedError`) changed nothing: the epoch is read again (the data-loss steps run when Redis lost its data,
   * see `checkEpoch`), and the step runs again.
   */
  private async call<T>(step: (epoch: string) => Promise<T>): Promise<T> {
    if (this.client.status === 'wait' || this.client.status === 'connecting' || this.client.status === 'connect') {
      await this.firstConnection;
    }
    if (!this.epochChecked) await this.checkEpoch();
    if ((this.pendingGiveBacks.size > 0 || this.sendingPending !== undefined) && this.epochChecked && this.client.status === 'ready') await this.sendPendingGiveBacks();
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await step(this.epoch ?? '');
      } catch (error) {
        if (error instanceof EpochMovedError) {
          // Only a Redis that loses its data again and again, or an epoch that cannot be read, gets here this often.
          if (attempt === MAX_EPOCH_READS) throw new BackendUnavailableError('Redis keeps losing its data', { cause: error });
          await this.checkEpoch();
          continue;
        }
        throw isUnavailableError(error) ? new BackendUnavailableError(`Redis is unreachable: ${messageOf(error)}`, { cause: error }) : error;
      }
    }
  }

  // Kinds get different namespaces (`w:`, `s:`, `b:`, `bp:`, `il:`, `ib:`, `ip:`), so one name can never be read as another kind.
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

  // The budgets another instance reserved an instance's requests in flight in, from their notes, after a loss.
  private putBackKey(instanceId: string): string {
    return `${this.keyPrefix}ip:${instanceId}`;
  }

  // What the data under the prefix is (see `checkEpoch`); not `epoch`, a name the rest of the gateway could use too.
  private epochKey(): string {
    return `${this.keyPrefix}quota-epoch`;
  }

  // Not `instances`: under a prefix the operator shares with the rest of the gateway (`--redis-prefix`), that name is
  // the instances' connection report (a hash), and every reservation failed with WRONGTYPE.
  private instancesKey(): string {
    return `${this.keyPrefix}quota-instances`;
  }
}

/** How many times one call reads the epoch again after its script found it moved, before it gives up. */
const MAX_EPOCH_READS = 3;

/** A script found another epoch than the instance's (`EPOCH_KEPT`) and changed nothing. */
class EpochMovedError extends Error {
  constructor() {
    super('Redis lost its data since the epoch was last read');
    this.name = 'EpochMovedError';
  }
}

/** A settlement waits behind the budget's settlements that could not reach Redis: it was not sent. */
class NotSentError extends Error {
  constructor() {
    super('Earlier settlements of this budget wait for Redis');
    this.name = 'NotSentError';
  }
}

/**
 * Whether a failed call certainly changed nothing in Redis: the client refused to send it (no connection), Redis
 * refused to run it (loading, a read-only replica), or it waited behind settlements that could not be sent. A call that
 * timed out, or whose connection dropped, may have run.
 */
function neverSent(error: unknown): boolean {
  let cause = error;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth += 1, cause = cause.cause) {
    if (cause instanceof NotSentError || cause.message === NOT_WRITABLE) return true;
    if (cause.name === 'ReplyError') return UNAVAILABLE_REPLY.test(cause.message);
  }
  return false;
}

/** ioredis' refusal to send a command without a connection (the offline queue is off). */
const NOT_WRITABLE = "Stream isn't writeable and enableOfflineQueue options is false";

/** A script's reply, unless it is `EPOCH_KEPT`'s -1 (then `EpochMovedError`). */
function epochKept<T>(reply: T | -1): T {
  if (reply === -1) throw new EpochMovedError();
  return reply;
}

function parseRedisUrl(url: string): string {
  const problem = redisUrlProblem(url);
  if (problem !== undefined) throw new TypeError(`RedisBackend: url ${problem}.`);
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
