'use client';
import { useMemo } from 'react';
import type { AiError } from '../core/errors.js';
import type { GatewayErrorEntry } from '../core/operations-client.js';
import { useAiContext } from './ai-provider.js';
import type { QueryState } from '../core/query-cache.js';
import { LIVE, useQuery } from './use-query.js';

export interface UseGatewayErrorsResult {
  errors: readonly GatewayErrorEntry[];
  status: QueryState<GatewayErrorEntry[]>['status'];
  /** `admin_unavailable` when the server has no error log route; `forbidden` for a caller who is not an admin. */
  error: AiError | undefined;
  refresh(): Promise<GatewayErrorEntry[] | undefined>;
}

/**
 * The gateway's recent errors, newest first (`GET /api/ai/errors`), optionally of one class.
 *
 * @example
 * const { errors } = useGatewayErrors({ limit: 50, class: 'upstream' });
 */
export function useGatewayErrors(params: { limit?: number | undefined; class?: GatewayErrorEntry['class'] | undefined } = {}): UseGatewayErrorsResult {
  const { client } = useAiContext('useGatewayErrors');
  const { limit, class: errorClass } = params;
  const { data, status, error, refresh } = useQuery(['admin', 'errors', limit, errorClass], (signal) => client.operations.errors({ limit, class: errorClass }, { signal }), LIVE);
  return useMemo(() => ({ errors: data ?? [], status, error, refresh }), [data, status, error, refresh]);
}
