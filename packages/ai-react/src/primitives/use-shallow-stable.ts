'use client';
import { useRef } from 'react';

/**
 * The same object while its entries are the same: an inline `labels={{…}}` or `classNames={{…}}` does not make every
 * part render again.
 *
 * @example
 * const stableLabels = useShallowStable(props.labels);
 */
export function useShallowStable<T extends object>(value: T | undefined): T | undefined {
  const held = useRef(value);
  const previous = held.current;
  const same =
    previous === value ||
    (previous !== undefined && value !== undefined && Object.keys(previous).length === Object.keys(value).length && Object.entries(value).every(([key, entry]) => Object.is(entry, (previous as Record<string, unknown>)[key])));
  if (!same) held.current = value;
  return held.current;
}
