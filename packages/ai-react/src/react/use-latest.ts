'use client';
import { useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * A ref that always holds the value of the latest render. Long-lived objects (a chat controller, a store) call
 * callbacks through it, so they never call a stale closure and never need to be recreated when a callback changes.
 *
 * @example
 * const callbacks = useLatest({ onFinish });
 * createChatController({ client, feature, onFinish: (answer) => callbacks.current.onFinish?.(answer) });
 */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  // Written after commit, not during render: a render React throws away must not leak its callbacks.
  // (React 19 no longer warns about useLayoutEffect during server rendering, where it simply does not run.)
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
