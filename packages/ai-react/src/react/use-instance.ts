'use client';
import { useEffect, useState } from 'react';
import { shallowEqualArrays } from './use-store-selector.js';

/**
 * One object per mounted component (TanStack Query's observer, zustand's per-provider store): created on the
 * first render, created again when one of `inputs` changes, and disposed when replaced or unmounted. Never a
 * module singleton, so two components (or two providers) never share one.
 *
 * @example
 * const controller = useInstance([client, feature], () => createChatController({ client, feature }), (it) => it.dispose());
 */
export function useInstance<T>(inputs: readonly unknown[], create: () => T, dispose?: (instance: T) => void): T {
  const [held, setHeld] = useState(() => ({ inputs, instance: create() }));
  let current = held;
  if (!shallowEqualArrays(held.inputs, inputs)) {
    // React's "adjust state while rendering": this render is thrown away and redone with the new instance.
    current = { inputs, instance: create() };
    setHeld(current);
  }
  const { instance } = current;
  // Only the instance matters: `dispose` is usually an inline arrow, and the one of the render that made it is right.
  useEffect(() => () => dispose?.(instance), [instance]);
  return instance;
}
