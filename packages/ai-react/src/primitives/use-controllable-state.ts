'use client';
import { useCallback, useRef, useState } from 'react';

/**
 * State a component owns unless its parent controls it (Radix's pattern): pass `value` to control it, or
 * `defaultValue` to let the component own it; `onChange` hears every change either way.
 * @example
 * const [open, setOpen] = useControllableState({ value: props.open, defaultValue: props.defaultOpen ?? false, onChange: props.onOpenChange });
 */
export function useControllableState<T>(props: { value?: T | undefined; defaultValue: T; onChange?: ((value: T) => void) | undefined }): [T, (next: T) => void] {
  const [own, setOwn] = useState(props.defaultValue);
  const controlled = props.value !== undefined;
  const current = controlled ? (props.value as T) : own;
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const latest = useRef(current);
  latest.current = current;
  const set = useCallback(
    (next: T) => {
      if (Object.is(next, latest.current)) return;
      if (!controlled) setOwn(next);
      onChange.current?.(next);
    },
    [controlled],
  );
  return [current, set];
}
