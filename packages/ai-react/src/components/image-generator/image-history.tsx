'use client';
import { useId, type ReactNode } from 'react';
import type { ImageGeneration } from '../../core/image-store.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';

export interface ImageHistoryProps {
  /** Oldest first, as the store keeps them; listed newest first. */
  generations: readonly ImageGeneration[];
  /** The generation on show (`aria-current`). */
  currentId?: string | undefined;
  onShow(id: string): void;
  onReusePrompt?: ((generation: ImageGeneration) => void) | undefined;
  labels?: ImageGeneratorLabels | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
}

/**
 * The session's generations, newest first: each one's prompt, thumbnails, status and size; show it again or
 * reuse its prompt.
 *
 * @example
 * <ImageHistory generations={generations} currentId={shown?.id} onShow={setShownId} />
 */
export function ImageHistory({ generations, currentId, onShow, onReusePrompt, labels = defaultImageGeneratorLabels, classNames, unstyled }: ImageHistoryProps): ReactNode {
  const titleId = useId();
  const own = (name: string) => (unstyled ? undefined : `ia-image-history__${name}`);
  return (
    <section aria-labelledby={titleId} className={slotClass('history', { unstyled, classNames })}>
      <p id={titleId} className={own('title')}>
        {labels.history}
      </p>
      <ol className={own('list')}>
        {[...generations].reverse().map((generation) => {
          const current = generation.id === currentId;
          return (
            <li key={generation.id} className={slotClass('historyItem', { unstyled, classNames })} data-state={generation.status}>
              <button type="button" className={own('show')} onClick={() => onShow(generation.id)} aria-current={current ? 'true' : undefined}>
                <span className={own('thumbs')}>
                  {generation.images.slice(0, 4).map((image, index) => (
                    <img key={index} src={image.url} alt="" className={own('thumb')} />
                  ))}
                </span>
                <span className={own('prompt')}>{generation.params.prompt}</span>
                <span className={own('meta')}>
                  {labels.statuses[generation.status]} · {labels.historySummary(generation.images.length || (generation.params.n ?? 1), generation.params.size)}
                </span>
              </button>
              {onReusePrompt ? (
                <button type="button" className={own('reuse')} aria-label={`${labels.reusePrompt}: ${generation.params.prompt}`} onClick={() => onReusePrompt(generation)}>
                  {labels.reusePrompt}
                </button>
              ) : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
