'use client';
import { useCallback, useEffect, useMemo } from 'react';
import type { AiError } from '../core/errors.js';
import type { ModelHealthReport, ModelHealthWindow } from '../core/operations-client.js';
import { useAiContext } from './ai-provider.js';
import { createResourceStore, type ResourceState } from './resource-store.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseModelHealthResult {
  report: ModelHealthReport | undefined;
  status: ResourceState<ModelHealthReport>['status'];
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
  const resource = useInstance([client], () => createResourceStore<ModelHealthReport>(), (created) => created.dispose());
  const refresh = useCallback(() => resource.load((signal) => client.operations.modelHealth({ window }, { signal })), [resource, client, window]);
  useEffect(() => {
    void refresh();
    if (!refreshMs) return undefined;
    const timer = setInterval(() => void refresh(), refreshMs);
    return () => clearInterval(timer);
  }, [refresh, refreshMs]);
  const { data: report, status, error } = useStoreState(resource.store);
  return useMemo(() => ({ report, status, error, refresh }), [report, status, error, refresh]);
}
