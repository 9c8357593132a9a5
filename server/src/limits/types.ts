/**
 * Quotas: what can be limited, at which scope, and the backend that counts consumption atomically — in process
 * for one instance, in Redis for several. Amounts of money are integer nano-dollars (1e-9 USD) in backends, so
 * sums are exact; settings and APIs speak USD.
 */
import type { Awaitable } from './steps.js';

/** The limits one scope can set; absent means unlimited. */
export interface LimitSettings {
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
  concurrentRequests?: number | undefined;
  tokensPerDay?: number | undefined;
  spendPerDayUsd?: number | undefined;
  spendPerMonthUsd?: number | undefined;
}

export type LimitKind = keyof LimitSettings;

/** A project's limits: for the whole project, per feature, and per user (a default for every user plus overrides). */
export interface LimitPolicy {
  project: LimitSettings;
  features: Record<string, LimitSettings>;
  users: { default: LimitSettings; overrides: Record<string, LimitSettings> };
}

export const EMPTY_POLICY: LimitPolicy = { project: {}, features: {}, users: { default: {}, overrides: {} } };

export const NANO_USD_PER_USD = 1_000_000_000;
/** The largest spend cap a backend counts exactly: about 9 million USD in nano-dollars. */
export const MAX_SPEND_CAP_USD = Math.floor(Number.MAX_SAFE_INTEGER / NANO_USD_PER_USD);
/** USD in nano-dollars; an amount past what a backend counts exactly (an upstream's absurd cost) counts as the most it can. */
export const toNanoUsd = (usd: number): number => Math.min(Math.round(usd * NANO_USD_PER_USD), Number.MAX_SAFE_INTEGER);
export const fromNanoUsd = (nano: number): number => nano / NANO_USD_PER_USD;

/** The outcome of consuming from a window or reserving from a budget. */
export interface ConsumeResult {
  allowed: boolean;
  /** Consumed (or reserved) in the current window/period, including this request when allowed. */
  used: number;
  limit: number;
  /** Epoch milliseconds when the window or period resets. */
  resetAt: number;
}

/**
 * Counts consumption atomically. Every method is one atomic step in the backend (a Redis script, or synchronous
 * code in process), so concurrent requests on any number of instances can never together pass a limit. A method
 * may answer at once (the in-process backend does, so a request's counters cost no promise each) or with a promise.
 */
export interface QuotaBackend {
  /** Fixed window of `windowMs` (e.g. a minute): adds `amount` if the total stays within `limit`. */
  consumeWindow(key: string, amount: number, limit: number, windowMs: number): Awaitable<ConsumeResult>;
  /** Gives back part of a window's consumption (an estimate that turned out too high). Never below zero. */
  refundWindow(key: string, amount: number, windowMs: number): Awaitable<void>;
  /** Takes one of `limit` concurrency slots; slots expire after `ttlMs` in case an instance dies holding one. */
  acquireSlot(key: string, limit: number, ttlMs: number): Awaitable<ConsumeResult & { slotId: string }>;
  releaseSlot(key: string, slotId: string): Awaitable<void>;
  /**
   * Reserves `amount` from a budget that resets at `periodEnd` (epoch ms): succeeds only if used + reserved +
   * amount ≤ limit. Reservations are later settled with the real amount. A reservation is never given back unsettled:
   * one whose instance stops without settling it counts as spent (`used`), since OpenRouter may bill its request. In
   * process, the counters go with the process (the next start seeds them from the ledger, which holds a record of each
   * request the process left in flight); a shared backend counts a stopped instance's reservations as spent once its
   * lease lapses, and those it still holds when it closes at once.
   */
  reserve(key: string, amount: number, limit: number, periodEnd: number): Awaitable<ConsumeResult>;
  /**
   * Replaces a reservation with the real amount (which may be more or less than reserved), and answers the
   * budget's new total (used + reserved) for the period ending at `periodEnd` — or `undefined` when the backend
   * cannot know it (a shared backend that could not be reached).
   */
  settle(key: string, reserved: number, actual: number, periodEnd: number): Awaitable<number | undefined>;
  /**
   * Seeds a budget with what the ledger says was spent in the period (`used`), for what it did not count: spend
   * before a cap was set mid-period (or while it was removed), before a restart of in-process counters, lost with a
   * Redis that keeps nothing on disk, or counted in process by fail-open while Redis was down. Raises its used amount
   * until used + reserved is at least `used`, and never lowers it: the ledger lags the counters (a request is written
   * once it ends) and holds an unsettled request at its estimate, which its reservation already holds. So it can be
   * asked again, by any number of instances, without counting anything twice. Answers whether it raised the budget.
   * A shared backend that lost its data (a Redis that keeps nothing on disk restarted) also reserves again, in the
   * same step and after the seed, what this instance's requests in flight held in the budget; and, for a while after
   * the loss, what other instances' requests in flight hold by their notes in the ledger (`inFlight`: by instance id,
   * in the budget's units), for each instance that has not put its own back yet (an idle one finds the loss only with
   * its next beat). An instance that puts its own back replaces what was counted for it, so nothing counts twice for
   * long; until then, a request that ended may count both at its cost and at its worst case (stricter, never looser).
   * An in-process backend counts no other instance's requests, and leaves `inFlight` out.
   */
  seedBudget(key: string, used: number, periodEnd: number, inFlight?: ReadonlyMap<string, number>): Awaitable<boolean>;
  /**
   * Counts requests still in flight that reserved nothing in a budget (admitted before its cap counted: set or set again
   * while they ran), from their notes in the ledger's database, at their worst case (`amount`, in the budget's units)
   * until `settleUnreserved` brings what they cost: one step, after the seed that read their notes. A request held
   * before, or settled so, is not held again. A shared backend holds another instance's (`instanceId` given) only while
   * that instance holds nothing in the budget and has not seeded it under `version` of the project's limits or a later
   * one (so none of its requests reserved in it); a request of this instance (`instanceId` absent) the caller checked.
   * Answers every request held in the budget and not settled yet, with its amount. Optional: without it, such requests
   * count once the ledger holds them (the counter's next seed).
   */
  holdUnreserved?(key: string, periodEnd: number, version: number, requests: ReadonlyArray<UnreservedRequest>): Awaitable<ReadonlyMap<string, number>>;
  /**
   * Replaces what `holdUnreserved` held for requests that ended with what each cost (`actual`, the budget's units, from
   * its usage record), once per request, however many instances ask.
   */
  settleUnreserved?(key: string, periodEnd: number, ended: ReadonlyArray<{ requestId: string; actual: number }>): Awaitable<void>;
  /**
   * Seeds a window of `windowMs` with what the ledger says its scope's requests took in it (`used`), when its count may
   * have been lost (a Redis that lost its data, counters that changed hands with fail-open): raises it to hold at least
   * `used` until at least `endsAt` (epoch ms, a window at most from now), and never lowers either, so a client that
   * used its quota does not get another within the same window.
   */
  seedWindow(key: string, used: number, windowMs: number, endsAt: number): Awaitable<void>;
  /** When the live window of `windowMs` ends (epoch ms), or undefined when none is live; starts none. */
  windowEndsAt(key: string, windowMs: number): Awaitable<number | undefined>;
  /** What a window, budget or slot set holds now (0 when unknown). */
  current(key: string): Awaitable<number>;
  close(): Awaitable<void>;
}

/** A request in flight that reserved nothing in a budget, by its note (see `QuotaBackend.holdUnreserved`). */
export interface UnreservedRequest {
  requestId: string;
  /** Its worst case, in the budget's units. */
  amount: number;
  /** The instance that runs it, when not this one. */
  instanceId?: string | undefined;
}

/** What the backend does when it cannot be reached: refuse requests (default) or fall back to an in-process backend. */
export type BackendFailurePolicy = 'fail-closed' | 'fail-open';
