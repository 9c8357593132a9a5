'use client';
import type { ReactNode } from 'react';
import { GenerationError } from './generation-error.js';
import { GenerationProgress } from './generation-progress.js';
import { ImageGallery, type ImageGalleryProps } from './image-gallery.js';
import { slotClass } from './image-generator-classes.js';
import { useImageGeneratorContext } from './image-generator-context.js';
import { ImageHistory } from './image-history.js';

/**
 * Where the generation on show stands: progress with Cancel, the failure with what to do, "Cancelled", or the
 * empty state before the first prompt. Nothing once images are shown (the gallery is the result).
 *
 * @example
 * <ImageGenerator.Status />
 */
export function ImageGeneratorStatus(): ReactNode {
  const { shown, pending, run, cancel, setPrompt, promptRef, labels, classNames, unstyled } = useImageGeneratorContext('ImageGenerator.Status');
  if (!shown) {
    return (
      <p className={slotClass('empty', { unstyled, classNames })} data-state="idle">
        {labels.empty}
      </p>
    );
  }
  if (shown.status === 'pending') return <GenerationProgress key={shown.id} startedAt={shown.startedAt} onCancel={() => cancel(shown.id)} labels={labels} classNames={classNames} unstyled={unstyled} />;
  if (shown.status === 'cancelled') {
    return (
      <p className={slotClass('empty', { unstyled, classNames })} data-state="cancelled">
        {labels.cancelled}
      </p>
    );
  }
  if (shown.status === 'error' && shown.error) {
    return (
      <GenerationError
        key={shown.id}
        error={shown.error}
        failedAt={shown.finishedAt ?? shown.startedAt}
        onRetry={pending ? undefined : () => run(shown.params)}
        onEditPrompt={() => {
          setPrompt(shown.params.prompt);
          promptRef.current?.focus();
        }}
        labels={labels}
        classNames={classNames}
        unstyled={unstyled}
      />
    );
  }
  return null;
}

/**
 * The images of the generation on show, enlarged on click; while it is drawn, one shimmering placeholder per image
 * asked for, in the shape of the size chosen (hidden from screen readers: the progress bar says it). `renderItem`
 * draws each tile (default `ImageGalleryItem`).
 *
 * @example
 * <ImageGenerator.Gallery renderItem={(item) => <ImageGenerator.Item {...item} />} />
 */
export function ImageGeneratorGallery({ renderItem }: Pick<ImageGalleryProps, 'renderItem'>): ReactNode {
  const { shown, labels, classNames, unstyled } = useImageGeneratorContext('ImageGenerator.Gallery');
  if (shown?.status === 'done') return <ImageGallery images={shown.images} prompt={shown.params.prompt} labels={labels} classNames={classNames} unstyled={unstyled} renderItem={renderItem} />;
  if (shown?.status !== 'pending') return null;
  const count = shown.params.n ?? 1;
  const [width, height] = (shown.params.size ?? '1x1').split('x').map(Number);
  return (
    <div aria-hidden="true" className={slotClass('gallery', { unstyled, classNames })} data-count={count} data-state="pending">
      {Array.from({ length: count }, (_, index) => (
        <div key={index} className={unstyled ? undefined : 'ia-image-placeholder'} title={labels.placeholder} style={width && height ? { aspectRatio: `${width} / ${height}` } : undefined} />
      ))}
    </div>
  );
}

/**
 * The session's earlier generations (shown once there are two): show one again, or put its prompt and options
 * back in the form.
 *
 * @example
 * <ImageGenerator.History />
 */
export function ImageGeneratorHistory(): ReactNode {
  const { generations, shown, show, reuse, labels, classNames, unstyled } = useImageGeneratorContext('ImageGenerator.History');
  if (generations.length < 2) return null;
  return <ImageHistory generations={generations} currentId={shown?.id} onShow={show} onReusePrompt={reuse} labels={labels} classNames={classNames} unstyled={unstyled} />;
}
