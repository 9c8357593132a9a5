import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { limitsCallerOf } from '../auth/owner.js';
import type { RecentRequests, RequestsUse } from '../limits/quota-guard.js';
import type { Database, UsageRecordTable } from '../store/schema.js';
import type { GuardrailDecision } from './usage-record.js';

export type UsageStatus = UsageRecordTable['status'];
export const USAGE_STATUSES = ['ok', 'error', 'cancelled', 'rejected'] as const satisfies readonly UsageStatus[];

/** Which records a query reads: one project, optionally a period `[from, to)` (epoch ms) and exact matches. */
export interface UsageFilter {
  projectId: string;
  from?: number | undefined;
  to?: number | undefined;
  feature?: string | undefined;
  /** The served model, or the requested one when nothing was served. */
  model?: string | undefined;
  userId?: string | undefined;
  status?: UsageStatus | undefined;
}

/** Whose spend a budget counts: a project, or one of its features (callers: `spentByCallerSince`). */
export interface SpendScope {
  projectId: string;
  feature?: string | undefined;
}

/** What a request in flight holds at its worst case, by its note. */
export interface OpenRequestFigures {
  requestId: string;
  instanceId: string;
  tokens: number;
  costUsd: number;
}

/**
 * What a scope spent (tokens, USD), and what its requests in flight hold at their worst case: by gateway instance, and
 * one by one.
 */
export interface SpentFigures {
  tokens: number;
  costUsd: number;
  inFlight: Map<string, { tokens: number; costUsd: number }>;
  open: OpenRequestFigures[];
}

/** How many ids one read of `UsageQuery.endedRequests` names. */
const ENDED_REQUESTS_PER_READ = 500;

type SpentRow = { request_id: string | null; instance_id: string | null; tokens: number | string | null; cost_usd: number | string | null };

/** Adds a row of records (no instance) or a note of a request in flight (its instance's) to `into`. */
function addSpent(into: SpentFigures, row: SpentRow): void {
  const tokens = Number(row.tokens ?? 0);
  const costUsd = Number(row.cost_usd ?? 0);
  const instanceId = row.instance_id;
  if (instanceId === null) {
    into.tokens += tokens;
    into.costUsd += costUsd;
    return;
  }
  if (row.request_id !== null) into.open.push({ requestId: row.request_id, instanceId, tokens, costUsd });
  const known = into.inFlight.get(instanceId);
  if (known === undefined) {
    if (tokens > 0 || costUsd > 0) into.inFlight.set(instanceId, { tokens, costUsd });
  } else {
    known.tokens += tokens;
    known.costUsd += costUsd;
  }
}

function addUse(into: RequestsUse, use: RequestsUse): void {
  into.requests += use.requests;
  into.tokens += use.tokens;
  into.firstAt = Math.min(into.firstAt, use.firstAt);
}

/** One record as the API and the CLI show it; times are epoch milliseconds. */
export interface UsageEntry {
  id: string;
  endpoint: UsageRecordTable['endpoint'];
  feature: string | null;
  userId: string | null;
  clientKeyId: string | null;
  requestedModel: string;
  servedModel: string | null;
  provider: string | null;
  generationId: string | null;
  status: UsageStatus;
  streamed: boolean;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  imageCount: number | null;
  imageResolution: string | null;
  costUsd: number;
  costSource: UsageRecordTable['cost_source'];
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  errorCode: string | null;
  cacheHit: boolean;
  /** For a cache hit: what the answer cost when it was generated. */
  costSavedUsd: number | null;
  /** The guardrails that blocked or redacted the request. */
  guardrails: GuardrailDecision[];
  guardrailCostUsd: number | null;
  attempts: number;
  createdAt: number;
  reconciledAt: number | null;
}

/** The position after a page: the last entry's time and id. */
export interface UsageCursor {
  createdAt: number;
  id: string;
}

export type UsageDimension = 'day' | 'model' | 'feature' | 'user';
export const USAGE_DIMENSIONS = ['day', 'model', 'feature', 'user'] as const satisfies readonly UsageDimension[];

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  costUsd: number;
  /** Requests with status `error`; `cancelled` and `rejected` are counted apart. */
  errors: number;
  cancelled: number;
  rejected: number;
  /** Requests whose cost is our estimate (not yet, or never, confirmed by OpenRouter). */
  estimatedCosts: number;
  /** Requests answered from the response cache (or by an identical request in flight), at no cost. */
  cacheHits: number;
  /** `cacheHits` over the requests that were answered (status `ok`); 0 when none were. */
  cacheHitRate: number;
  /** What the cache hits would have cost. */
  costSavedUsd: number;
  /** Requests a guardrail refused. */
  guardrailBlocks: number;
  /** What the guardrails' own model calls (moderation) cost, besides `costUsd`. */
  guardrailCostUsd: number;
  /** Latency percentiles (nearest rank) over successful requests; null when there were none. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** One group of a summary: the totals plus the value of each dimension it is grouped by (`day` as `YYYY-MM-DD`). */
/** `model` is the served model, null for requests no model answered. */
export type UsageGroup = UsageTotals & { day?: string; model?: string | null; feature?: string | null; user?: string | null };

export interface UsageSummary {
  totals: UsageTotals;
  groups: UsageGroup[];
}

const DAY_MS = 86_400_000;

const DIMENSION_SQL: Record<UsageDimension, RawBuilder<unknown>> = {
  day: sql`(created_at / ${sql.lit(DAY_MS)})`,
  // Only a served model: a request refused or failed before any model answered has no model (null, "not served"),
  // while its requested model may name a feature or a model that never ran.
  model: sql.ref('served_model'),
  feature: sql.ref('feature'),
  user: sql.ref('user_id'),
};

type AggregateRow = Record<string, unknown> & {
  requests: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  errors: number | null;
  cancelled: number | null;
  rejected: number | null;
  estimated: number | null;
  cache_hits: number | null;
  answered: number | null;
  cost_saved_usd: number | null;
  guardrail_blocks: number | null;
  guardrail_cost_usd: number | null;
};
type PercentileRow = Record<string, unknown> & { p50: number | null; p95: number | null };

/**
 * Reads the usage ledger: pages of records newest first, every matching record for export, and summaries
 * grouped by day, model, feature and user. The same SQL runs on SQLite and Postgres (percentiles with window
 * functions, which both have).
 * @example
 * const summary = await new UsageQuery(db).summarize({ projectId: 'default', from: Date.now() - 7 * 86_400_000 }, ['feature', 'model']);
 */
export class UsageQuery {
  constructor(private readonly db: Kysely<Database>) {}

  async list(filter: UsageFilter, page: { limit?: number; before?: UsageCursor | undefined } = {}): Promise<{ entries: UsageEntry[]; next: UsageCursor | null }> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 1_000);
    let query = this.db.selectFrom('usage_records').selectAll().where(conditions(filter));
    const cursor = page.before;
    if (cursor) query = query.where((eb) => eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const entries = rows.slice(0, limit).map(toEntry);
    const last = entries.at(-1);
    return { entries, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }

  /**
   * What a budget's scope spent since `from` (epoch ms): tokens (prompt + completion) and cost in USD, as the limits
   * count them; and apart, what its requests still in flight (their notes in `open_requests`) hold at their worst case,
   * by the gateway instance that holds them, and one by one. One read: a request is either in flight or recorded in it.
   */
  async spentSince(scope: SpendScope, from: number): Promise<SpentFigures> {
    const feature = scope.feature === undefined ? sql`` : sql` and feature = ${scope.feature}`;
    const { rows } = await sql<SpentRow>`
      select null as request_id, null as instance_id, sum(prompt_tokens + completion_tokens) as tokens, sum(cost_usd + coalesce(guardrail_cost_usd, 0)) as cost_usd
      from usage_records where project_id = ${scope.projectId} and created_at >= ${from}${feature}
      union all
      select id as request_id, instance_id, worst_case_prompt_tokens + worst_case_completion_tokens as tokens, worst_case_usd as cost_usd
      from open_requests where project_id = ${scope.projectId} and started_at >= ${from}${feature}`.execute(this.db);
    const spent: SpentFigures = { tokens: 0, costUsd: 0, inFlight: new Map(), open: [] };
    for (const row of rows) addSpent(spent, row);
    return spent;
  }

  /**
   * What each caller of a project spent since `from` (epoch ms), in one read, by caller as the limits name them
   * (`limitsCallerOf`: the user id, or `key:<id>` for a client key's calls without a user), each with its requests in flight apart (see
   * `spentSince`). Callers who spent nothing and have nothing in flight are left out.
   */
  async spentByCallerSince(projectId: string, from: number): Promise<Map<string, SpentFigures>> {
    const { rows } = await sql<SpentRow & { user_id: string | null; client_key_id: string | null }>`
      select null as request_id, null as instance_id, user_id, client_key_id, sum(prompt_tokens + completion_tokens) as tokens, sum(cost_usd + coalesce(guardrail_cost_usd, 0)) as cost_usd
      from usage_records where project_id = ${projectId} and created_at >= ${from} and (user_id is not null or client_key_id is not null)
      group by user_id, client_key_id
      union all
      select id as request_id, instance_id, user_id, client_key_id, worst_case_prompt_tokens + worst_case_completion_tokens as tokens, worst_case_usd as cost_usd
      from open_requests where project_id = ${projectId} and started_at >= ${from} and (user_id is not null or client_key_id is not null)`.execute(this.db);
    const spent = new Map<string, SpentFigures>();
    for (const row of rows) {
      const caller = limitsCallerOf(row.user_id, row.client_key_id);
      if (caller === undefined) continue;
      let known = spent.get(caller);
      if (known === undefined) spent.set(caller, (known = { tokens: 0, costUsd: 0, inFlight: new Map(), open: [] }));
      addSpent(known, row);
    }
    for (const [caller, known] of spent) if (known.tokens <= 0 && known.costUsd <= 0 && known.inFlight.size === 0) spent.delete(caller);
    return spent;
  }

  /**
   * Which of these requests ended, with what each cost as its record holds it (tokens as the limits count them, USD with
   * its guardrails' calls); `null` for one still in flight (its note is there). Each id's note and record are read in
   * one query, as a record is written in the same step that removes its note; the ids are read 500 at a time, as a
   * database caps the parameters of one query (SQLite 32,766, Postgres 65,535). A request with neither is left out.
   */
  async endedRequests(requestIds: readonly string[]): Promise<Map<string, { tokens: number; costUsd: number } | null>> {
    const ended = new Map<string, { tokens: number; costUsd: number } | null>();
    for (let start = 0; start < requestIds.length; start += ENDED_REQUESTS_PER_READ) {
      const ids = sql.join(requestIds.slice(start, start + ENDED_REQUESTS_PER_READ).map((id) => sql`${id}`));
      const { rows } = await sql<{ id: string; open: number | string; tokens: number | string | null; cost_usd: number | string | null }>`
        select id, 1 as open, null as tokens, null as cost_usd from open_requests where id in (${ids})
        union all
        select id, 0 as open, prompt_tokens + completion_tokens as tokens, cost_usd + coalesce(guardrail_cost_usd, 0) as cost_usd
        from usage_records where id in (${ids})`.execute(this.db);
      // A record wins over a note: a note written late (Postgres writes notes in the next turn) can outlive its record.
      for (const row of rows) {
        if (Number(row.open) === 0) ended.set(row.id, { tokens: Number(row.tokens ?? 0), costUsd: Number(row.cost_usd ?? 0) });
        else if (!ended.has(row.id)) ended.set(row.id, null);
      }
    }
    return ended;
  }

  /**
   * What a project's admitted requests took since `from` (epoch ms), for its rate windows: every record but those
   * refused before they were admitted (`rejected`), at its tokens, and every request still in flight (its note in
   * `open_requests`) at its worst case, in one read, by feature and by caller (see `spentByCallerSince`), each with
   * the time of its earliest request.
   */
  async requestsSince(projectId: string, from: number): Promise<RecentRequests> {
    const { rows } = await sql<{ feature: string | null; user_id: string | null; client_key_id: string | null; requests: number | string; tokens: number | string | null; first_at: number | string }>`
      select feature, user_id, client_key_id, count(*) as requests, sum(prompt_tokens + completion_tokens) as tokens, min(created_at) as first_at
      from usage_records where project_id = ${projectId} and created_at >= ${from} and status <> 'rejected'
      group by feature, user_id, client_key_id
      union all
      select feature, user_id, client_key_id, count(*) as requests, sum(worst_case_prompt_tokens + worst_case_completion_tokens) as tokens, min(started_at) as first_at
      from open_requests where project_id = ${projectId} and started_at >= ${from}
      group by feature, user_id, client_key_id`.execute(this.db);
    const project: RequestsUse = { requests: 0, tokens: 0, firstAt: Number.POSITIVE_INFINITY };
    const features = new Map<string, RequestsUse>();
    const callers = new Map<string, RequestsUse>();
    const add = (into: Map<string, RequestsUse>, name: string, use: RequestsUse) => {
      const known = into.get(name);
      if (known === undefined) into.set(name, { ...use });
      else addUse(known, use);
    };
    for (const row of rows) {
      const use = { requests: Number(row.requests), tokens: Number(row.tokens ?? 0), firstAt: Number(row.first_at) };
      addUse(project, use);
      if (row.feature !== null) add(features, row.feature, use);
      const caller = limitsCallerOf(row.user_id, row.client_key_id);
      if (caller !== undefined) add(callers, caller, use);
    }
    return { project, features, callers };
  }

  /** Every matching record, newest first, read a page at a time (for CSV export of any size). */
  async *entries(filter: UsageFilter, pageSize = 1_000): AsyncGenerator<UsageEntry> {
    let before: UsageCursor | undefined;
    for (;;) {
      const page = await this.list(filter, { limit: pageSize, before });
      yield* page.entries;
      if (!page.next) return;
      before = page.next;
    }
  }

  async summarize(filter: UsageFilter, groupBy: readonly UsageDimension[] = []): Promise<UsageSummary> {
    const dimensions = [...new Set(groupBy)];
    const [totals] = await this.#groups(filter, []);
    const groups = dimensions.length > 0 ? await this.#groups(filter, dimensions) : [];
    if (dimensions.includes('day')) groups.sort((a, b) => (a.day ?? '').localeCompare(b.day ?? ''));
    else groups.sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests);
    return { totals: totals ?? emptyTotals(), groups };
  }

  async #groups(filter: UsageFilter, dimensions: readonly UsageDimension[]): Promise<UsageGroup[]> {
    const where = conditions(filter);
    const keys = dimensions.map((dimension, index) => sql`${DIMENSION_SQL[dimension]} as ${sql.ref(`d${index}`)}`);
    const keyList = (items: readonly RawBuilder<unknown>[]) => (items.length > 0 ? sql`${sql.join(items)}, ` : sql``);
    const groupBy = dimensions.length > 0 ? sql`group by ${sql.join(dimensions.map((dimension) => DIMENSION_SQL[dimension]))}` : sql``;
    const aggregates = await sql<AggregateRow>`
      select ${keyList(keys)}
        count(*) as requests,
        sum(prompt_tokens) as prompt_tokens,
        sum(completion_tokens) as completion_tokens,
        sum(reasoning_tokens) as reasoning_tokens,
        sum(cost_usd) as cost_usd,
        sum(case when status = 'error' then 1 else 0 end) as errors,
        sum(case when status = 'cancelled' then 1 else 0 end) as cancelled,
        sum(case when status = 'rejected' then 1 else 0 end) as rejected,
        sum(case when cost_source = 'estimated' then 1 else 0 end) as estimated,
        sum(cache_hit) as cache_hits,
        sum(case when status = 'ok' then 1 else 0 end) as answered,
        sum(cost_saved_usd) as cost_saved_usd,
        sum(case when error_code = 'content_policy_violation' and guardrail_decisions is not null then 1 else 0 end) as guardrail_blocks,
        sum(guardrail_cost_usd) as guardrail_cost_usd
      from usage_records where ${where} ${groupBy}`.execute(this.db);
    // Nearest-rank percentiles: the value at rank ceil(p × n), in integer arithmetic both databases share.
    const partition = dimensions.length > 0 ? sql`partition by ${sql.join(dimensions.map((dimension) => DIMENSION_SQL[dimension]))}` : sql``;
    const outerKeys = dimensions.map((_, index) => sql.ref(`d${index}`));
    const percentiles = await sql<PercentileRow>`
      select ${keyList(outerKeys)}
        max(case when rank_in_group = (group_size + 1) / 2 then latency_ms end) as p50,
        max(case when rank_in_group = (95 * group_size + 99) / 100 then latency_ms end) as p95
      from (
        select ${keyList(keys)} latency_ms,
          row_number() over (${partition} order by latency_ms) as rank_in_group,
          count(*) over (${partition}) as group_size
        from usage_records where ${where} and status = 'ok'
      ) ranked
      ${outerKeys.length > 0 ? sql`group by ${sql.join(outerKeys)}` : sql``}`.execute(this.db);
    const keyOf = (row: Record<string, unknown>) => JSON.stringify(dimensions.map((_, index) => row[`d${index}`] ?? null));
    const latency = new Map(percentiles.rows.map((row) => [keyOf(row), row]));
    return aggregates.rows.map((row) => {
      const p = latency.get(keyOf(row));
      const group: UsageGroup = {
        requests: Number(row.requests),
        promptTokens: Number(row.prompt_tokens ?? 0),
        completionTokens: Number(row.completion_tokens ?? 0),
        reasoningTokens: Number(row.reasoning_tokens ?? 0),
        totalTokens: Number(row.prompt_tokens ?? 0) + Number(row.completion_tokens ?? 0),
        costUsd: Number(row.cost_usd ?? 0),
        errors: Number(row.errors ?? 0),
        cancelled: Number(row.cancelled ?? 0),
        rejected: Number(row.rejected ?? 0),
        estimatedCosts: Number(row.estimated ?? 0),
        cacheHits: Number(row.cache_hits ?? 0),
        cacheHitRate: Number(row.answered ?? 0) === 0 ? 0 : Number(row.cache_hits ?? 0) / Number(row.answered),
        costSavedUsd: Number(row.cost_saved_usd ?? 0),
        guardrailBlocks: Number(row.guardrail_blocks ?? 0),
        guardrailCostUsd: Number(row.guardrail_cost_usd ?? 0),
        latencyP50Ms: p?.p50 === null || p?.p50 === undefined ? null : Number(p.p50),
        latencyP95Ms: p?.p95 === null || p?.p95 === undefined ? null : Number(p.p95),
      };
      dimensions.forEach((dimension, index) => {
        const value = row[`d${index}`];
        if (dimension === 'day') group.day = new Date(Number(value) * DAY_MS).toISOString().slice(0, 10);
        else group[dimension] = value === null || value === undefined ? null : String(value);
      });
      return group;
    });
  }
}

function emptyTotals(): UsageTotals {
  return { requests: 0, promptTokens: 0, completionTokens: 0, reasoningTokens: 0, totalTokens: 0, costUsd: 0, errors: 0, cancelled: 0, rejected: 0, estimatedCosts: 0, cacheHits: 0, cacheHitRate: 0, costSavedUsd: 0, guardrailBlocks: 0, guardrailCostUsd: 0, latencyP50Ms: null, latencyP95Ms: null };
}

/** The filter as one SQL condition (the same for the query builder and the raw summary queries). */
function conditions(filter: UsageFilter): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [sql`project_id = ${filter.projectId}`];
  if (filter.from !== undefined) parts.push(sql`created_at >= ${filter.from}`);
  if (filter.to !== undefined) parts.push(sql`created_at < ${filter.to}`);
  if (filter.feature !== undefined) parts.push(sql`feature = ${filter.feature}`);
  if (filter.model !== undefined) parts.push(sql`coalesce(served_model, requested_model) = ${filter.model}`);
  if (filter.userId !== undefined) parts.push(sql`user_id = ${filter.userId}`);
  if (filter.status !== undefined) parts.push(sql`status = ${filter.status}`);
  return sql<boolean>`(${sql.join(parts, sql` and `)})`;
}

function toEntry(row: Selectable<UsageRecordTable>): UsageEntry {
  return {
    id: row.id,
    endpoint: row.endpoint,
    feature: row.feature,
    userId: row.user_id,
    clientKeyId: row.client_key_id,
    requestedModel: row.requested_model,
    servedModel: row.served_model,
    provider: row.provider,
    generationId: row.generation_id,
    status: row.status,
    streamed: row.streamed === 1,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    reasoningTokens: row.reasoning_tokens,
    imageCount: row.image_count,
    imageResolution: row.image_resolution,
    costUsd: row.cost_usd,
    costSource: row.cost_source,
    latencyMs: row.latency_ms,
    timeToFirstTokenMs: row.time_to_first_token_ms,
    errorCode: row.error_code,
    cacheHit: row.cache_hit === 1,
    costSavedUsd: row.cost_saved_usd,
    guardrails: row.guardrail_decisions ? (JSON.parse(row.guardrail_decisions) as GuardrailDecision[]) : [],
    guardrailCostUsd: row.guardrail_cost_usd,
    attempts: row.attempts,
    createdAt: row.created_at,
    reconciledAt: row.reconciled_at,
  };
}

export const PERIODS = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS } as const;
export type PeriodName = keyof typeof PERIODS;

/**
 * A time as epoch ms from an ISO date or date-time. A date alone is the start of that day (UTC), or with
 * `end` the start of the next one, so `to=2026-01-31` includes the 31st.
 */
export function parseTime(text: string, edge: 'start' | 'end' = 'start'): number | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const time = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(time)) return undefined;
  return dateOnly && edge === 'end' ? time + DAY_MS : time;
}

/**
 * `day`, `week` and `month` are the last 24 hours, 7 days and 30 days; `FROM..TO` names dates or date-times
 * (either end may be left open). Undefined when the text is none of these.
 * @example
 * parsePeriod('2026-01-01..2026-01-31'); // { from: Jan 1 00:00Z, to: Feb 1 00:00Z }
 */
export function parsePeriod(text: string, now = Date.now()): { from?: number; to?: number } | undefined {
  if (Object.hasOwn(PERIODS, text)) return { from: now - PERIODS[text as PeriodName] };
  const match = /^(.*)\.\.(.*)$/.exec(text);
  if (!match) return undefined;
  const [, start = '', end = ''] = match;
  const from = start === '' ? undefined : parseTime(start, 'start');
  const to = end === '' ? undefined : parseTime(end, 'end');
  if ((start !== '' && from === undefined) || (end !== '' && to === undefined) || (start === '' && end === '')) return undefined;
  if (from !== undefined && to !== undefined && to <= from) return undefined;
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/**
 * Why a query's range is refused when its start is not before its end (undefined when it runs forward or has an open
 * end): a range that runs backwards reads nothing, and a 200 with no rows would look like a quiet period. `to` is
 * `'now'` where the query gave no end and the range ends now.
 * @example
 * backwardsRangeProblem(Date.parse('2026-03-01'), Date.parse('2026-02-01'));
 * // 'from (2026-03-01T00:00:00.000Z) is not before to (2026-02-01T00:00:00.000Z): the range runs backwards; swap from and to.'
 */
export function backwardsRangeProblem(from: number | undefined, to: number | undefined, end: 'given' | 'now' = 'given'): string | undefined {
  if (from === undefined || to === undefined || from < to) return undefined;
  const start = `from (${new Date(from).toISOString()})`;
  if (end === 'now') return `${start} is not before to (now, ${new Date(to).toISOString()}): the range runs backwards; give a from in the past, or a later to.`;
  return `${start} is not before to (${new Date(to).toISOString()}): the range runs backwards; swap from and to.`;
}

/**
 * Why `parsePeriod` refuses a `FROM..TO` whose two ends read but whose end is not after its start; undefined for
 * any other text, which is refused (or not) for its format.
 * @example
 * reversedPeriodProblem('2027-01-01..2026-01-01'); // 'runs backwards: its end is before its start (2026-01-01..2027-01-01 is the other way round)'
 */
export function reversedPeriodProblem(text: string): string | undefined {
  const match = /^(.+)\.\.(.+)$/.exec(text);
  if (!match || parsePeriod(text) !== undefined) return undefined;
  const [, start = '', end = ''] = match;
  if (parseTime(start, 'start') === undefined || parseTime(end, 'end') === undefined) return undefined;
  return `runs backwards: its end is before its start (${end}..${start} is the other way round)`;
}
