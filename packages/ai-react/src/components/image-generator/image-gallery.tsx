'use client';
import type { ReactNode } from 'react';
import type { GeneratedImage } from '../../core/chat-types.js';
import { useCopyFeedback } from '../../markdown/copy-button.js';
import { copyImage, imageFileName } from './image-file.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';

export interface ImageGalleryProps {
  images: readonly GeneratedImage[];
  /** The prompt they were drawn for: their alt text and their file names (a model's revised prompt is their title). */
  prompt: string;
  labels?: ImageGeneratorLabels | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
}

interface CopyButtonProps extends Omit<ImageGalleryProps, 'images' | 'prompt' | 'labels'> {
  url: string;
  index: number;
  count: number;
  labels: ImageGeneratorLabels;
}

function CopyButton({ url, index, count, labels, classNames, unstyled }: CopyButtonProps): ReactNode {
  const { state, track } = useCopyFeedback();
  const copy = () => track(copyImage(url));
  const text = state === 'copied' ? labels.copied : state === 'failed' ? labels.copyFailed : labels.copy;
  return (
    <button type="button" className={slotClass('copy', { unstyled, classNames })} data-state={state} aria-label={`${labels.copyImage(index, count)}${state === 'idle' ? '' : ` (${text})`}`} onClick={copy}>
      {text}
    </button>
  );
}

/**
 * Generated images with a download link (an `<a download>` with a file name from the prompt) and a copy button
 * each.
 *
 * @example
 * <ImageGallery images={generation.images} prompt={generation.params.prompt} />
 */
export function ImageGallery({ images, prompt, labels = defaultImageGeneratorLabels, classNames, unstyled }: ImageGalleryProps): ReactNode {
  const count = images.length;
  return (
    <ul aria-label={labels.gallery} className={slotClass('gallery', { unstyled, classNames })} data-count={count}>
      {images.map((image, index) => (
        <li key={`${index}-${image.url.slice(-24)}`} className={slotClass('image', { unstyled, classNames })}>
          <figure className={unstyled ? undefined : 'ia-image-gallery__figure'}>
            <img src={image.url} alt={prompt} title={image.revisedPrompt} className={unstyled ? undefined : 'ia-image-gallery__img'} />
            <div className={slotClass('imageActions', { unstyled, classNames })}>
              <a href={image.url} download={imageFileName(prompt, index, image.url)} aria-label={labels.downloadImage(index, count)} className={slotClass('download', { unstyled, classNames })}>
                {labels.download}
              </a>
              <CopyButton url={image.url} index={index} count={count} labels={labels} classNames={classNames} unstyled={unstyled} />
            </div>
          </figure>
        </li>
      ))}
    </ul>
  );
}
