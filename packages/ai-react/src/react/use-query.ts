'use client';
import { useCallback, useEffect, useMemo } from 'react';
import type { QueryEntry, QueryFetcher, QueryKey, QueryState } from '../core/query-cache.js';
import { useAiContext } from './ai-provider.js';
import { useLatest } from './use-latest.js';
import { useStoreState } from './use-store-state.js';

/** For reads that change on their own (usage, limits, errors): read again at every mount, shown from the cache meanwhile. */
export const LIVE = { staleMs: 0 } as const;

export interface UseQueryOptions {
  /** How long a value read is fresh for this hook; default the provider's (`catalogTtlMs`, 5 minutes). */
  staleMs?: number | undefined;
  /** False: nothing is read yet (a key that is not known). Default true. */
  enabled?: boolean | undefined;
}

export interface UseQueryResult<T> extends QueryState<T> {
  /** Reads again, whatever the value's age. */
  refresh(): Promise<T | undefined>;
  /** Changes the value on the server and keeps what it answered. */
  write(change: QueryFetcher<T>): Promise<T | undefined>;
  entry: QueryEntry<T>;
}

/**
 * One server read of the provider's query cache, by key: fetched when first observed or stale, shared with every
 * other component that reads the same key, read again after an invalidation.
 *
 * @example
 * const { data, status } = useQuery(['limits'], (signal) => client.limits.get({ signal }));
 */
export function useQuery<T>(key: QueryKey, fetcher: QueryFetcher<T>, options: UseQueryOptions = {}): UseQueryResult<T> {
  const { queries } = useAiContext('useQuery');
  const text = JSON.stringify(key);
  // The key's text is its identity: a new array with the same parts is the same query.
  const entry = useMemo(() => queries.entry<T>(key), [queries, text]);
  const latest = useLatest({ fetcher, staleMs: options.staleMs });
  const enabled = options.enabled ?? true;
  useEffect(() => {
    if (!enabled) return undefined;
    const stop = entry.observe();
    const { staleMs } = latest.current;
    void entry.fetch((signal) => latest.current.fetcher(signal), staleMs === undefined ? {} : { staleMs });
    return stop;
  }, [entry, latest, enabled]);
  const state = useStoreState(entry.store);
  const refresh = useCallback(() => entry.fetch((signal) => latest.current.fetcher(signal), { force: true }), [entry, latest]);
  const write = useCallback((change: QueryFetcher<T>) => entry.write(change), [entry]);
  return useMemo(() => ({ ...state, refresh, write, entry }), [state, refresh, write, entry]);
}
