'use client';
import { useCallback, useEffect, useMemo } from 'react';
import type { AiError } from '../core/errors.js';
import type { GatewayErrorEntry } from '../core/operations-client.js';
import { useAiContext } from './ai-provider.js';
import { createResourceStore, type ResourceState } from './resource-store.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseGatewayErrorsResult {
  errors: readonly GatewayErrorEntry[];
  status: ResourceState<GatewayErrorEntry[]>['status'];
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
  const resource = useInstance([client], () => createResourceStore<GatewayErrorEntry[]>(), (created) => created.dispose());
  const refresh = useCallback(() => resource.load((signal) => client.operations.errors({ limit, class: errorClass }, { signal })), [resource, client, limit, errorClass]);
  useEffect(() => void refresh(), [refresh]);
  const { data, status, error } = useStoreState(resource.store);
  return useMemo(() => ({ errors: data ?? [], status, error, refresh }), [data, status, error, refresh]);
}
