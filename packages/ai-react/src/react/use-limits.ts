'use client';
import { useMemo } from 'react';
import type { AiLimits } from '../core/admin-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import type { QueryState } from '../core/query-cache.js';
import { LIVE, useQuery } from './use-query.js';

export interface UseLimitsResult {
  /** Where the caller stands against each limit that applies to them, and whether the project is stopped. */
  limits: AiLimits | undefined;
  /** True while an administrator has stopped all AI traffic of the project. */
  stopped: boolean;
  status: QueryState<AiLimits>['status'];
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
  const { data: limits, status, error, refresh } = useQuery(['limits'], (signal) => client.limits.get({ signal }), LIVE);
  return useMemo(() => ({ limits, stopped: limits?.stopped === true, status, error, refresh }), [limits, status, error, refresh]);
}
