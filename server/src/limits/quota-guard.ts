import type { LimitStatus } from '@insforge/ai-protocol';
import type { Identity } from '../auth/identity.js';
import { limitsCallerOf } from '../auth/owner.js';
import { GatewayError } from '../errors.js';
import type { LimitPolicySource } from './limit-policy.js';
import { dayPeriod, monthPeriod, type Period } from './periods.js';
import { isPending, runSteps, type Awaitable, type Steps } from './steps.js';
import { fromNanoUsd, NANO_USD_PER_USD, toNanoUsd, type BackendFailurePolicy, type ConsumeResult, type LimitKind, type LimitPolicy, type LimitSettings, type QuotaBackend, type UnreservedRequest } from './types.js';

/** What a request may consume at most: it is reserved before forwarding and settled with the real figures. */
export interface QuotaEstimate {
  tokens: number;
  /** Of `tokens`, the prompt's bound (the rest is output); absent where an estimate does not tell them apart. */
  promptTokens?: number;
  costUsd: number;
  /**
   * Of `costUsd`, what the request's own guardrail calls (a moderation model's) are reserved for up front; a call past
   * it reserves more first (`Admission.reserveMore`). Absent when its guardrails call no model.
   */
  guardrailCostUsd?: number;
}

export interface QuotaSubject {
  identity: Identity;
  feature: string | undefined;
  /**
   * The request's id, as its note in flight and its usage record name it: a cap first set while it runs then knows
   * whether it reserved in it (see `QuotaGuardOptions.endedRequests`).
   */
  requestId?: string | undefined;
}

/** One limit that applies to a caller, and where it stands: the protocol's shape, as `GET /api/ai/limits` reports it. */
export type { LimitStatus };

interface Scope {
  scope: LimitStatus['scope'];
  target: string | null;
  projectId: string;
  settings: LimitSettings;
  /** Its rate counters' keys (`q:<project>:<scope>:rpm`…), built once with the scope. */
  keys: Record<'requestsPerMinute' | 'tokensPerMinute' | 'concurrentRequests', string>;
  /** Where its counters' keys start: `q:<project>:<scope>`. */
  base: string;
  /** Its budget counters for the period each was last asked for: a request of the same period builds none anew. */
  budgets: Partial<Record<BudgetKind, BudgetCounter>>;
}

/** The caps counted per calendar period rather than per minute. */
type BudgetKind = 'tokensPerDay' | 'spendPerDayUsd' | 'spendPerMonthUsd';

/** One budget of a scope in one period: its counter's key, and what a spend cap's settlement reports (all but the total). */
interface BudgetCounter {
  key: string;
  period: Period;
  money: boolean;
  spend: SpendOf | undefined;
  /** The counter's seed from the ledger (`QuotaGuardOptions.spentSince`) in this process; `until` 0 before it. */
  seeded: Seeded;
}

/**
 * Until when a counter's seed stands, the guard's recount (`QuotaGuard.recount`) it belongs to, and the version of the
 * project's limits it was made under (see `Seeding`): a seed of an earlier recount or version no longer stands.
 */
interface Seeded {
  until: number;
  recount: number;
  version: number;
}

const NOT_SEEDED: Seeded = { until: 0, recount: 0, version: 0 };

/**
 * A counter's seed from the ledger (`QuotaBackend.seedBudget`): done (until it is read again, a recount, or a change of
 * the project's limits), running, or failed and to be tried again from a time. Requests wait for a counter's first
 * seed (its failure is `onSeedFailure`'s) and for the one after a recount or a change of limits (its failure leaves
 * the counter as it is); a periodic refresh runs in the background. `recount` is the recount it belongs to, `version`
 * the project's limits (`ProjectLimits.version`): a cap removed and set again counted nothing while it was absent, so
 * its seed under the limits before does not stand for it.
 */
type Seeding =
  | { state: 'done'; until: number; recount: number; version: number }
  | { state: 'running'; wait: Promise<void> | undefined; first: boolean; recount: number; version: number }
  | { state: 'failed'; retryAt: number; error: unknown };

type Hold =
  | { type: 'window'; key: string; amount: number; windowMs: number; tokens: boolean }
  | { type: 'slot'; key: string; slotId: string }
  /** `spend` is what a spend cap reports once settled, all but the total; undefined for token caps. */
  | { type: 'budget'; key: string; amount: number; periodEnd: number; money: boolean; spend: SpendOf | undefined };

/** What a spend cap's settlement reports besides its total and the project's alert thresholds. */
type SpendOf = Omit<SpendReport, 'spentUsd' | 'alertsFrom'>;

/**
 * A settled spend cap's report, made in one object literal: a spread of `spend` plus two fields took V8's slow define
 * path with every settled request (bench/findings.md, change 36).
 */
function spendReport(spend: SpendOf, spentUsd: number, alertsFrom: number): SpendReport {
  const { projectId, scope, target, kind, limitUsd, period, periodEnd } = spend;
  return { projectId, scope, target, kind, limitUsd, spentUsd, period, periodEnd, alertsFrom };
}

/** What a request used when its holds are given back; undefined figures keep what was reserved. */
interface Release {
  tokens: number | undefined;
  costUsd: number | undefined;
  /** For spend reports: see `SpendReport.alertsFrom`. */
  alertsFrom: number;
}

const MINUTE_MS = 60_000;
/** A slot outlives its request by far only if an instance died holding it; then it frees itself. */
const SLOT_TTL_MS = 10 * MINUTE_MS;
/** How long an unknown cost waits for reconciliation before the reserved worst case stands. */
const PENDING_COST_TTL_MS = 10 * MINUTE_MS;

/** What a settled spend budget reports, for budget alerts. */
export interface SpendReport {
  projectId: string;
  scope: Scope['scope'];
  target: string | null;
  kind: 'spendPerDayUsd' | 'spendPerMonthUsd';
  limitUsd: number;
  spentUsd: number;
  period: string;
  periodEnd: number;
  /**
   * The lowest of the project's alert thresholds (a share of the cap) when the request was admitted: a spend below it
   * fires no alert, so the dispatcher need not read the project's settings (Infinity: the project has none).
   */
  alertsFrom: number;
}

export interface ActualUse {
  /** Tokens billed, from the answer's usage (0 when it carried none). */
  tokens: number;
  /** What OpenRouter charged; undefined when the answer carried no cost (a cancelled or broken stream). */
  costUsd: number | undefined;
  /** The generation to reconcile later when the cost is unknown. */
  generationId?: string | undefined;
  /**
   * Whether OpenRouter may have billed the request although no cost came back: it reached OpenRouter and was
   * aborted, or a generation id names what it made. False for requests refused before or by the upstream.
   */
  mayBeBilled: boolean;
  /**
   * Generations of earlier attempts that failed after reaching OpenRouter (an error inside a 200, a body the gateway
   * could not read, no answer in time): billed, perhaps, though no answer came of them. Each keeps a worst case until
   * `settleCost` brings its figures; `null` (no generation id came) keeps it for good.
   */
  failedGenerations?: ReadonlyArray<string | null> | undefined;
  /** What the request's own model calls besides its answer cost (a moderation guardrail's), known when it settles. */
  extraCostUsd?: number | undefined;
  /**
   * Of `extraCostUsd`, the worst cases that stand for calls OpenRouter may have billed with no cost to say how much (a
   * moderation attempt cancelled or failed after OpenRouter answered), by generation: each keeps its worst case
   * reserved until `settleCost` brings its figures.
   */
  extraGenerations?: ReadonlyArray<{ generationId: string; worstCaseUsd: number }> | undefined;
}

/** The real figures of a generation once reconciled; undefined when they could not be had (the worst case stands). */
export interface ReconciledUse {
  costUsd: number;
  tokens: number;
}

/** An admitted request: headers for the response, and `settle` to give back what it did not use. */
export interface Admission {
  headers: Record<string, string>;
  /**
   * Settles every reservation with the real figures. Runs once. A request that may have been billed without a known
   * cost keeps its spend and token reservations: until `settleCost` brings the reconciled figures when a generation
   * id names it, for good when none does (the worst case stands). A request that was never billed gives all back.
   */
  settle(actual: ActualUse): Promise<void>;
  /**
   * Reserves the worst case once more against the request's token and spend caps, for an attempt that follows one
   * OpenRouter may have billed (`ActualUse.failedGenerations`): each generation the request may be billed for has a
   * reservation of its own. Throws the cap's refusal (nothing more is taken) when a cap has no room for it.
   */
  reserveAgain(): Promise<void>;
  /**
   * Reserves `costUsd` more against the request's spend caps, for a call of its own beyond its answer that its
   * estimate did not cover (a moderation call past those it counted): added to the reservation of its latest attempt,
   * which settles with the request's other costs (`ActualUse.extraCostUsd`). Throws the cap's refusal (nothing more is
   * taken) when a cap has no room for it.
   */
  reserveMore(costUsd: number): Promise<void>;
}

/** A project's or one of its features' budgets, as the usage ledger is asked for what they spent. */
export interface BudgetScope {
  projectId: string;
  feature?: string;
}

/** What a scope's admitted requests took of a rate window: how many, their tokens, when the earliest started (epoch ms). */
export interface RequestsUse {
  requests: number;
  tokens: number;
  firstAt: number;
}

/** A project's admitted requests since a time, in all, by feature, and by caller (as `spentByCallerSince` names them). */
export interface RecentRequests {
  project: RequestsUse;
  features: ReadonlyMap<string, RequestsUse>;
  callers: ReadonlyMap<string, RequestsUse>;
}

/** Tokens (prompt + completion) and USD, as budgets count them. */
export interface Spent {
  tokens: number;
  costUsd: number;
  /**
   * Besides: what requests still in flight hold at their worst case (their notes), by the gateway instance that holds
   * them; a shared backend that lost its data counts those of instances that have not put theirs back yet
   * (`QuotaBackend.seedBudget`). Absent where the ledger keeps no notes.
   */
  inFlight?: ReadonlyMap<string, Omit<Spent, 'inFlight' | 'open'>>;
  /** The same one by one: each request in flight at its worst case, with the instance that runs it. */
  open?: ReadonlyArray<{ requestId: string; instanceId: string; tokens: number; costUsd: number }>;
}

export interface QuotaGuardOptions {
  /** Gets the total of each settled spend cap for the period the request counted in, for budget alerts. */
  onSpend?: (report: SpendReport) => void;
  /**
   * What a scope spent since a time (epoch ms), from the usage ledger. A token or spend cap's counter that holds
   * nothing for its period yet starts from it (`QuotaBackend.seedBudget`), so a cap set mid-period, counters kept in
   * process across a restart, or a Redis that lost its counters still count what was spent before. Without it,
   * caps count from when they start counting.
   */
  spentSince?: (scope: BudgetScope, from: number) => Promise<Spent>;
  /**
   * The same for every caller of a project at once, by user id, or `key:<id>` for a client key's calls without a
   * user: one read per project and period serves each user's counters (a read per user would scan the period's
   * records once for every user). Without it, user caps count from when they start counting.
   */
  spentByCallerSince?: (projectId: string, from: number) => Promise<ReadonlyMap<string, Spent>>;
  /**
   * What a project's admitted requests took since a time (epoch ms), from the usage ledger and the notes of requests in
   * flight: after a `recount` that may have lost the rate windows (a Redis that lost its data, counting that moved
   * between Redis and the process), each scope's per-minute windows are seeded from it before its next request counts
   * (`QuotaBackend.seedWindow`), so a client that used its quota does not get another in the same minute. Without it,
   * rate windows start again from zero then.
   */
  requestsSince?: (projectId: string, from: number) => Promise<RecentRequests>;
  /**
   * Which of these requests (noted in flight when read) ended, with what each cost as its usage record holds it; `null`
   * for one still in flight. With it, a counter seeded for the first time or under a new version of the project's limits
   * (a cap set, or set again, while requests ran) holds the requests in flight that reserved nothing in it
   * (`Spent.open`) at their worst case, and is asked every `UNRESERVED_POLL_MS` which ended, to count what each cost in
   * their stead (`QuotaBackend.holdUnreserved`). Without it, they count once the ledger holds them.
   */
  endedRequests?: (requestIds: readonly string[]) => Promise<ReadonlyMap<string, Omit<Spent, 'inFlight' | 'open'> | null>>;
  /** The gateway instance this guard runs in, as notes of requests in flight name it (`Spent.open`); needed by `endedRequests`. */
  instanceId?: string;
  /**
   * How often a counter's seed is asked again, in the background, for counters that can be lost while this process
   * runs (a Redis that keeps nothing on disk restarts; a seed that reached only the fallback while Redis was down).
   * Without it, once per counter and process: enough for counters kept in process.
   */
  seedRefreshMs?: number;
  /**
   * What a request does when its counters' first seed cannot be read within `SEED_WAIT_MS` or failed: `fail-closed`
   * (default) answers 503, as when Redis is down; `fail-open` counts from what the counters hold.
   */
  onSeedFailure?: BackendFailurePolicy;
  /**
   * Told when a read of the ledger failed: for a budget's counter (`budget`: it is tried again 30 s later), or for the
   * per-minute windows after their counts were lost (`windows`: they count on from what they hold, read again only
   * after the next recount).
   */
  onSeedError?: (error: unknown, seed: 'budget' | 'windows') => void;
  now?: () => number;
}

/** How long after a failed read of the ledger a counter's seed is tried again. */
const SEED_RETRY_MS = 30_000;
/** Counters whose seed is remembered (users × caps × periods); past it the memory starts over (a seed is asked again). */
const SEEDINGS_LIMIT = 50_000;
/**
 * The longest a request waits for its counters' first seed, all at once: reading a month of a large ledger can take
 * seconds; past it, `onSeedFailure` decides.
 */
const SEED_WAIT_MS = 5_000;
/**
 * How long one read of a project's recent requests serves its scopes' window seeds: a later scope reads again, since
 * its window is a minute back from its own first request.
 */
const RECENT_READ_REUSE_MS = 1_000;
/** Projects × periods whose callers' spend is kept; past it the memory starts over. */
const CALLER_READS_LIMIT = 1_000;
const BUDGET_KINDS: readonly BudgetKind[] = ['tokensPerDay', 'spendPerDayUsd', 'spendPerMonthUsd'];
/** How often the requests held from their notes (`QuotaGuardOptions.endedRequests`) are asked whether they ended. */
const UNRESERVED_POLL_MS = 250;

const NO_LIMITS: Admission = { headers: {}, settle: async () => undefined, reserveAgain: async () => undefined, reserveMore: async () => undefined };

function describeScope(scope: Pick<Scope, 'scope' | 'target'>): string {
  if (scope.scope === 'feature') return `the "${scope.target}" feature`;
  if (scope.scope === 'user') return 'your account';
  return 'this project';
}

/** Dollars with cents, 4 decimals under $1, and two significant digits under a cent (a cap of $0.000001 is not $0.0000). */
const usd = (value: number) => `$${value.toFixed(value >= 1 ? 2 : value >= 0.01 || value <= 0 ? 4 : Math.min(12, 1 - Math.floor(Math.log10(value))))}`;

/**
 * Checks and reserves every limit that applies to a request (project, feature, user) in one pass, atomically per
 * counter in the backend, and rolls back what it took when any limit refuses. Rate limits answer 429 with
 * `Retry-After` and `RateLimit-*`; token and spend caps answer 402 `quota_exceeded` with the cap and its reset.
 * Spend caps reserve the worst case first, so concurrent requests can never together overshoot.
 */
export class QuotaGuard {
  /** Budget holds waiting for a generation's reconciled cost, with what the request spent besides (its guardrails). */
  readonly #pendingCost = new Map<string, { holds: Hold[]; timer: NodeJS.Timeout; alertsFrom: number; extraCostUsd: number }>();
  /** Settlements under way, and who waits for the last of them to end (`close`). */
  #settling = 0;
  #settled: (() => void) | undefined;
  /** Budget counters' seeds by key (which names the period), for the whole process. */
  readonly #seedings = new Map<string, Seeding>();
  /** Each project's callers' spend by `<project> <period>`: read once for all its users' counters. */
  readonly #callers = new Map<string, { end: number; readAt: number; recount: number; version: number; reading: Promise<ReadonlyMap<string, Spent>> }>();
  /** How many times `recount` was asked: a seed from before the latest one no longer stands. */
  #recount = 0;
  /** When the rate windows may have been lost last (`recount`); they are seeded again for a window's length after. */
  #windowsLostAt = Number.NEGATIVE_INFINITY;
  /** The scopes whose rate windows were seeded since (by `Scope.base`): what their requests wait for, undefined once done. */
  readonly #windowSeeds = new Map<string, Promise<void> | undefined>();
  /** Each project's latest read of its recent requests (`requestsSince`) since the windows were lost. */
  readonly #recentReads = new Map<string, { readAt: number; reading: Promise<RecentRequests> }>();
  /**
   * Admitted requests that hold budget reservations, by request id, until they settle (or, when a seed is reading the
   * ledger, until no seed is): a seed then knows which requests in flight in its notes reserved in its counter.
   */
  readonly #reserving = new Map<string, Hold[]>();
  /** Seeds reading the ledger now, and the requests that settled meanwhile (forgotten from `#reserving` after them). */
  #reading = 0;
  readonly #settledWhileReading: string[] = [];
  /** Requests held in budgets from their notes (`holdUnreserved`) and not settled yet, by budget key. */
  readonly #unreserved = new Map<string, { periodEnd: number; money: boolean; pending: Map<string, number> }>();
  #unreservedPoll: NodeJS.Timeout | undefined;
  #polling = false;
  private readonly onSpend: ((report: SpendReport) => void) | undefined;
  private readonly endedRequests: QuotaGuardOptions['endedRequests'];
  private readonly instanceId: string | undefined;
  private readonly spentSince: QuotaGuardOptions['spentSince'];
  private readonly spentByCallerSince: QuotaGuardOptions['spentByCallerSince'];
  private readonly requestsSince: QuotaGuardOptions['requestsSince'];
  private readonly onSeedFailure: BackendFailurePolicy;
  private readonly onSeedError: (error: unknown, seed: 'budget' | 'windows') => void;
  private readonly seedRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly backend: QuotaBackend,
    private readonly policies: () => Promise<LimitPolicySource>,
    options: QuotaGuardOptions = {},
  ) {
    this.onSpend = options.onSpend;
    this.spentSince = options.spentSince;
    this.spentByCallerSince = options.spentByCallerSince;
    this.requestsSince = options.requestsSince;
    this.endedRequests = options.endedRequests;
    this.instanceId = options.instanceId;
    this.onSeedFailure = options.onSeedFailure ?? 'fail-closed';
    this.onSeedError = options.onSeedError ?? (() => undefined);
    this.seedRefreshMs = options.seedRefreshMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads every budget counter's seed from the ledger again before its next request counts, which waits for it: for
   * when the counters may hold less than the ledger says, since the backend that counts them changed. A shared
   * backend that comes back has not counted what fail-open counted in process meanwhile, and its fallback did not
   * count what was spent through it before; a seed only ever raises a counter (`QuotaBackend.seedBudget`). A shared
   * backend that lost its data reserves again what this instance's requests in flight held (the ledger does not hold
   * them yet), and the seed counts other instances' from their notes until they have reserved theirs again: after a
   * recount, counters are seeded even with no ledger to read. With
   * `rateWindows` (the default), the per-minute windows may have been lost too, and for the next minute each scope's
   * are seeded again before its next request counts (see `QuotaGuardOptions.requestsSince`); a connection that only came
   * back passes false.
   *
   * @example
   * new FallbackBackend({ primary, onPrimaryStateChange: () => quota.recount() });
   */
  recount({ rateWindows = true }: { rateWindows?: boolean } = {}): void {
    this.#recount += 1;
    if (!rateWindows || this.requestsSince === undefined) return;
    this.#windowsLostAt = this.now();
    this.#windowSeeds.clear();
    this.#recentReads.clear();
  }

  async admit(subject: QuotaSubject, estimate: QuotaEstimate): Promise<Admission> {
    const limits = await (await this.policies()).get(subject.identity.projectId);
    if (limits.stopped) {
      throw new GatewayError('service_unavailable', `AI features are paused for this project by an administrator${limits.stopReason ? `: ${limits.stopReason}` : ''}.`, { retryable: false });
    }
    const scopes = applicableScopes(limits.policy, subject);
    if (scopes.length === 0) return NO_LIMITS;
    const recount = this.#recount;
    const seeds = this.#seedsOf(scopes, this.now(), limits.version);
    if (seeds) await this.#waitForSeeds(seeds);
    const holds: Hold[] = [];
    const headers: Record<string, string> = {};
    await runSteps(this.#takeAll(scopes, estimate, holds, headers));
    if (recount !== this.#recount) {
      // The backend that counts changed while this request took its share (it was the first to find Redis gone or
      // back): the share is given back and taken again from counters read again from the ledger.
      await runSteps(this.#release(holds.splice(0), undefined));
      const again = this.#seedsOf(scopes, this.now(), limits.version);
      if (again) await this.#waitForSeeds(again);
      await runSteps(this.#takeAll(scopes, estimate, holds, headers));
    }
    const alertsFrom = Math.min(...limits.alerts.thresholds);
    const { requestId } = subject;
    const reserving = requestId !== undefined && holds.some((hold) => hold.type === 'budget');
    if (reserving) this.#reserving.set(requestId, holds);
    // The worst cases reserved again for attempts after a failed generation (`reserveAgain`), one list each; made only
    // for the rare request that needs it.
    let again: Hold[][] | undefined;
    let settled = false;
    return {
      headers,
      settle: async (actual) => {
        if (settled) return;
        settled = true;
        if (reserving) this.#forget(requestId);
        this.#settling += 1;
        try {
          const failed = actual.failedGenerations ?? [];
          if (failed.length === 0 && again === undefined) await this.#settleOne(holds, this.#awaitExtraGenerations(holds, actual, alertsFrom), alertsFrom);
          else await this.#settleSeveral(holds, again, failed, actual, alertsFrom);
        } finally {
          this.#settling -= 1;
          if (this.#settling === 0) this.#settled?.();
        }
      },
      reserveAgain: async () => {
        if (settled) return;
        const budgets = scopes.flatMap((scope) => (BUDGET_KINDS.some((kind) => scope.settings[kind] !== undefined) ? [budgetsOnly(scope)] : []));
        if (budgets.length === 0) return;
        const taken: Hold[] = [];
        await runSteps(this.#takeAll(budgets, estimate, taken, {}));
        (again ??= []).push(taken);
      },
      reserveMore: async (costUsd) => {
        if (settled || !(costUsd > 0)) return;
        // The latest attempt's spend holds grow: they settle with the request's other costs, or keep them when its
        // cost is never known.
        const latest = again?.at(-1) ?? holds;
        const spends = latest.filter((hold): hold is Extract<Hold, { type: 'budget' }> => hold.type === 'budget' && hold.spend !== undefined);
        if (spends.length > 0) await runSteps(this.#reserveMore(spends, Math.ceil(costUsd * NANO_USD_PER_USD)));
      },
    };
  }

  /** Reserves `amount` (nano-USD) more on each spend hold, all or none; see `Admission.reserveMore`. */
  *#reserveMore(spends: ReadonlyArray<Extract<Hold, { type: 'budget' }>>, amount: number): Steps<void> {
    const taken: Hold[] = [];
    try {
      for (const hold of spends) {
        const spend = hold.spend as SpendOf;
        const limit = toNanoUsd(spend.limitUsd);
        const result = (yield this.backend.reserve(hold.key, amount, limit, hold.periodEnd)) as ConsumeResult;
        if (!result.allowed) throw capRefusal(spend, spend.kind, spend.limitUsd, result.used, amount, hold.periodEnd, 'the next call of its guardrails');
        taken.push({ ...hold, amount });
      }
    } catch (error) {
      yield* this.#release(taken, undefined);
      throw error;
    }
    for (const hold of spends) hold.amount += amount;
  }

  /**
   * Moves the worst case of each of the request's own calls whose cost is not known yet (`ActualUse.extraGenerations`)
   * out of `holds` (the spend holds that carry the request's other costs) into a reservation of its own, kept until
   * `settleCost` brings that call's figures. Answers what the holds settle with: the other costs without them. Runs
   * before anything is awaited, so a call's reservation is waiting before its lookup can come.
   */
  #awaitExtraGenerations(holds: Hold[], actual: ActualUse, alertsFrom: number): ActualUse {
    const generations = actual.extraGenerations;
    if (generations === undefined || generations.length === 0) return actual;
    let awaitedUsd = 0;
    for (const { generationId, worstCaseUsd } of generations) {
      const own: Hold[] = [];
      for (const hold of holds) {
        if (hold.type !== 'budget' || !hold.money) continue;
        // The holds reserved at least what the calls spent; the cap never counts below what they settle with.
        const amount = Math.min(hold.amount, toNanoUsd(worstCaseUsd));
        hold.amount -= amount;
        own.push({ ...hold, amount });
      }
      void this.#awaitCost(own, generationId, alertsFrom);
      awaitedUsd += worstCaseUsd;
    }
    return { ...actual, extraCostUsd: Math.max(0, (actual.extraCostUsd ?? 0) - awaitedUsd) };
  }

  /**
   * Settles a request that may be billed for several generations (see `ActualUse.failedGenerations`), each with its
   * own worst case: the admission's holds and those reserved again for the attempts after a failed one.
   */
  async #settleSeveral(holds: Hold[], again: Hold[][] | undefined, failed: ReadonlyArray<string | null>, actual: ActualUse, alertsFrom: number): Promise<void> {
    // Each generation the request may be billed for takes one worst case, in order: the failed ones first (the
    // admission's own budgets, then those reserved again), the answer's (or the last attempt's) the next one.
    const reserved = [holds.filter((hold) => hold.type === 'budget'), ...(again ?? [])];
    const answers = reserved[failed.length];
    // Without budgets of its own (its last attempt failed), the request's other costs go with that attempt's.
    const known = this.#awaitExtraGenerations(answers ?? reserved[failed.length - 1] ?? [], actual, alertsFrom);
    const extraOf = (index: number) => (answers === undefined && index === failed.length - 1 ? known.extraCostUsd : 0);
    await Promise.all(failed.map((generationId, index) => this.#awaitCost(reserved[index] ?? [], generationId ?? undefined, alertsFrom, extraOf(index))));
    const own = [...holds.filter((hold) => hold.type !== 'budget'), ...(answers ?? [])];
    await this.#settleOne(own, answers ? known : { ...known, extraCostUsd: 0 }, alertsFrom);
    // A worst case reserved for an attempt that never came (none follows a failed last attempt) is given back.
    const unused = reserved.slice(failed.length + 1).flat();
    if (unused.length > 0) await runSteps(this.#release(unused, undefined));
  }

  /**
   * Settles one generation's holds with what the request used (see `Admission.settle`): a known cost (the usual case)
   * without a promise of its own when the backend answers at once.
   */
  #settleOne(holds: Hold[], actual: ActualUse, alertsFrom: number): Awaitable<void> {
    const extra = actual.extraCostUsd ?? 0;
    if (actual.costUsd !== undefined || !actual.mayBeBilled) return runSteps(this.#release(holds, { tokens: actual.tokens, costUsd: (actual.costUsd ?? 0) + extra, alertsFrom }));
    return this.#settleLater(holds, actual, alertsFrom, extra);
  }

  /** Budgets (tokens and money) wait for the real figures; slots and rate windows keep what they took. */
  async #settleLater(holds: Hold[], actual: ActualUse, alertsFrom: number, extra: number): Promise<void> {
    await runSteps(this.#release(holds.filter((hold) => hold.type !== 'budget'), undefined, true));
    await this.#awaitCost(holds.filter((hold) => hold.type === 'budget'), actual.generationId, alertsFrom, extra);
  }

  /**
   * Keeps a generation's budget holds at their worst case until `settleCost` brings its figures (or for good when no
   * generation id names it, or none come within `PENDING_COST_TTL_MS`).
   */
  async #awaitCost(budgets: Hold[], generationId: string | undefined, alertsFrom: number, extraCostUsd = 0): Promise<void> {
    if (budgets.length === 0) return;
    if (generationId === undefined) {
      await runSteps(this.#release(budgets, { tokens: undefined, costUsd: undefined, alertsFrom }));
      return;
    }
    const timer = setTimeout(() => void this.settleCost(generationId, undefined), PENDING_COST_TTL_MS);
    timer.unref();
    this.#pendingCost.set(generationId, { holds: budgets, timer, alertsFrom, extraCostUsd });
  }

  /**
   * Counts one call that is not an AI request (the conversations API) against the caller's rate limits — requests
   * per minute and at once, never spend — whatever the emergency stop says; `release` frees its slot.
   */
  async admitCall(identity: Identity): Promise<{ headers: Record<string, string>; release(): void }> {
    const limits = await (await this.policies()).get(identity.projectId);
    const holds: Hold[] = [];
    const headers: Record<string, string> = {};
    const subject: QuotaSubject = { identity, feature: undefined };
    const rateScopes = applicableScopes(limits.policy, subject).flatMap((scope) => {
      const rates: LimitSettings = { requestsPerMinute: scope.settings.requestsPerMinute, concurrentRequests: scope.settings.concurrentRequests };
      return rates.requestsPerMinute !== undefined || rates.concurrentRequests !== undefined ? [{ ...scope, settings: rates }] : [];
    });
    await runSteps(this.#takeAll(rateScopes, { tokens: 0, costUsd: 0 }, holds, headers));
    let released = false;
    return {
      headers,
      release: () => {
        if (released) return;
        released = true;
        void Promise.resolve()
          .then(() => runSteps(this.#release(holds, undefined, true)))
          .catch(() => undefined);
      },
    };
  }

  /**
   * Settles the spend and tokens a request reserved once its real figures are known (reconciliation); `undefined`
   * keeps the worst case.
   */
  async settleCost(generationId: string, figures: ReconciledUse | undefined): Promise<void> {
    const pending = this.#pendingCost.get(generationId);
    if (!pending) return;
    this.#pendingCost.delete(generationId);
    clearTimeout(pending.timer);
    await runSteps(this.#release(pending.holds, { tokens: figures?.tokens, costUsd: figures && figures.costUsd + pending.extraCostUsd, alertsFrom: pending.alertsFrom }));
  }

  /**
   * Waits for the settlements under way (the last requests'), then settles every spend still waiting for
   * reconciliation at its reserved worst case (on shutdown).
   */
  async close(): Promise<void> {
    // What is held from notes stays at its worst case: the counters' next seed (a new process's first) counts again.
    clearInterval(this.#unreservedPoll);
    this.#unreservedPoll = undefined;
    this.#unreserved.clear();
    if (this.#settling > 0) await new Promise<void>((resolve) => (this.#settled = resolve));
    await Promise.all([...this.#pendingCost.keys()].map((generationId) => this.settleCost(generationId, undefined)));
  }

  /** Where the caller stands against each limit that applies to them. */
  async consumption(subject: QuotaSubject): Promise<LimitStatus[]> {
    const limits = await (await this.policies()).get(subject.identity.projectId);
    const now = this.now();
    const statuses: LimitStatus[] = [];
    const scopes = applicableScopes(limits.policy, subject);
    // What the counters hold once seeded; when the ledger cannot be read, what they hold.
    await this.#seedsOf(scopes, now, limits.version)?.catch(() => undefined);
    for (const scope of scopes) {
      for (const [kind, limit] of Object.entries(scope.settings) as Array<[LimitKind, number | undefined]>) {
        if (limit === undefined) continue;
        const { key, resetsAt, money } = await this.#counter(scope, kind, now);
        const raw = await this.backend.current(key);
        const used = money ? fromNanoUsd(raw) : raw;
        // Counted in nano-dollars, so what is left carries no float noise ($0.0002 − $0.00009855 is 0.00010145).
        const remaining = money ? fromNanoUsd(Math.max(0, toNanoUsd(limit) - raw)) : Math.max(0, limit - used);
        statuses.push({ scope: scope.scope, target: scope.target, kind, limit, used, remaining, resetsAt: new Date(resetsAt).toISOString() });
      }
    }
    return statuses;
  }

  async #counter(scope: Scope, kind: LimitKind, now: number): Promise<{ key: string; resetsAt: number; money: boolean }> {
    switch (kind) {
      case 'requestsPerMinute':
      case 'tokensPerMinute': {
        // A window runs a minute from its first request (not to the clock's next minute); none live, the next starts one.
        const key = scope.keys[kind];
        return { key, resetsAt: (await this.backend.windowEndsAt(key, MINUTE_MS)) ?? now + MINUTE_MS, money: false };
      }
      case 'concurrentRequests':
        return { key: scope.keys[kind], resetsAt: now, money: false };
      default: {
        const { key, period, money } = budgetCounter(scope, kind, now);
        return { key, resetsAt: period.end, money };
      }
    }
  }

  /**
   * Takes what every scope's limits allow, in order, into `holds`; the first refusal gives back what was taken and
   * throws. Steps (`runSteps`): with the in-process backend a request's counters cost no promise each.
   */
  *#takeAll(scopes: readonly Scope[], estimate: QuotaEstimate, holds: Hold[], headers: Record<string, string>): Steps<void> {
    try {
      for (const scope of scopes) yield* this.#take(scope, estimate, holds, headers);
    } catch (error) {
      yield* this.#release(holds, undefined);
      throw error;
    }
  }

  *#take(scope: Scope, estimate: QuotaEstimate, holds: Hold[], headers: Record<string, string>): Steps<void> {
    const now = this.now();
    const { settings } = scope;
    if (settings.requestsPerMinute !== undefined) {
      const key = scope.keys.requestsPerMinute;
      const result = (yield this.backend.consumeWindow(key, 1, settings.requestsPerMinute, MINUTE_MS)) as ConsumeResult;
      const resetSeconds = Math.max(1, Math.ceil((result.resetAt - now) / 1000));
      const remaining = Math.max(0, result.limit - result.used);
      const rateHeaders = () => ({ 'RateLimit-Limit': String(result.limit), 'RateLimit-Remaining': String(remaining), 'RateLimit-Reset': String(resetSeconds), 'RateLimit-Policy': `${result.limit};w=60` });
      if (!result.allowed) {
        throw new GatewayError('rate_limit_exceeded', `Too many requests: ${describeScope(scope)} allows ${settings.requestsPerMinute} per minute. Try again in ${resetSeconds} seconds.`, { retryAfterSeconds: resetSeconds, headers: { ...rateHeaders(), 'RateLimit-Remaining': '0' } });
      }
      holds.push({ type: 'window', key, amount: 1, windowMs: MINUTE_MS, tokens: false });
      // The response reports the scope closest to its limit.
      if (!headers['RateLimit-Remaining'] || remaining < Number(headers['RateLimit-Remaining'])) Object.assign(headers, rateHeaders());
    }
    if (settings.tokensPerMinute !== undefined) {
      const key = scope.keys.tokensPerMinute;
      const result = (yield this.backend.consumeWindow(key, estimate.tokens, settings.tokensPerMinute, MINUTE_MS)) as ConsumeResult;
      if (!result.allowed) {
        const resetSeconds = Math.max(1, Math.ceil((result.resetAt - now) / 1000));
        throw new GatewayError('rate_limit_exceeded', `Too many tokens: ${describeScope(scope)} allows ${settings.tokensPerMinute} tokens per minute (this request may use up to ${estimate.tokens}). Try again in ${resetSeconds} seconds.`, {
          retryAfterSeconds: resetSeconds,
          headers: { 'RateLimit-Limit': String(result.limit), 'RateLimit-Remaining': String(Math.max(0, result.limit - result.used)), 'RateLimit-Reset': String(resetSeconds) },
        });
      }
      holds.push({ type: 'window', key, amount: estimate.tokens, windowMs: MINUTE_MS, tokens: true });
    }
    if (settings.concurrentRequests !== undefined) {
      const key = scope.keys.concurrentRequests;
      const result = (yield this.backend.acquireSlot(key, settings.concurrentRequests, SLOT_TTL_MS)) as ConsumeResult & { slotId: string };
      if (!result.allowed) {
        throw new GatewayError('rate_limit_exceeded', `Too many requests at once: ${describeScope(scope)} allows ${settings.concurrentRequests} at a time. Try again when one finishes.`, { retryAfterSeconds: 1 });
      }
      holds.push({ type: 'slot', key, slotId: result.slotId });
    }
    if (settings.tokensPerDay !== undefined) yield* this.#reserve(scope, 'tokensPerDay', settings.tokensPerDay, estimate.tokens, now, holds);
    if (settings.spendPerDayUsd !== undefined) yield* this.#reserve(scope, 'spendPerDayUsd', settings.spendPerDayUsd, toNanoUsd(estimate.costUsd), now, holds);
    if (settings.spendPerMonthUsd !== undefined) yield* this.#reserve(scope, 'spendPerMonthUsd', settings.spendPerMonthUsd, toNanoUsd(estimate.costUsd), now, holds);
  }

  /** Reserves a request's worst case against one token or spend cap of a scope. */
  *#reserve(scope: Scope, kind: BudgetKind, limit: number, amount: number, now: number, holds: Hold[]): Steps<void> {
    const { key, period, money, spend } = budgetCounter(scope, kind, now);
    const resetsAt = period.end;
    const result = (yield this.backend.reserve(key, amount, money ? toNanoUsd(limit) : limit, resetsAt)) as ConsumeResult;
    if (!result.allowed) throw capRefusal(scope, kind, limit, result.used, amount, resetsAt);
    holds.push({ type: 'budget', key, amount, periodEnd: resetsAt, money, spend });
  }

  /**
   * The seeds the scopes' budget counters need before they count in this process (see `QuotaGuardOptions.spentSince`),
   * all at once: first seeds, and seeds after a recount or a change of the project's limits (to `version`); undefined
   * when there are none to wait for. Refreshes start in the background. Rejects when a first seed could not be read.
   */
  #seedsOf(scopes: readonly Scope[], now: number, version: number): Promise<unknown> | undefined {
    let pending: Array<Promise<void>> | undefined;
    for (const scope of scopes) {
      for (const kind of BUDGET_KINDS) {
        if (scope.settings[kind] === undefined) continue;
        const counter = budgetCounter(scope, kind, now);
        const { seeded } = counter;
        if (now < seeded.until && seeded.recount === this.#recount && seeded.version === version) continue;
        const seed = this.#seed(scope, counter, now, version);
        if (seed) (pending ??= []).push(seed);
      }
      const windows = this.#seedWindows(scope, now);
      if (windows) (pending ??= []).push(windows);
    }
    if (pending === undefined) return undefined;
    return pending.length === 1 ? pending[0] : Promise.all(pending);
  }

  /** Waits `SEED_WAIT_MS` at most for seeds; a first seed not had by then is `onSeedFailure`'s to decide. */
  async #waitForSeeds(seeds: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), SEED_WAIT_MS);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([seeds, late]);
      if (outcome !== 'late') return;
    } catch {
      // Told to `onSeedError` where the seed failed.
    } finally {
      clearTimeout(timer);
    }
    if (this.onSeedFailure === 'fail-open') return;
    throw new GatewayError('service_unavailable', 'Usage limits cannot be checked right now, so the request was not sent. Please try again in a moment.', { retryAfterSeconds: 5 });
  }

  /**
   * Seeds a budget counter with what its scope spent in its period (`QuotaBackend.seedBudget`, which only raises it),
   * asked once per counter and process, again after `seedRefreshMs` in the background, and again after a `recount` or
   * a change of the project's limits. Answers what requests wait for: the first seed (a failed one is asked again after
   * `SEED_RETRY_MS`, until then it answers the failure) and the seed after a recount or a change of limits (whose
   * failure it does not answer: the counter counts on).
   */
  #seed(scope: Scope, counter: BudgetCounter, now: number, version: number): Promise<void> | undefined {
    const known = this.#seedings.get(counter.key);
    const recount = this.#recount;
    if (known?.state === 'done' && now < known.until && known.recount === recount && known.version === version) {
      counter.seeded = known;
      return undefined;
    }
    if (known?.state === 'running' && known.recount === recount && known.version === version) return known.wait;
    if (known?.state === 'failed' && now < known.retryAt) return Promise.reject(known.error);
    // Without a ledger to read, a counter is still seeded (with nothing) after a recount: a shared backend that lost its
    // counters reserves again, with a counter's seed, what this instance's requests in flight held in it.
    const ledger = this.#spentReader(scope, counter.period, now, version);
    const read = ledger ?? (recount > 0 ? nothingSpent : undefined);
    if (read === undefined) {
      counter.seeded = { until: Number.POSITIVE_INFINITY, recount, version };
      return undefined;
    }
    // A seed with no ledger read is never a first seed: its failure refuses no request.
    const first = ledger !== undefined && (known === undefined || known.state === 'failed' || (known.state === 'running' && known.first));
    // The requests in flight its notes name reserved nothing in a counter that starts counting in this process, or under
    // new limits (a cap set again), unless this process's own say otherwise (`#reserving`); after a recount, those held
    // so before may be lost with Redis's data (held again; those still held are not held twice).
    const holdNotes =
      ledger !== undefined &&
      this.endedRequests !== undefined &&
      this.instanceId !== undefined &&
      this.backend.holdUnreserved !== undefined &&
      (first || (known !== undefined && known.state !== 'failed' && (known.version !== version || known.recount !== recount)));
    const seed = (async () => {
      let spent: Spent;
      let unreserved: UnreservedRequest[] | undefined;
      this.#reading += 1;
      try {
        spent = await read();
        if (holdNotes) unreserved = this.#unreservedOf(spent, counter);
      } finally {
        this.#doneReading();
      }
      const unitsOf = (figures: Omit<Spent, 'inFlight' | 'open'>) => (counter.money ? toNanoUsd(figures.costUsd) : Math.round(figures.tokens));
      const inFlight = spent.inFlight && new Map([...spent.inFlight].map(([instanceId, figures]) => [instanceId, unitsOf(figures)]));
      await this.backend.seedBudget(counter.key, unitsOf(spent), counter.period.end, inFlight);
      // After the seed, which counts the ledger without them.
      if (unreserved !== undefined) this.#awaitUnreserved(counter, await (this.backend.holdUnreserved as NonNullable<QuotaBackend['holdUnreserved']>)(counter.key, counter.period.end, version, unreserved));
    })();
    // A periodic refresh is not waited for; one after a recount or a change of limits is, though neither its failure nor
    // its lateness refuses a request: the counter, seeded before, counts on.
    const wait = first ? seed : known === undefined || known.state === 'failed' || known.recount !== recount || known.version !== version ? settledWithin(seed, SEED_WAIT_MS) : undefined;
    // Keys of past periods are never asked for again; past this many the memory starts over.
    if (this.#seedings.size >= SEEDINGS_LIMIT) this.#seedings.clear();
    this.#seedings.set(counter.key, { state: 'running', wait, first, recount, version });
    seed.then(
      () => {
        const done = { state: 'done', until: this.now() + this.seedRefreshMs, recount, version } as const;
        this.#seedings.set(counter.key, done);
        counter.seeded = done;
      },
      (error: unknown) => {
        // A refresh that failed is asked again later; the counter counts on meanwhile.
        this.#seedings.set(counter.key, first ? { state: 'failed', retryAt: this.now() + SEED_RETRY_MS, error } : { state: 'done', until: this.now() + SEED_RETRY_MS, recount, version });
        this.onSeedError(error, 'budget');
      },
    );
    return wait;
  }

  /**
   * The requests in flight by `spent`'s notes that reserved nothing in `counter`, at their worst case in its units:
   * another instance's all (the backend checks whether that instance reserved there), this process's those whose
   * admission holds no reservation in it.
   */
  #unreservedOf(spent: Spent, counter: BudgetCounter): UnreservedRequest[] {
    const unreserved: UnreservedRequest[] = [];
    for (const { requestId, instanceId, tokens, costUsd } of spent.open ?? []) {
      const amount = counter.money ? toNanoUsd(costUsd) : Math.round(tokens);
      if (!(amount > 0)) continue;
      if (instanceId !== this.instanceId) unreserved.push({ requestId, amount, instanceId });
      else if (!this.#reserving.get(requestId)?.some((hold) => hold.type === 'budget' && hold.key === counter.key)) unreserved.push({ requestId, amount });
    }
    return unreserved;
  }

  /** A request settled: forgotten by `#reserving`, once no seed is reading the ledger (whose notes may still name it). */
  #forget(requestId: string): void {
    // Past the bound (a read of the ledger that hangs), forgotten at once: a seed may then count one that reserved in
    // its counter twice (too strict, never looser).
    if (this.#reading === 0 || this.#settledWhileReading.length >= SEEDINGS_LIMIT) this.#reserving.delete(requestId);
    else this.#settledWhileReading.push(requestId);
  }

  #doneReading(): void {
    this.#reading -= 1;
    if (this.#reading > 0) return;
    for (const requestId of this.#settledWhileReading) this.#reserving.delete(requestId);
    this.#settledWhileReading.length = 0;
  }

  /** Asks every `UNRESERVED_POLL_MS` whether the requests held in `counter` from their notes ended (see `#settleUnreserved`). */
  #awaitUnreserved(counter: BudgetCounter, held: ReadonlyMap<string, number>): void {
    if (held.size === 0) return;
    const known = this.#unreserved.get(counter.key);
    if (known === undefined) this.#unreserved.set(counter.key, { periodEnd: counter.period.end, money: counter.money, pending: new Map(held) });
    else for (const [requestId, amount] of held) known.pending.set(requestId, amount);
    if (this.#unreservedPoll !== undefined) return;
    this.#unreservedPoll = setInterval(() => void this.#settleUnreserved(), UNRESERVED_POLL_MS);
    this.#unreservedPoll.unref();
  }

  /**
   * Counts what each request held from its notes cost, once its record is written (at its worst case when it left
   * neither note nor record); a failed read or settlement is tried again with the next round.
   */
  async #settleUnreserved(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const ids = new Set<string>();
      for (const { pending } of this.#unreserved.values()) for (const requestId of pending.keys()) ids.add(requestId);
      const ended = await (this.endedRequests as NonNullable<QuotaGuardOptions['endedRequests']>)([...ids]);
      for (const [key, { periodEnd, money, pending }] of this.#unreserved) {
        const settled: Array<{ requestId: string; actual: number }> = [];
        for (const [requestId, amount] of pending) {
          const figures = ended.get(requestId);
          if (figures === null) continue;
          settled.push({ requestId, actual: figures === undefined ? amount : money ? toNanoUsd(figures.costUsd) : Math.round(figures.tokens) });
        }
        if (settled.length > 0) await this.backend.settleUnreserved?.(key, periodEnd, settled);
        for (const { requestId } of settled) pending.delete(requestId);
        if (pending.size === 0) this.#unreserved.delete(key);
      }
    } catch (error) {
      this.onSeedError(error, 'budget');
    } finally {
      this.#polling = false;
      if (this.#unreserved.size === 0) {
        clearInterval(this.#unreservedPoll);
        this.#unreservedPoll = undefined;
      }
    }
  }

  /**
   * Seeds a scope's per-minute windows from its requests of the last minute (`requestsSince`), once, within a minute of
   * a `recount` that may have lost them; each window then holds what its requests took until a minute after the
   * earliest of them (a window starts with its first request, so it ends no later than that). Answers what requests
   * wait for (`SEED_WAIT_MS` at most; a failed read leaves the windows as they are, told to `onSeedError`).
   */
  #seedWindows(scope: Scope, now: number): Promise<void> | undefined {
    const { requestsPerMinute, tokensPerMinute } = scope.settings;
    if ((requestsPerMinute === undefined && tokensPerMinute === undefined) || now >= this.#windowsLostAt + MINUTE_MS) return undefined;
    if (this.#windowSeeds.has(scope.base)) return this.#windowSeeds.get(scope.base);
    const seed = (async () => {
      const recent = await this.#recentRequests(scope.projectId, now);
      const use = scope.scope === 'project' ? recent.project : scope.target === null ? undefined : (scope.scope === 'feature' ? recent.features : recent.callers).get(scope.target);
      if (use === undefined || use.requests === 0) return;
      const endsAt = use.firstAt + MINUTE_MS;
      const seeds: Array<Awaitable<void>> = [];
      if (requestsPerMinute !== undefined) seeds.push(this.backend.seedWindow(scope.keys.requestsPerMinute, use.requests, MINUTE_MS, endsAt));
      if (tokensPerMinute !== undefined) seeds.push(this.backend.seedWindow(scope.keys.tokensPerMinute, Math.round(use.tokens), MINUTE_MS, endsAt));
      await Promise.all(seeds);
    })();
    seed.catch((error: unknown) => this.onSeedError(error, 'windows'));
    const wait = settledWithin(seed, SEED_WAIT_MS);
    // Read again only after the next recount (which clears them), whether it was had or not: windows last a minute.
    this.#windowSeeds.set(scope.base, wait);
    void wait.then(() => {
      if (this.#windowSeeds.get(scope.base) === wait) this.#windowSeeds.set(scope.base, undefined);
    });
    return wait;
  }

  /** A project's requests of the last minute, read once for all its scopes whose windows are seeded within a second. */
  #recentRequests(projectId: string, now: number): Promise<RecentRequests> {
    const requestsSince = this.requestsSince as NonNullable<QuotaGuardOptions['requestsSince']>;
    const known = this.#recentReads.get(projectId);
    if (known !== undefined && now - known.readAt < RECENT_READ_REUSE_MS) return known.reading;
    const read = { readAt: now, reading: requestsSince(projectId, now - MINUTE_MS) };
    this.#recentReads.set(projectId, read);
    // A failed read is not kept: the next scope reads again.
    read.reading.catch(() => {
      if (this.#recentReads.get(projectId) === read) this.#recentReads.delete(projectId);
    });
    return read.reading;
  }

  /** How to read what a scope spent in a period from the ledger; undefined when the guard was given no way to. */
  #spentReader(scope: Scope, period: Period, now: number, version: number): (() => Promise<Spent>) | undefined {
    const { projectId, target } = scope;
    if (scope.scope !== 'user') {
      const spentSince = this.spentSince;
      return spentSince && (() => spentSince(target === null ? { projectId } : { projectId, feature: target }, period.start));
    }
    const spentByCallerSince = this.spentByCallerSince;
    if (spentByCallerSince === undefined || target === null) return undefined;
    return async () => {
      const id = `${projectId} ${period.id}`;
      let callers = this.#callers.get(id);
      if (callers === undefined || now >= callers.readAt + this.seedRefreshMs || callers.recount !== this.#recount || callers.version !== version) {
        // Past periods are never asked for again: their reads go when a new one comes.
        for (const [known, { end }] of this.#callers) if (end <= period.start) this.#callers.delete(known);
        if (this.#callers.size >= CALLER_READS_LIMIT) this.#callers.clear();
        const read = { end: period.end, readAt: now, recount: this.#recount, version, reading: spentByCallerSince(projectId, period.start) };
        this.#callers.set(id, read);
        // A failed read is not kept: the next seed reads again.
        read.reading.catch(() => {
          if (this.#callers.get(id) === read) this.#callers.delete(id);
        });
        callers = read;
      }
      return (await callers.reading).get(target) ?? { tokens: 0, costUsd: 0 };
    };
  }

  /**
   * Gives back what was taken: all of it on a refusal (`actual` undefined), the unused part after a request. An
   * unknown figure (`tokens` or `costUsd` undefined) keeps the amount reserved; `keepWindows` keeps rate windows whole.
   */
  *#release(holds: Hold[], actual: Release | undefined, keepWindows = false): Steps<void> {
    // Every hold is given back at once (with Redis, one round trip's wait for all), then the spend totals are read.
    const answers = holds.map((hold) => this.#giveBack(hold, actual, keepWindows));
    const totals = answers.some(isPending) ? ((yield Promise.all(answers)) as unknown[]) : answers;
    if (actual === undefined || this.onSpend === undefined) return;
    for (let index = 0; index < holds.length; index += 1) {
      const hold = holds[index] as Hold;
      const total = totals[index];
      if (hold.type === 'budget' && hold.spend && typeof total === 'number') this.onSpend(spendReport(hold.spend, fromNanoUsd(total), actual.alertsFrom));
    }
  }

  /** Gives back one hold (see `#release`); a budget's answer is its new total. */
  #giveBack(hold: Hold, actual: Release | undefined, keepWindows: boolean): Awaitable<unknown> {
    if (hold.type === 'slot') return this.backend.releaseSlot(hold.key, hold.slotId);
    if (hold.type === 'window') {
      if (keepWindows) return undefined;
      const used = actual === undefined ? 0 : hold.tokens ? (actual.tokens ?? hold.amount) : hold.amount;
      return used < hold.amount ? this.backend.refundWindow(hold.key, hold.amount - used, hold.windowMs) : undefined;
    }
    const known = hold.money ? actual?.costUsd : actual?.tokens;
    const real = actual === undefined ? 0 : known === undefined ? hold.amount : hold.money ? toNanoUsd(known) : known;
    // The total comes from the settle itself, for the hold's own period even when the request outlived it.
    return this.backend.settle(hold.key, hold.amount, real, hold.periodEnd);
  }
}

/**
 * The 402 of a token or spend cap that has no room for `amount` (tokens, or nano-USD) more: reached, or only too small
 * for it, which it says, since a smaller request would pass. `more` names what asked for more than the request's worst
 * case, when something did.
 */
function capRefusal(scope: Pick<Scope, 'scope' | 'target'>, kind: BudgetKind, limit: number, used: number, amount: number, resetsAt: number, more?: string): GatewayError {
  const money = kind !== 'tokensPerDay';
  const reset = new Date(resetsAt).toISOString();
  const period = kind === 'spendPerMonthUsd' ? 'monthly' : 'daily';
  const cap = money ? `The ${period} spending limit of ${usd(limit)} for ${describeScope(scope)}` : `The daily token limit of ${limit} for ${describeScope(scope)}`;
  const capUnits = money ? toNanoUsd(limit) : limit;
  const message =
    used >= capUnits
      ? `${cap} is reached; it resets at ${reset}.`
      : more !== undefined
        ? `${cap} has ${usd(fromNanoUsd(capUnits - used))} left, too little for ${more} (up to ${usd(fromNanoUsd(amount))}). It resets at ${reset}.`
        : money
          ? `${cap} has ${usd(fromNanoUsd(capUnits - used))} left, and this request may cost up to ${usd(fromNanoUsd(amount))} (its worst case until its cost is known; lower max_tokens to ask for less). It resets at ${reset}.`
          : `${cap} has ${capUnits - used} tokens left, and this request may use up to ${amount} (lower max_tokens to ask for less). It resets at ${reset}.`;
  return new GatewayError('quota_exceeded', message, { headers: { 'X-Quota-Limit': `${kind}=${limit}`, 'X-Quota-Reset': reset } });
}

const nothingSpent = async (): Promise<Spent> => ({ tokens: 0, costUsd: 0 });

/** Resolves once `work` settles (either way) or `ms` passed, whichever comes first. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });
}

/** A scope with its token and spend caps only: what `reserveAgain` takes once more. */
function budgetsOnly(scope: Scope): Scope {
  const { tokensPerDay, spendPerDayUsd, spendPerMonthUsd } = scope.settings;
  return { ...scope, settings: { tokensPerDay, spendPerDayUsd, spendPerMonthUsd } };
}

/** Scopes derived from a frozen policy (`freezePolicy`, as the stored limits are), by subject. */
const scopeCache = new WeakMap<LimitPolicy, Map<string, Scope[]>>();
/** Subjects remembered per policy; past it the memory starts over (many users each sending once). */
const SCOPE_CACHE_LIMIT = 10_000;

/**
 * The project's limits, the feature's, and the user's (their override, else the default for every user). A policy
 * that may still change in place (a host's own object in `MemoryLimitPolicySource`) is read anew every time.
 */
function applicableScopes(policy: LimitPolicy, subject: QuotaSubject): Scope[] {
  const user = limitsCallerOf(subject.identity.userId, subject.identity.clientKeyId || undefined);
  if (!Object.isFrozen(policy)) return scopesOf(policy, subject.identity.projectId, subject.feature, user);
  const key = JSON.stringify([subject.identity.projectId, subject.feature ?? null, user ?? null]);
  let bySubject = scopeCache.get(policy);
  if (!bySubject) scopeCache.set(policy, (bySubject = new Map()));
  let scopes = bySubject.get(key);
  if (!scopes) {
    if (bySubject.size >= SCOPE_CACHE_LIMIT) bySubject.clear();
    scopes = scopesOf(policy, subject.identity.projectId, subject.feature, user);
    bySubject.set(key, scopes);
  }
  return scopes;
}

function scopesOf(policy: LimitPolicy, projectId: string, feature: string | undefined, user: string | undefined): Scope[] {
  const scopeOf = (scope: Scope['scope'], target: string | null, settings: LimitSettings): Scope => {
    const base = `q:${projectId}:${target === null ? scope : `${scope}:${target}`}`;
    return { scope, target, projectId, settings, base, keys: { requestsPerMinute: `${base}:rpm`, tokensPerMinute: `${base}:tpm`, concurrentRequests: `${base}:concurrent` }, budgets: {} };
  };
  const scopes: Scope[] = [scopeOf('project', null, policy.project)];
  // Own properties only: a name like `constructor` or `__proto__` must not read what every object inherits.
  const featureSettings = feature === undefined || !Object.hasOwn(policy.features, feature) ? undefined : policy.features[feature];
  if (feature !== undefined && featureSettings) scopes.push(scopeOf('feature', feature, featureSettings));
  if (user !== undefined) {
    const settings = (Object.hasOwn(policy.users.overrides, user) ? policy.users.overrides[user] : undefined) ?? policy.users.default;
    scopes.push(scopeOf('user', user, settings));
  }
  return scopes.filter((scope) => Object.values(scope.settings).some((value) => value !== undefined));
}

/** A scope's budget counter of `kind` for the period `now` falls in: the one built before while the period lasts. */
function budgetCounter(scope: Scope, kind: BudgetKind, now: number): BudgetCounter {
  const period = kind === 'spendPerMonthUsd' ? monthPeriod(now) : dayPeriod(now);
  const known = scope.budgets[kind];
  // The period functions hand out the same object all period long.
  if (known?.period === period) return known;
  const money = kind !== 'tokensPerDay';
  const limitUsd = scope.settings[kind];
  const counter: BudgetCounter = {
    key: `${scope.base}:${money ? 'spend' : 'tokens'}:${period.id}`,
    period,
    money,
    spend: kind === 'tokensPerDay' || limitUsd === undefined ? undefined : { projectId: scope.projectId, scope: scope.scope, target: scope.target, kind, limitUsd, period: period.id, periodEnd: period.end },
    seeded: NOT_SEEDED,
  };
  scope.budgets[kind] = counter;
  return counter;
}
