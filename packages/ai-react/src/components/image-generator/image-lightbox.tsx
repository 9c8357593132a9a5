'use client';
import * as Dialog from '@radix-ui/react-dialog';
import { useRef, type ReactNode } from 'react';
import type { GeneratedImage } from '../../core/chat-types.js';
import { ChevronLeftIcon } from '../../icons/chevron-left-icon.js';
import { ChevronRightIcon } from '../../icons/chevron-right-icon.js';
import { CloseIcon } from '../../icons/close-icon.js';
import { DownloadIcon } from '../../icons/download-icon.js';
import { PortalRoot } from '../../primitives/portal-root.js';
import { arrowStep } from '../../primitives/reading-direction.js';
import { imageFileName, safeImageHref } from './image-file.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';

export interface ImageLightboxProps {
  images: readonly GeneratedImage[];
  prompt: string;
  /** The image shown, or undefined when closed. */
  index: number | undefined;
  onIndexChange(index: number | undefined): void;
  /** Where the focus goes back to on close (the tile of the image shown last). */
  returnFocus?: ((index: number) => void) | undefined;
  labels?: ImageGeneratorLabels | undefined;
  unstyled?: boolean | undefined;
}

/**
 * An image large, in an accessible dialog: Esc or the close button closes it and the focus goes back to the
 * image's tile; ← and → (and the two buttons) move between the generation's images, → to the next one, or in a
 * right-to-left page to the previous one (which sits on the right there). It is drawn in the direction of the
 * component it is opened from (a `dir` on the app's wrapper reaches it through its portal).
 *
 * @example
 * <ImageLightbox images={images} prompt={prompt} index={open} onIndexChange={setOpen} />
 */
export function ImageLightbox({ images, prompt, index, onIndexChange, returnFocus, labels = defaultImageGeneratorLabels, unstyled }: ImageLightboxProps): ReactNode {
  const image = index === undefined ? undefined : images[index];
  // The image shown last: closing sets `index` to undefined before the focus is returned.
  const last = useRef(0);
  if (index !== undefined) last.current = index;
  const count = images.length;
  const own = (name: string) => (unstyled ? undefined : `ia-lightbox${name}`);
  const go = (step: number) => index !== undefined && count > 1 && onIndexChange((index + step + count) % count);
  return (
    <Dialog.Root open={image !== undefined} onOpenChange={(open) => !open && onIndexChange(undefined)}>
      <Dialog.Portal>
        <PortalRoot unstyled={unstyled === true}>
          <Dialog.Overlay className={own('__overlay')} />
          <Dialog.Content
            className={own('')}
            aria-describedby={undefined}
            onKeyDown={(event) => {
              // In a right-to-left page "previous" sits on the right: → goes back, as the buttons are drawn.
              const step = arrowStep(event.key, event.currentTarget);
              if (step !== 0) go(step);
            }}
            onCloseAutoFocus={(event) => {
              if (!returnFocus) return;
              event.preventDefault();
              returnFocus(last.current);
            }}
          >
            {image && index !== undefined ? (
              <>
                <div className={own('__bar')}>
                  <Dialog.Title className={own('__title')}>{labels.imageOf(index, count)}</Dialog.Title>
                  <a className={own('__button')} href={safeImageHref(image.url)} download={imageFileName(prompt, index, image.url)} aria-label={labels.downloadImage(index, count)} data-tooltip={labels.download}>
                    <DownloadIcon size={18} />
                  </a>
                  <Dialog.Close className={own('__button')} aria-label={labels.close} data-tooltip={labels.close}>
                    <CloseIcon size={18} />
                  </Dialog.Close>
                </div>
                <figure className={own('__figure')}>
                  <img src={image.url} alt={prompt} title={image.revisedPrompt} className={own('__image')} />
                  {image.revisedPrompt ? <figcaption className={own('__caption')}>{image.revisedPrompt}</figcaption> : null}
                </figure>
                {count > 1 ? (
                  <>
                    <button type="button" className={own('__nav')} data-side="previous" aria-label={labels.previousImage} onClick={() => go(-1)}>
                      <ChevronLeftIcon size={22} />
                    </button>
                    <button type="button" className={own('__nav')} data-side="next" aria-label={labels.nextImage} onClick={() => go(1)}>
                      <ChevronRightIcon size={22} />
                    </button>
                  </>
                ) : null}
              </>
            ) : null}
          </Dialog.Content>
        </PortalRoot>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
