'use client';
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { classes } from '../../primitives/ai-root.js';
import { arrowStep } from '../../primitives/reading-direction.js';

export interface SegmentedOption<T extends string | number> {
  value: T;
  /** What the segment shows (short: "Square", "HD", "2"). */
  label: ReactNode;
  /** The segment's accessible name and tooltip when `label` is too short to say it ("1024 × 1024 (square)"). */
  name?: string | undefined;
}

export interface SegmentedControlProps<T extends string | number> {
  /** The group's name ("Size"), shown above the segments. */
  label: string;
  value: T;
  options: ReadonlyArray<SegmentedOption<T>>;
  onValueChange(value: T): void;
  disabled?: boolean | undefined;
  unstyled?: boolean | undefined;
  className?: string | undefined;
}

/**
 * A row of mutually exclusive choices (a radio group drawn as one control), for the few options a native select
 * would hide: arrows, Home and End move and choose, Tab leaves, and only the chosen segment is in the tab order. In a
 * right-to-left page → chooses the previous segment (the one on the right) and ← the next, as native radios do.
 *
 * @example
 * <SegmentedControl label="Quality" value={quality} onValueChange={setQuality} options={[{ value: 'standard', label: 'Standard' }, { value: 'hd', label: 'HD' }]} />
 */
export function SegmentedControl<T extends string | number>({ label, value, options, onValueChange, disabled, unstyled, className }: SegmentedControlProps<T>): ReactNode {
  const labelId = useId();
  const buttons = useRef<Array<HTMLButtonElement | null>>([]);
  const selected = Math.max(0, options.findIndex((option) => option.value === value));
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    // → is the next segment left to right, the previous one right to left (where the options run from the right).
    const step = arrowStep(event.key, event.currentTarget, { vertical: true });
    const target = event.key === 'Home' ? 0 : event.key === 'End' ? options.length - 1 : step === 0 ? -1 : (selected + step + options.length) % options.length;
    const option = options[target];
    if (target < 0 || option === undefined || disabled) return;
    event.preventDefault();
    onValueChange(option.value);
    buttons.current[target]?.focus();
  };
  return (
    <div className={classes(unstyled, 'ia-segmented', className)} data-disabled={disabled ? '' : undefined}>
      <span id={labelId} className={classes(unstyled, 'ia-segmented__label')}>
        {label}
      </span>
      <div role="radiogroup" aria-labelledby={labelId} aria-disabled={disabled || undefined} className={classes(unstyled, 'ia-segmented__track')} onKeyDown={move}>
        {options.map((option, index) => {
          const checked = index === selected;
          return (
            <button
              key={String(option.value)}
              ref={(node) => {
                buttons.current[index] = node;
              }}
              type="button"
              role="radio"
              aria-checked={checked}
              aria-label={option.name}
              title={option.name}
              tabIndex={checked ? 0 : -1}
              disabled={disabled}
              data-state={checked ? 'on' : 'off'}
              className={classes(unstyled, 'ia-segmented__item')}
              onClick={() => onValueChange(option.value)}
            >
              {option.label}
            </button>
          );
        })}
      </div>
    </div>
  );
}
