'use client';
import type { ReactNode } from 'react';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';
import { useElapsedSeconds } from '../../react/use-elapsed-seconds.js';

export interface GenerationProgressProps {
  /** When the generation started (epoch ms). */
  startedAt: number;
  onCancel?: (() => void) | undefined;
  labels?: ImageGeneratorLabels | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
  /** The clock; default `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * An indeterminate progress bar with the elapsed time ("Generating… 3 s") and a Cancel button. The bar is not a
 * live region: a screen reader hears the start and the end (from the generator's status), not every second.
 *
 * @example
 * <GenerationProgress startedAt={generation.startedAt} onCancel={() => cancel(generation.id)} />
 */
export function GenerationProgress({ startedAt, onCancel, labels = defaultImageGeneratorLabels, classNames, unstyled, now }: GenerationProgressProps): ReactNode {
  const seconds = useElapsedSeconds(startedAt, true, now);
  const text = labels.generating(seconds);
  return (
    <div className={slotClass('progress', { unstyled, classNames })} data-state="pending">
      <div role="progressbar" aria-label={labels.progress} aria-valuetext={text} className={unstyled ? undefined : 'ia-image-progress__bar'}>
        <span className={unstyled ? undefined : 'ia-image-progress__track'} aria-hidden="true" />
        <span className={unstyled ? undefined : 'ia-image-progress__text'}>{text}</span>
      </div>
      {onCancel ? (
        <button type="button" className={slotClass('cancel', { unstyled, classNames })} onClick={onCancel}>
          {labels.cancel}
        </button>
      ) : null}
    </div>
  );
}
