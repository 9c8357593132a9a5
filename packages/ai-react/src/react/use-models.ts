'use client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { selectModels, type CatalogState, type ModelSort } from '../core/catalog-store.js';
import type { ModelEntry, ModelListQuery } from '../core/chat-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import { useStoreState } from './use-store-state.js';

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
 * The models (admin catalog) or features a picker offers, from the provider's catalog store: fetched once per
 * TTL however many pickers ask, searched and sorted here without another request.
 *
 * @example
 * const { models, status } = useModels({ modality: 'text', search, sort: 'price' });
 */
export function useModels(options: UseModelsOptions = {}): UseModelsResult {
  const { catalog } = useAiContext('useModels');
  const { modality, source, search, sort } = options;
  const key = `${source ?? 'auto'}|${modality ?? ''}`;
  const query = useMemo<ModelListQuery>(() => ({ ...(modality ? { modality } : {}), ...(source ? { source } : {}) }), [modality, source]);
  // The store shows the query loaded last; when another picker of this provider loaded another query since,
  // this one keeps showing what its own load answered (the store's cache serves both without a request).
  const [own, setOwn] = useState<{ key: string; models: readonly ModelEntry[] }>();
  useEffect(() => {
    let live = true;
    void catalog.getState().load(query).then((models) => live && setOwn({ key, models }));
    return () => {
      live = false;
    };
  }, [catalog, query, key]);
  const state = useStoreState(catalog);
  const current = `${state.query.source ?? 'auto'}|${state.query.modality ?? ''}` === key;
  const loaded = current ? state.models : own?.key === key ? own.models : [];
  const status: CatalogState['status'] = current ? state.status : own?.key === key ? 'ready' : 'loading';
  const error = current ? state.error : undefined;
  const models = useMemo(() => selectModels(loaded, { ...(search ? { search } : {}), ...(sort ? { sort } : {}) }), [loaded, search, sort]);
  const refresh = useCallback(async () => {
    const fresh = await catalog.getState().load(query, { force: true });
    setOwn({ key, models: fresh });
  }, [catalog, query, key]);
  return useMemo(() => ({ models, status, error, refresh }), [models, status, error, refresh]);
}
