'use client';
import { useCallback, useMemo } from 'react';
import { selectModels, type CatalogState, type ModelSort } from '../core/catalog-store.js';
import type { ModelEntry, ModelListQuery } from '../core/chat-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import { useQuery, type UseQueryResult } from './use-query.js';

export interface UseModelsOptions {
  /** Only models (or features) of this modality. */
  modality?: ModelListQuery['modality'] | undefined;
  /** `auto` (default): the admin catalog, else the caller's features; or only one of them. */
  source?: ModelListQuery['source'] | undefined;
  /** Matches the id, name or provider, any case. */
  search?: string | undefined;
  sort?: ModelSort | undefined;
}

export interface UseModelsResult {
  /** Provider, modalities, context length, max output, prices per million tokens and supported parameters. */
  models: readonly ModelEntry[];
  status: CatalogState['status'];
  error: AiError | undefined;
  /** Fetches the list again, whatever the cache's age. */
  refresh(): Promise<void>;
}

/**
 * The models (admin catalog) or features a picker offers, from the provider's query cache (one entry per source and
 * modality): fetched once per `catalogTtlMs` however many pickers ask, searched and sorted here without another
 * request.
 *
 * @example
 * const { models, status } = useModels({ modality: 'text', search, sort: 'price' });
 */
export function useModels(options: UseModelsOptions = {}): UseModelsResult {
  const { search, sort } = options;
  const { data, status, error, refresh } = useModelList(options);
  const loaded = data ?? EMPTY;
  const models = useMemo(() => selectModels(loaded, { ...(search ? { search } : {}), ...(sort ? { sort } : {}) }), [loaded, search, sort]);
  const refreshed = useCallback(async () => void (await refresh()), [refresh]);
  return useMemo(() => ({ models, status: status === 'saving' ? 'loading' : status, error, refresh: refreshed }), [models, status, error, refreshed]);
}

const EMPTY: readonly ModelEntry[] = [];

/**
 * The list `useModels` searches and sorts, as the server sent it: one entry of the provider's query cache per source
 * and modality, so two pickers with different filters each show their own list.
 *
 * @example
 * const features = useModelList({ source: 'features' }).data ?? [];
 */
export function useModelList({ modality, source }: Pick<UseModelsOptions, 'modality' | 'source'>): UseQueryResult<ModelEntry[]> {
  const { client } = useAiContext('useModels');
  const query: ModelListQuery = { ...(modality ? { modality } : {}), ...(source ? { source } : {}) };
  return useQuery(['models', source ?? 'auto', modality ?? null], (signal) => client.models.list(query, { signal }));
}
