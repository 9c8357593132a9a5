import type { UsageFigures, UsageSummary } from '../core/admin-types.js';

/** The figure a usage chart shows. */
export type UsageMetric = 'costUsd' | 'totalTokens' | 'requests';

export const USAGE_METRICS: readonly UsageMetric[] = ['costUsd', 'totalTokens', 'requests'];

/** One group of a usage summary, read defensively (the core types the summary loosely). */
export interface UsageRow {
  /** The group's value of its dimension (a feature, a model, a `YYYY-MM-DD` day); null for "none". */
  key: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costUsd: number;
  errors: number;
  latencyP50Ms: number | null;
}

/** A bar of a chart. */
export interface BarDatum {
  label: string;
  value: number;
}

const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * A summary's figures as a row, keyed by one dimension.
 *
 * @example
 * usageRowOf({ feature: 'chat', requests: 2, costUsd: 0.0012 }, 'feature'); // { key: 'chat', requests: 2, … }
 */
export function usageRowOf(group: UsageFigures, dimension?: string): UsageRow {
  const key = dimension === undefined ? null : group[dimension];
  const promptTokens = numberOf(group.promptTokens);
  const completionTokens = numberOf(group.completionTokens);
  return {
    key: typeof key === 'string' ? key : null,
    requests: numberOf(group.requests),
    promptTokens,
    completionTokens,
    totalTokens: typeof group['totalTokens'] === 'number' ? group['totalTokens'] : promptTokens + completionTokens,
    costUsd: numberOf(group.costUsd),
    errors: numberOf(group['errors']),
    latencyP50Ms: typeof group['latencyP50Ms'] === 'number' ? group['latencyP50Ms'] : null,
  };
}

/** The rows of a summary grouped by one dimension. */
export function usageRowsOf(groups: readonly UsageFigures[], dimension: string): UsageRow[] {
  return groups.map((group) => usageRowOf(group, dimension));
}

const DAY_MS = 86_400_000;
// The date before the `T`: a year past 9999 or before 0 has six digits and a sign (`+010000-01-30`), so no fixed length.
const dayOf = (time: number) => new Date(time).toISOString().split('T', 1)[0] ?? '';

/**
 * A bar per day of the summary's period (days without requests as zero), from a summary grouped by `day`.
 *
 * @example
 * dailySeries(summary, 'costUsd', Date.now()); // [{ label: '2026-03-01', value: 0.12 }, …]
 */
export function dailySeries(summary: UsageSummary | undefined, metric: UsageMetric, now: number): BarDatum[] {
  if (!summary) return [];
  const byDay = new Map(usageRowsOf(summary.groups ?? [], 'day').map((row) => [row.key, row[metric]]));
  const from = typeof summary['from'] === 'string' ? Date.parse(summary['from']) : NaN;
  const to = typeof summary['to'] === 'string' ? Date.parse(summary['to']) : now;
  const days: string[] = [];
  if (Number.isFinite(from)) {
    // At most a year of bars, whatever the period asked.
    for (let time = Date.parse(dayOf(from)); time <= to && days.length < 366; time += DAY_MS) days.push(dayOf(time));
  }
  for (const day of byDay.keys()) if (day !== null && !days.includes(day)) days.push(day);
  return days.sort().map((day) => ({ label: day, value: byDay.get(day) ?? 0 }));
}
