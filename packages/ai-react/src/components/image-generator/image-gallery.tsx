'use client';
import { Fragment, lazy, Suspense, useRef, useState, type ReactNode } from 'react';
import type { GeneratedImage } from '../../core/chat-types.js';
import { CheckIcon } from '../../icons/check-icon.js';
import { CopyIcon } from '../../icons/copy-icon.js';
import { DownloadIcon } from '../../icons/download-icon.js';
import { ExpandIcon } from '../../icons/expand-icon.js';
import { useCopyFeedback } from '../../markdown/copy-button.js';
import { copyImage, imageFileName, safeImageHref } from './image-file.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';

// The lightbox (and the dialog it is built on) loads the first time an image is enlarged, not with the generator.
const ImageLightbox = lazy(() => import('./image-lightbox.js').then((module) => ({ default: module.ImageLightbox })));

export interface ImageGalleryProps {
  images: readonly GeneratedImage[];
  /** The prompt they were drawn for: their alt text and their file names (a model's revised prompt is their title). */
  prompt: string;
  labels?: ImageGeneratorLabels | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
  /** Draws each image's tile; default `ImageGalleryItem` (spread its props to keep the lightbox and the focus). */
  renderItem?: ((props: ImageGalleryItemProps) => ReactNode) | undefined;
}

export interface ImageGalleryItemProps extends Omit<ImageGalleryProps, 'images' | 'labels' | 'renderItem'> {
  image: GeneratedImage;
  index: number;
  count: number;
  labels: ImageGeneratorLabels;
  /** Opens the image large; the tile is a button when given. */
  onEnlarge?: (() => void) | undefined;
  /** The enlarge button, so the focus can come back to it. */
  enlargeRef?: ((node: HTMLButtonElement | null) => void) | undefined;
}

function CopyImageButton({ url, index, count, labels, classNames, unstyled }: { url: string; index: number; count: number; labels: ImageGeneratorLabels; classNames: ImageGeneratorClassNames | undefined; unstyled: boolean | undefined }): ReactNode {
  const { state, track } = useCopyFeedback();
  const text = state === 'copied' ? labels.copied : state === 'failed' ? labels.copyFailed : labels.copy;
  return (
    <button
      type="button"
      className={slotClass('copy', { unstyled, classNames })}
      data-state={state}
      data-tooltip={text}
      aria-label={`${labels.copyImage(index, count)}${state === 'idle' ? '' : ` (${text})`}`}
      onClick={() => track(copyImage(url))}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
    </button>
  );
}

/**
 * One generated image: the picture (a button that enlarges it when `onEnlarge` is given), a download link with a
 * file name from the prompt, and a copy button.
 *
 * @example
 * <ImageGalleryItem image={image} index={0} count={1} prompt={prompt} labels={defaultImageGeneratorLabels} />
 */
export function ImageGalleryItem({ image, index, count, prompt, labels, classNames, unstyled, onEnlarge, enlargeRef }: ImageGalleryItemProps): ReactNode {
  const own = (name: string) => (unstyled ? undefined : `ia-image-gallery__${name}`);
  const picture = <img src={image.url} alt={prompt} title={image.revisedPrompt} className={own('img')} />;
  return (
    <li className={slotClass('image', { unstyled, classNames })}>
      <figure className={own('figure')}>
        {onEnlarge ? (
          <button ref={enlargeRef} type="button" className={own('enlarge')} aria-label={labels.enlargeImage(index, count)} onClick={onEnlarge}>
            {picture}
            <span className={own('enlarge-icon')} aria-hidden="true">
              <ExpandIcon />
            </span>
          </button>
        ) : (
          picture
        )}
        <div className={slotClass('imageActions', { unstyled, classNames })}>
          <a href={safeImageHref(image.url)} download={imageFileName(prompt, index, image.url)} aria-label={labels.downloadImage(index, count)} data-tooltip={labels.download} className={slotClass('download', { unstyled, classNames })}>
            <DownloadIcon />
          </a>
          <CopyImageButton url={image.url} index={index} count={count} labels={labels} classNames={classNames} unstyled={unstyled} />
        </div>
      </figure>
    </li>
  );
}

/**
 * Generated images, each enlarged in a lightbox on click (arrows move between them), with a download link and a
 * copy button.
 *
 * @example
 * <ImageGallery images={generation.images} prompt={generation.params.prompt} />
 */
export function ImageGallery({ images, prompt, labels = defaultImageGeneratorLabels, classNames, unstyled, renderItem = ImageGalleryItem }: ImageGalleryProps): ReactNode {
  const count = images.length;
  const [open, setOpen] = useState<number>();
  // Mounted from the first enlargement on, so it can animate closed and return the focus.
  const [opened, setOpened] = useState(false);
  if (open !== undefined && !opened) setOpened(true);
  const tiles = useRef<Array<HTMLButtonElement | null>>([]);
  return (
    <>
      <ul aria-label={labels.gallery} className={slotClass('gallery', { unstyled, classNames })} data-count={count}>
        {images.map((image, index) => (
          <Fragment key={`${index}-${image.url.slice(-24)}`}>
            {renderItem({
              image,
              index,
              count,
              prompt,
              labels,
              classNames,
              unstyled,
              onEnlarge: () => setOpen(index),
              enlargeRef: (node) => {
                tiles.current[index] = node;
              },
            })}
          </Fragment>
        ))}
      </ul>
      {opened ? (
        <Suspense fallback={null}>
          <ImageLightbox images={images} prompt={prompt} index={open} onIndexChange={setOpen} returnFocus={(index) => tiles.current[index]?.focus()} labels={labels} unstyled={unstyled} />
        </Suspense>
      ) : null}
    </>
  );
}
