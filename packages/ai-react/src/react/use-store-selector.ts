'use client';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { StoreApi } from 'zustand/vanilla';

/**
 * One slice of a core store: the component renders again only when the slice changes (by `equal`, default
 * `Object.is`), so a part reading `status` does not render for every streamed token.
 *
 * @example
 * const busy = useStoreSelector(chat.store, (state) => state.status === 'streaming');
 */
export function useStoreSelector<S, T>(store: StoreApi<S>, selector: (state: S) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  const latest = useRef<{ state: S; selector: (state: S) => T; value: T } | undefined>(undefined);
  const getSnapshot = useCallback(() => {
    const state = store.getState();
    const held = latest.current;
    if (held && held.state === state && held.selector === selector) return held.value;
    const value = selector(state);
    // An equal slice keeps the value held: useSyncExternalStore then sees no change and skips the render.
    const kept = held && equal(held.value, value) ? held.value : value;
    latest.current = { state, selector, value: kept };
    return kept;
  }, [store, selector, equal]);
  return useSyncExternalStore(store.subscribe, getSnapshot, getSnapshot);
}

/** Equal arrays of equal entries (ids, for instance). */
export function shallowEqualArrays<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((value, index) => Object.is(value, b[index])));
}
