import { GatewayError } from '../errors.js';
import { BUDGET_GRACE_MS, MemoryBackend } from './memory-backend.js';
import { BackendUnavailableError } from './redis-backend.js';
import type { Awaitable } from './steps.js';
import type { BackendFailurePolicy, ConsumeResult, QuotaBackend, UnreservedRequest } from './types.js';

/** Whether the shared backend answered the last call. */
export type PrimaryState = 'up' | 'down';

export interface FallbackBackendOptions {
  /** The shared backend, usually a `RedisBackend`. */
  primary: QuotaBackend;
  /** `fail-closed` (default) refuses requests while the primary is down; `fail-open` counts them in `fallback`. */
  policy?: BackendFailurePolicy;
  /** Where `fail-open` counts while the primary is down. Default: a new in-process `MemoryBackend`. */
  fallback?: QuotaBackend;
  /** Which errors mean "the primary is down". Default: `BackendUnavailableError`; any other error propagates. */
  isUnavailable?: (error: unknown) => boolean;
  /**
   * Called when the primary goes down (with the error) and when it answers again: for logs and metrics, and for
   * `QuotaGuard.recount`, so the counters of whichever backend counts now start from what the ledger holds (spend
   * counted in the fallback during an outage reaches the primary that way, never twice).
   */
  onPrimaryStateChange?: (state: PrimaryState, error?: unknown) => void;
}

const POLICIES: readonly BackendFailurePolicy[] = ['fail-closed', 'fail-open'];
const FALLBACK_SLOT_PREFIX = 'fallback:';
const SWEEP_INTERVAL_MS = 60_000;

/**
 * What fail-open took from the fallback and has not given back yet. A refund or settle for it must go to the
 * fallback even after the primary is back, or the primary would give back something it never counted.
 */
class FallbackHoldings {
  private readonly held = new Map<string, { amount: number; until: number }>();
  private nextSweepAt = 0;

  add(id: string, amount: number, until: number): void {
    const now = Date.now();
    if (now >= this.nextSweepAt) {
      this.nextSweepAt = now + SWEEP_INTERVAL_MS;
      for (const [heldId, entry] of this.held) if (entry.until <= now) this.held.delete(heldId);
    }
    const entry = this.held.get(id);
    this.held.set(id, { amount: (entry?.amount ?? 0) + amount, until: Math.max(entry?.until ?? 0, until) });
  }

  /** Takes `amount` if the fallback holds at least that much for `id`. */
  take(id: string, amount: number): boolean {
    const entry = this.held.get(id);
    if (entry === undefined || amount <= 0 || entry.amount < amount) return false;
    entry.amount -= amount;
    if (entry.amount === 0) this.held.delete(id);
    return true;
  }
}

/**
 * Puts an explicit failure policy around a shared backend. While the primary answers, every call goes to it. When
 * it cannot be reached, `fail-closed` refuses checks with a 503 `service_unavailable`, and `fail-open` answers
 * them from an in-process backend (limits then hold per instance). Each call tries the primary first, so the
 * wrapper goes back to it as soon as it answers again. Giving back (release, refund, settle) never fails because
 * the primary is down: its slots expire on their own, and a settlement or refund that never reached it is sent once it
 * answers again (`RedisBackend`: once, and only into the data it was made in), so a reservation counts at its worst
 * case only until then; one that may have reached it (its connection dropped, or no answer came in time) is not sent
 * twice, and its reservation, if it was not taken, stays counted until its period ends. Fail-open also records the
 * settled amount in the fallback. What fail-open took from the fallback is given back to the fallback, even once the
 * primary is back.
 *
 * @example
 * const backend = new FallbackBackend({ primary: new RedisBackend({ url }), policy: 'fail-open' });
 */
export class FallbackBackend implements QuotaBackend {
  readonly policy: BackendFailurePolicy;
  private readonly primary: QuotaBackend;
  private readonly fallback: QuotaBackend;
  private readonly isUnavailable: (error: unknown) => boolean;
  private readonly onPrimaryStateChange: (state: PrimaryState, error?: unknown) => void;
  private readonly holdings = new FallbackHoldings();
  private state: PrimaryState = 'up';

  constructor(options: FallbackBackendOptions) {
    const policy = options.policy ?? 'fail-closed';
    if (!POLICIES.includes(policy)) {
      throw new TypeError(`FallbackBackend: policy must be one of ${POLICIES.join(', ')} (got ${JSON.stringify(policy)}).`);
    }
    this.policy = policy;
    this.primary = options.primary;
    this.fallback = options.fallback ?? new MemoryBackend();
    this.isUnavailable = options.isUnavailable ?? ((error) => error instanceof BackendUnavailableError);
    this.onPrimaryStateChange = options.onPrimaryStateChange ?? (() => undefined);
  }

  /** `down` from the first call the primary could not answer until the next one it does. */
  get primaryState(): PrimaryState {
    return this.state;
  }

  async consumeWindow(key: string, amount: number, limit: number, windowMs: number): Promise<ConsumeResult> {
    return this.check(
      () => this.primary.consumeWindow(key, amount, limit, windowMs),
      async () => {
        const result = await this.fallback.consumeWindow(key, amount, limit, windowMs);
        if (result.allowed) this.holdings.add(windowId(key, windowMs), amount, result.resetAt);
        return result;
      },
    );
  }

  async refundWindow(key: string, amount: number, windowMs: number): Promise<void> {
    if (this.holdings.take(windowId(key, windowMs), amount)) return this.fallback.refundWindow(key, amount, windowMs);
    await this.giveBack(() => this.primary.refundWindow(key, amount, windowMs));
  }

  async acquireSlot(key: string, limit: number, ttlMs: number): Promise<ConsumeResult & { slotId: string }> {
    return this.check(
      () => this.primary.acquireSlot(key, limit, ttlMs),
      async () => {
        const result = await this.fallback.acquireSlot(key, limit, ttlMs);
        return result.allowed ? { ...result, slotId: FALLBACK_SLOT_PREFIX + result.slotId } : result;
      },
    );
  }

  async releaseSlot(key: string, slotId: string): Promise<void> {
    if (slotId.startsWith(FALLBACK_SLOT_PREFIX)) return this.fallback.releaseSlot(key, slotId.slice(FALLBACK_SLOT_PREFIX.length));
    await this.giveBack(() => this.primary.releaseSlot(key, slotId));
  }

  async reserve(key: string, amount: number, limit: number, periodEnd: number): Promise<ConsumeResult> {
    return this.check(
      () => this.primary.reserve(key, amount, limit, periodEnd),
      async () => {
        const result = await this.fallback.reserve(key, amount, limit, periodEnd);
        if (result.allowed) this.holdings.add(budgetId(key, periodEnd), amount, periodEnd + BUDGET_GRACE_MS);
        return result;
      },
    );
  }

  /**
   * Answers the total of whichever backend held the reservation; `undefined` while the primary is down, since the
   * fallback alone does not know what the primary counted.
   */
  async settle(key: string, reserved: number, actual: number, periodEnd: number): Promise<number | undefined> {
    if (this.holdings.take(budgetId(key, periodEnd), reserved)) return this.fallback.settle(key, reserved, actual, periodEnd);
    const settled = await this.giveBack(() => this.primary.settle(key, reserved, actual, periodEnd));
    if (settled) return settled.answer;
    // Fail-open keeps counting real spend in process, so the fallback budget sees what was spent during the outage.
    if (this.policy === 'fail-open') await this.fallback.settle(key, reserved, actual, periodEnd);
    return undefined;
  }

  /**
   * Seeds both: the fallback's counters, which fail-open counts in, must know the spend too. Answers the primary's
   * answer; false while it is down (its counters get the spend with the seed asked again once it is back, see
   * `QuotaGuard.recount`).
   */
  async seedBudget(key: string, used: number, periodEnd: number, inFlight?: ReadonlyMap<string, number>): Promise<boolean> {
    await this.fallback.seedBudget(key, used, periodEnd);
    const seeded = await this.giveBack(() => this.primary.seedBudget(key, used, periodEnd, inFlight));
    return seeded?.answer ?? false;
  }

  /** Seeds both, as `seedBudget` does. */
  async seedWindow(key: string, used: number, windowMs: number, endsAt: number): Promise<void> {
    await this.fallback.seedWindow(key, used, windowMs, endsAt);
    await this.giveBack(() => this.primary.seedWindow(key, used, windowMs, endsAt));
  }

  async windowEndsAt(key: string, windowMs: number): Promise<number | undefined> {
    return this.check(
      () => this.primary.windowEndsAt(key, windowMs),
      () => this.fallback.windowEndsAt(key, windowMs),
    );
  }

  /** Holds them in both, as `seedBudget` seeds both; answers the primary's answer, the fallback's while it is down. */
  async holdUnreserved(key: string, periodEnd: number, version: number, requests: ReadonlyArray<UnreservedRequest>): Promise<ReadonlyMap<string, number>> {
    const fallback = (await this.fallback.holdUnreserved?.(key, periodEnd, version, requests)) ?? new Map<string, number>();
    const held = this.primary.holdUnreserved === undefined ? undefined : await this.giveBack(() => this.primary.holdUnreserved?.(key, periodEnd, version, requests) ?? new Map<string, number>());
    return held?.answer ?? fallback;
  }

  /** Settles them in both. */
  async settleUnreserved(key: string, periodEnd: number, ended: ReadonlyArray<{ requestId: string; actual: number }>): Promise<void> {
    await this.fallback.settleUnreserved?.(key, periodEnd, ended);
    await this.giveBack(() => this.primary.settleUnreserved?.(key, periodEnd, ended));
  }

  async current(key: string): Promise<number> {
    return this.check(
      () => this.primary.current(key),
      () => this.fallback.current(key),
    );
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  /** A check that admits or refuses a request: the primary's answer, else the policy's. */
  private async check<T>(onPrimary: () => Awaitable<T>, onFallback: () => Awaitable<T>): Promise<T> {
    try {
      const result = await onPrimary();
      this.setState('up');
      return result;
    } catch (error) {
      if (!this.isUnavailable(error)) throw error;
      this.setState('down', error);
      if (this.policy === 'fail-open') return onFallback();
      throw new GatewayError(
        'service_unavailable',
        'Usage limits cannot be checked right now, so the request was not sent. Please try again in a moment.',
        { cause: error, retryAfterSeconds: 5 },
      );
    }
  }

  /**
   * Gives something back to the primary, with its answer; `undefined` when it is down (the primary sends it once it
   * is back, or it expires there on its own).
   */
  private async giveBack<T>(onPrimary: () => Awaitable<T>): Promise<{ answer: T } | undefined> {
    try {
      const answer = await onPrimary();
      this.setState('up');
      return { answer };
    } catch (error) {
      if (!this.isUnavailable(error)) throw error;
      this.setState('down', error);
      return undefined;
    }
  }

  private setState(state: PrimaryState, error?: unknown): void {
    if (state === this.state) return;
    this.state = state;
    if (state === 'down') this.onPrimaryStateChange(state, error);
    else this.onPrimaryStateChange(state);
  }
}

function windowId(key: string, windowMs: number): string {
  return `w:${windowMs}:${key}`;
}

function budgetId(key: string, periodEnd: number): string {
  return `b:${periodEnd}:${key}`;
}
