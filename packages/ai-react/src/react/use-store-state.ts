'use client';
import { useSyncExternalStore } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStoreSelector } from './use-store-selector.js';

/**
 * The state of a core store, read with `useSyncExternalStore` (the only way React reads core state here). The
 * same function serves the server snapshot, so server rendering shows the store's initial state. With a
 * `selector`, the component subscribes to that slice only: it renders again when the slice changes (by `equal`,
 * default `Object.is`), not when another field does.
 *
 * @example
 * const { messages, status } = useStoreState(controller.store);
 * const status = useStoreState(controller.store, (state) => state.status);
 */
export function useStoreState<S>(store: StoreApi<S>): S;
export function useStoreState<S, T>(store: StoreApi<S>, selector: (state: S) => T, equal?: (a: T, b: T) => boolean): T;
export function useStoreState<S, T>(store: StoreApi<S>, selector?: (state: S) => T, equal?: (a: T, b: T) => boolean): S | T {
  // One hook or the other for the life of the component: whether a selector is given must not change.
  return selector ? useStoreSelector(store, selector, equal) : useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
