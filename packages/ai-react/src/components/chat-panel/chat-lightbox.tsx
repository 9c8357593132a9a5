'use client';
import { ImageLightbox } from '../image-generator/image-lightbox.js';
import { defaultImageGeneratorLabels } from '../image-generator/image-generator-labels.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';

export interface ChatLightboxProps {
  images: readonly { url: string }[];
  /** The images' alternative text and the stem of a downloaded file's name. */
  description: string;
  index: number | undefined;
  onIndexChange(index: number | undefined): void;
  returnFocus(index: number): void;
  unstyled: boolean;
}

/**
 * The image generator's lightbox, worded by the chat's labels. Loaded on demand (the dialog is most of its weight):
 * ChatPanel imports this file the first time an image is opened.
 */
export function ChatLightbox({ images, description, index, onIndexChange, returnFocus, unstyled }: ChatLightboxProps) {
  const { labels } = useThreadContext('ChatLightbox');
  const { imageOf, previousImage, nextImage, closeImage, download, downloadImage } = labels;
  return (
    <ImageLightbox
      images={images}
      prompt={description}
      index={index}
      onIndexChange={onIndexChange}
      returnFocus={returnFocus}
      unstyled={unstyled}
      labels={{ ...defaultImageGeneratorLabels, imageOf, previousImage, nextImage, close: closeImage, download, downloadImage }}
    />
  );
}
