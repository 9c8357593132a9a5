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

export interface CopyFeedback {
  /** `'copied'` or `'failed'` once the last write settled, back to `'idle'` a moment later. */
  state: CopyState;
  /** Shows an outcome now, and starts the timer that puts the state back to idle. */
  settle: (outcome: Exclude<CopyState, 'idle'>) => void;
  /** Shows the outcome of a clipboard write when it settles. */
  track: (write: Promise<unknown>) => void;
}

/**
 * The "Copied" / "Copy failed" feedback of a copy button. The reset timer starts when the write settles, not on the
 * click, so a write slower than `resetAfterMs` still shows its outcome, and for as long.
 *
 * @example
 * const { state, track } = useCopyFeedback();
 * <button data-state={state} onClick={() => track(navigator.clipboard.writeText(text))}>{state === 'copied' ? 'Copied' : 'Copy'}</button>
 */
export function useCopyFeedback(resetAfterMs = 2000): CopyFeedback {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      clearTimeout(timer.current);
    };
  }, []);
  const settle = (outcome: Exclude<CopyState, 'idle'>) => {
    // A write may settle after the button is gone: no timer for a state nobody sees.
    if (!mounted.current) return;
    setState(outcome);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), resetAfterMs);
  };
  const track = (write: Promise<unknown>) => {
    write.then(
      () => settle('copied'),
      () => settle('failed'),
    );
  };
  return { state, settle, track };
}

/**
 * A button that copies text with `navigator.clipboard` and says so ("Copied") for a moment, exposed as
 * `data-state="idle" | "copied" | "failed"`.
 *
 * @example
 * <CopyButton value={code} className="ia-code-copy" />
 */
export function CopyButton({ value, labels, resetAfterMs = 2000, onClick, ...props }: CopyButtonProps) {
  const { state, settle, track } = useCopyFeedback(resetAfterMs);
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
        track(clipboard.writeText(typeof value === 'function' ? value() : value));
      }}
      {...props}
    >
      {text}
    </button>
  );
}
