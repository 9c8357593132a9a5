'use client';
import { useEffect, useMemo } from 'react';
import type { AiError } from '../core/errors.js';
import type { ModelHealthReport, ModelHealthWindow } from '../core/operations-client.js';
import { useAiContext } from './ai-provider.js';
import type { QueryState } from '../core/query-cache.js';
import { LIVE, useQuery } from './use-query.js';

export interface UseModelHealthResult {
  report: ModelHealthReport | undefined;
  status: QueryState<ModelHealthReport>['status'];
  /** `admin_unavailable` when the server has no model health route; `forbidden` for a caller who is not an admin. */
  error: AiError | undefined;
  refresh(): Promise<ModelHealthReport | undefined>;
}

/**
 * Circuit breakers and each model's latency, error rate and cost over a window (`GET /api/ai/models/health`), read
 * again when the window changes or every `refreshMs` when given.
 *
 * @example
 * const { report } = useModelHealth({ window: '1h', refreshMs: 15_000 });
 */
export function useModelHealth(params: { window?: ModelHealthWindow | undefined; refreshMs?: number | undefined } = {}): UseModelHealthResult {
  const { client } = useAiContext('useModelHealth');
  const { window, refreshMs } = params;
  const { data: report, status, error, refresh } = useQuery(['admin', 'model-health', window], (signal) => client.operations.modelHealth({ window }, { signal }), LIVE);
  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(() => void refresh(), refreshMs);
    return () => clearInterval(timer);
  }, [refresh, refreshMs]);
  return useMemo(() => ({ report, status, error, refresh }), [report, status, error, refresh]);
}
