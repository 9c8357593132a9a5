import type { ConsumeResult, QuotaBackend, UnreservedRequest } from './types.js';

/** How long a budget outlives its period, so a request that straddles the period end still settles into it. */
export const BUDGET_GRACE_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60_000;

/** Checks a count or amount given to a backend: a non-negative safe integer (tokens, requests, nano-dollars). */
export function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer (got ${String(value)}).`);
  }
}

/** Checks a window length: whole seconds, because the Redis backend counts windows in seconds. */
export function assertWindowMs(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs < 1000 || windowMs % 1000 !== 0) {
    throw new RangeError(`windowMs must be a positive whole number of seconds in milliseconds (got ${String(windowMs)}).`);
  }
}

/** Checks a duration or an epoch time in milliseconds. */
export function assertPositiveMs(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer of milliseconds (got ${String(value)}).`);
  }
}

/** A fixed window: its count and when it ends (epoch ms). */
interface WindowState {
  points: number;
  endsAt: number;
}

interface BudgetState {
  used: number;
  reserved: number;
  /** Of `reserved`, requests in flight held from their notes (`holdUnreserved`), by request id; made when first needed. */
  unreserved?: Map<string, number>;
  /** Requests held so and settled since: never held again. */
  unreservedEnded?: Set<string>;
}

/**
 * The slots held under one key: expiry by slot id, in the order they were taken. While each slot expires no earlier
 * than the one taken before it (one lifetime for all, as the quota guard gives them), the first is the next to expire,
 * so dropping the expired and finding the earliest expiry stop at the first slot instead of reading every one.
 */
class HeldSlots {
  readonly expiries = new Map<string, number>();
  #inOrder = true;
  #lastExpiry = 0;

  add(slotId: string, expiresAt: number): void {
    if (expiresAt < this.#lastExpiry) this.#inOrder = false;
    this.#lastExpiry = expiresAt;
    this.expiries.set(slotId, expiresAt);
  }

  dropExpired(now: number): void {
    for (const [slotId, expiresAt] of this.expiries) {
      if (expiresAt <= now) this.expiries.delete(slotId);
      else if (this.#inOrder) return;
    }
  }

  earliestExpiry(now: number): number {
    if (this.#inOrder) return this.expiries.values().next().value ?? now;
    let earliest = Number.POSITIVE_INFINITY;
    for (const expiresAt of this.expiries.values()) earliest = Math.min(earliest, expiresAt);
    return this.expiries.size === 0 ? now : earliest;
  }
}

/**
 * The in-process `QuotaBackend`, for a gateway that runs as one instance (and the fail-open fallback for Redis).
 * Windows, slots and budgets are plain maps changed synchronously, so every call is atomic within the process (and
 * costs no more than its map lookups: a request checks up to nine counters). Each method answers at once, not with
 * a promise: the quota guard then counts a request without a turn of the event loop per counter.
 *
 * @example
 * const backend = new MemoryBackend();
 * const result = backend.consumeWindow('rpm:project', 1, 60, 60_000);
 * if (!result.allowed) retryAfter(result.resetAt);
 */
export class MemoryBackend implements QuotaBackend {
  /**
   * Windows by length, then by key: a key always lands with the same length (a refund carries no limit, and a changed
   * limit must see earlier use). A window starts at its first consumption and lasts its length.
   */
  private readonly windows = new Map<number, Map<string, WindowState>>();
  private readonly slots = new Map<string, HeldSlots>();
  /** Slot ids need only be unique within this process. */
  private nextSlotId = 0;
  private readonly budgets = new Map<string, Map<number, BudgetState>>();
  private nextSweepAt = Date.now() + SWEEP_INTERVAL_MS;

  consumeWindow(key: string, amount: number, limit: number, windowMs: number): ConsumeResult {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertWindowMs(windowMs);
    const now = this.sweep();
    const windows = this.windowsOf(windowMs);
    const window = liveWindow(windows, key, now);
    const used = window?.points ?? 0;
    if (used + amount > limit) return { allowed: false, used, limit, resetAt: window?.endsAt ?? now + windowMs };
    if (window) window.points += amount;
    else windows.set(key, { points: amount, endsAt: now + windowMs });
    return { allowed: true, used: used + amount, limit, resetAt: window?.endsAt ?? now + windowMs };
  }

  windowEndsAt(key: string, windowMs: number): number | undefined {
    assertWindowMs(windowMs);
    return liveWindow(this.windowsOf(windowMs), key, Date.now())?.endsAt;
  }

  refundWindow(key: string, amount: number, windowMs: number): void {
    assertCount('amount', amount);
    assertWindowMs(windowMs);
    const window = liveWindow(this.windowsOf(windowMs), key, Date.now());
    if (window) window.points -= Math.min(amount, window.points);
  }

  seedWindow(key: string, used: number, windowMs: number, endsAt: number): void {
    assertCount('used', used);
    assertWindowMs(windowMs);
    const now = this.sweep();
    const until = Math.min(endsAt, now + windowMs);
    if (used === 0 || until <= now) return;
    const windows = this.windowsOf(windowMs);
    const window = liveWindow(windows, key, now);
    if (window === undefined) windows.set(key, { points: used, endsAt: until });
    else {
      window.points = Math.max(window.points, used);
      window.endsAt = Math.max(window.endsAt, until);
    }
  }

  acquireSlot(key: string, limit: number, ttlMs: number): ConsumeResult & { slotId: string } {
    assertCount('limit', limit);
    assertPositiveMs('ttlMs', ttlMs);
    const now = this.sweep();
    const held = this.liveSlots(key, now) ?? new HeldSlots();
    if (held.expiries.size >= limit) {
      return { allowed: false, used: held.expiries.size, limit, resetAt: held.earliestExpiry(now), slotId: '' };
    }
    this.nextSlotId += 1;
    const slotId = `slot-${this.nextSlotId}`;
    held.add(slotId, now + ttlMs);
    this.slots.set(key, held);
    return { allowed: true, used: held.expiries.size, limit, resetAt: held.earliestExpiry(now), slotId };
  }

  releaseSlot(key: string, slotId: string): void {
    const held = this.slots.get(key);
    if (held === undefined) return;
    held.expiries.delete(slotId);
    if (held.expiries.size === 0) this.slots.delete(key);
  }

  reserve(key: string, amount: number, limit: number, periodEnd: number): ConsumeResult {
    assertCount('amount', amount);
    assertCount('limit', limit);
    assertPositiveMs('periodEnd', periodEnd);
    this.sweep();
    const budget = this.budget(key, periodEnd);
    const held = budget.used + budget.reserved;
    if (held + amount > limit) return { allowed: false, used: held, limit, resetAt: periodEnd };
    budget.reserved += amount;
    return { allowed: true, used: held + amount, limit, resetAt: periodEnd };
  }

  settle(key: string, reserved: number, actual: number, periodEnd: number): number {
    assertCount('reserved', reserved);
    assertCount('actual', actual);
    assertPositiveMs('periodEnd', periodEnd);
    const budget = this.budget(key, periodEnd);
    budget.reserved = Math.max(0, budget.reserved - reserved);
    budget.used += actual;
    return budget.used + budget.reserved;
  }

  /** In process: no other instance counts here, so requests in flight elsewhere (`_inFlight`) are left out. */
  seedBudget(key: string, used: number, periodEnd: number, _inFlight?: ReadonlyMap<string, number>): boolean {
    assertCount('used', used);
    assertPositiveMs('periodEnd', periodEnd);
    const budget = this.budget(key, periodEnd);
    const held = budget.used + budget.reserved;
    if (used <= held) return false;
    budget.used += used - held;
    return true;
  }

  /** In process: every request given is held, since none of another instance reserved here (`version` is left out). */
  holdUnreserved(key: string, periodEnd: number, _version: number, requests: ReadonlyArray<UnreservedRequest>): ReadonlyMap<string, number> {
    assertPositiveMs('periodEnd', periodEnd);
    const budget = this.budget(key, periodEnd);
    for (const { requestId, amount } of requests) {
      assertCount('amount', amount);
      if (amount === 0 || budget.unreserved?.has(requestId) || budget.unreservedEnded?.has(requestId)) continue;
      (budget.unreserved ??= new Map()).set(requestId, amount);
      budget.reserved += amount;
    }
    return new Map(budget.unreserved);
  }

  settleUnreserved(key: string, periodEnd: number, ended: ReadonlyArray<{ requestId: string; actual: number }>): void {
    assertPositiveMs('periodEnd', periodEnd);
    const budget = this.budget(key, periodEnd);
    for (const { requestId, actual } of ended) {
      assertCount('actual', actual);
      const held = budget.unreserved?.get(requestId);
      if (held === undefined) continue;
      budget.unreserved?.delete(requestId);
      (budget.unreservedEnded ??= new Set()).add(requestId);
      budget.reserved = Math.max(0, budget.reserved - held);
      budget.used += actual;
    }
  }

  current(key: string): number {
    const now = Date.now();
    let total = this.liveSlots(key, now)?.expiries.size ?? 0;
    for (const windows of this.windows.values()) total += liveWindow(windows, key, now)?.points ?? 0;
    const periods = this.budgets.get(key);
    if (periods !== undefined && periods.size > 0) {
      const latest = Math.max(...periods.keys());
      const budget = periods.get(latest);
      if (budget !== undefined && latest > now) total += budget.used + budget.reserved;
    }
    return total;
  }

  close(): void {
    this.windows.clear();
    this.slots.clear();
    this.budgets.clear();
  }

  private windowsOf(windowMs: number): Map<string, WindowState> {
    let windows = this.windows.get(windowMs);
    if (windows === undefined) {
      windows = new Map();
      this.windows.set(windowMs, windows);
    }
    return windows;
  }

  /** The slots of `key` that have not expired (expired ones are dropped), or undefined when none are held. */
  private liveSlots(key: string, now: number): HeldSlots | undefined {
    const held = this.slots.get(key);
    if (held === undefined) return undefined;
    held.dropExpired(now);
    if (held.expiries.size > 0) return held;
    this.slots.delete(key);
    return undefined;
  }

  private budget(key: string, periodEnd: number): BudgetState {
    let periods = this.budgets.get(key);
    if (periods === undefined) {
      periods = new Map();
      this.budgets.set(key, periods);
    }
    let budget = periods.get(periodEnd);
    if (budget === undefined) {
      budget = { used: 0, reserved: 0 };
      periods.set(periodEnd, budget);
    }
    return budget;
  }

  /** Drops ended windows, expired slots and finished budgets now and then, so keys never used again do not pile up. */
  private sweep(): number {
    const now = Date.now();
    if (now < this.nextSweepAt) return now;
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    for (const windows of this.windows.values()) for (const key of [...windows.keys()]) liveWindow(windows, key, now);
    for (const key of [...this.slots.keys()]) this.liveSlots(key, now);
    for (const [key, periods] of this.budgets) {
      for (const periodEnd of periods.keys()) if (periodEnd + BUDGET_GRACE_MS <= now) periods.delete(periodEnd);
      if (periods.size === 0) this.budgets.delete(key);
    }
    return now;
  }
}

/** The window of `key` if it has not ended (an ended one is dropped). */
function liveWindow(windows: Map<string, WindowState>, key: string, now: number): WindowState | undefined {
  const window = windows.get(key);
  if (window === undefined || window.endsAt > now) return window;
  windows.delete(key);
  return undefined;
}
