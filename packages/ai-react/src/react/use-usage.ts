'use client';
import { useMemo } from 'react';
import type { UsageFigures, UsageSummary, UsageSummaryParams } from '../core/admin-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import type { QueryState } from '../core/query-cache.js';
import { LIVE, useQuery } from './use-query.js';

export interface UseUsageResult {
  /** The server's summary as it answered: totals, groups, and the period covered. */
  summary: UsageSummary | undefined;
  totals: UsageFigures | undefined;
  groups: ReadonlyArray<UsageFigures & { key?: string }>;
  status: QueryState<UsageSummary>['status'];
  /** `admin_unavailable` when the server has no usage routes; `forbidden` for a caller who is not an admin. */
  error: AiError | undefined;
  refresh(): Promise<UsageSummary | undefined>;
}

/**
 * The project's usage (requests, tokens, cost) over a period, grouped by feature, model, user or day; read again
 * whenever the period or grouping changes.
 *
 * @example
 * const { totals, groups } = useUsage({ period: 'month', groupBy: 'feature' });
 */
export function useUsage(params: UsageSummaryParams = {}): UseUsageResult {
  const { client } = useAiContext('useUsage');
  const { period, groupBy, from, to } = params;
  const query: UsageSummaryParams = { ...(period ? { period } : {}), ...(groupBy ? { groupBy } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
  const { data: summary, status, error, refresh } = useQuery(['admin', 'usage', period, groupBy, from, to], (signal) => client.usage.summary(query, { signal }), LIVE);
  return useMemo(() => ({ summary, totals: summary?.totals, groups: summary?.groups ?? [], status, error, refresh }), [summary, status, error, refresh]);
}
