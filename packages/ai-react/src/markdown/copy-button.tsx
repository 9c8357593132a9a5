'use client';
import { useEffect, useRef, useState, type ButtonHTMLAttributes } from 'react';
import { CheckIcon } from '../icons/check-icon.js';
import { CopyIcon } from '../icons/copy-icon.js';
import { WarningIcon } from '../icons/warning-icon.js';

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
  /** Shows the outcome of a clipboard write when it settles. */
  track: (write: Promise<unknown>) => void;
  /** Writes `text` to the clipboard and shows the outcome; without a clipboard (not a secure context), a failure. */
  copyText: (text: string) => void;
}

/**
 * The "Copied" / "Copy failed" feedback of a copy button. The reset timer starts when the write settles, not on the
 * click, so a write slower than `resetAfterMs` still shows its outcome, and for as long.
 *
 * @example
 * const { state, copyText } = useCopyFeedback();
 * <button data-state={state} onClick={() => copyText(text)}>{state === 'copied' ? 'Copied' : 'Copy'}</button>
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
  const copyText = (text: string) => {
    const clipboard = globalThis.navigator?.clipboard as Clipboard | undefined;
    // The clipboard exists only in secure contexts; elsewhere, say so instead of pretending.
    if (!clipboard) settle('failed');
    else track(clipboard.writeText(text));
  };
  return { state, track, copyText };
}

/** A copy button's icon: a check once copied, a warning when the clipboard refused, else two sheets. */
export function CopyStateIcon({ state }: { state: CopyState }) {
  return state === 'copied' ? <CheckIcon /> : state === 'failed' ? <WarningIcon /> : <CopyIcon />;
}

/**
 * A button that copies text with `navigator.clipboard` and says so ("Copied") for a moment, exposed as
 * `data-state="idle" | "copied" | "failed"`.
 *
 * @example
 * <CopyButton value={code} className="ia-code-copy" />
 */
export function CopyButton({ value, labels, resetAfterMs = 2000, onClick, ...props }: CopyButtonProps) {
  const { state, copyText } = useCopyFeedback(resetAfterMs);
  const text = state === 'copied' ? (labels?.copied ?? 'Copied') : state === 'failed' ? (labels?.copyFailed ?? 'Copy failed') : (labels?.copy ?? 'Copy');
  return (
    <button
      type="button"
      data-state={state}
      onClick={(event) => {
        onClick?.(event);
        if (!event.defaultPrevented) copyText(typeof value === 'function' ? value() : value);
      }}
      {...props}
    >
      {text}
    </button>
  );
}
