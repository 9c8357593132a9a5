'use client';
import { useSyncExternalStore } from 'react';
import type { StoreApi } from 'zustand/vanilla';

/**
 * The state of a core store, read with `useSyncExternalStore` (the only way React reads core state here). The
 * same function serves the server snapshot, so server rendering shows the store's initial state.
 *
 * @example
 * const { messages, status } = useStoreState(controller.store);
 */
export function useStoreState<S>(store: StoreApi<S>): S {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
