'use client';
import { useEffect, useRef, useState, type ButtonHTMLAttributes } from 'react';

export type CopyState = 'idle' | 'copied' | 'failed';

export interface CopyButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children' | 'value'> {
  /** The text put on the clipboard (read when clicked). */
  value: string | (() => string);
  /** Button text: idle, after a copy, and when the clipboard refused. */
  labels?: { copy?: string; copied?: string; copyFailed?: string } | undefined;
  /** How long the "Copied" state shows, in milliseconds; default 2000. */
  resetAfterMs?: number;
}

/**
 * A button that copies text with `navigator.clipboard` and says so ("Copied") for a moment, exposed as
 * `data-state="idle" | "copied" | "failed"`.
 *
 * @example
 * <CopyButton value={code} className="ia-code-copy" />
 */
export function CopyButton({ value, labels, resetAfterMs = 2000, onClick, ...props }: CopyButtonProps) {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const settle = (next: CopyState) => {
    setState(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), resetAfterMs);
  };
  const text = state === 'copied' ? (labels?.copied ?? 'Copied') : state === 'failed' ? (labels?.copyFailed ?? 'Copy failed') : (labels?.copy ?? 'Copy');
  return (
    <button
      type="button"
      data-state={state}
      onClick={(event) => {
        onClick?.(event);
        if (event.defaultPrevented) return;
        const clipboard = globalThis.navigator?.clipboard as Clipboard | undefined;
        // The clipboard exists only in secure contexts; elsewhere, say so instead of pretending.
        if (!clipboard) return settle('failed');
        clipboard.writeText(typeof value === 'function' ? value() : value).then(
          () => settle('copied'),
          () => settle('failed'),
        );
      }}
      {...props}
    >
      {text}
    </button>
  );
}
