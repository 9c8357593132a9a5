'use client';
import { useCallback, useEffect, useMemo } from 'react';
import type { AiLimits } from '../core/admin-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import { createResourceStore, type ResourceState } from './resource-store.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseLimitsResult {
  /** Where the caller stands against each limit that applies to them, and whether the project is stopped. */
  limits: AiLimits | undefined;
  /** True while an administrator has stopped all AI traffic of the project. */
  stopped: boolean;
  status: ResourceState<AiLimits>['status'];
  /** `admin_unavailable` when the server has no limits route. */
  error: AiError | undefined;
  refresh(): Promise<AiLimits | undefined>;
}

/**
 * The caller's limits (`GET /api/ai/limits`, open to any signed-in caller): what is used and left of each cap.
 *
 * @example
 * const { limits, stopped } = useLimits();
 */
export function useLimits(): UseLimitsResult {
  const { client } = useAiContext('useLimits');
  const resource = useInstance([client], () => createResourceStore<AiLimits>(), (created) => created.dispose());
  const refresh = useCallback(() => resource.load((signal) => client.limits.get({ signal })), [resource, client]);
  useEffect(() => void refresh(), [refresh]);
  const { data: limits, status, error } = useStoreState(resource.store);
  return useMemo(() => ({ limits, stopped: limits?.['stopped'] === true, status, error, refresh }), [limits, status, error, refresh]);
}
