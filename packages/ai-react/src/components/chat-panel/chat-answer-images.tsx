'use client';
import { useRef } from 'react';
import { ExpandIcon } from '../../icons/expand-icon.js';
import type { ImagesPartProps } from '../../primitives/message/message-part-list.js';
import { useThreadContext } from '../../primitives/thread/thread-context.js';
import { useImageViewer } from './chat-image-viewer.js';

/**
 * Generated images as ChatPanel shows them: thumbnails in the answer, each a button that opens the image large in
 * the image generator's lightbox (← → move through all of the answer's images).
 *
 * @example
 * <Message.Parts components={{ Images: ChatAnswerImages }} />
 */
export function ChatAnswerImages({ images, all, first, className }: ImagesPartProps) {
  const { labels } = useThreadContext('ChatAnswerImages');
  const { open, viewer } = useImageViewer();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  return (
    <div className={className} data-part="images">
      {images.map((image, offset) => {
        const index = first + offset;
        const name = `${labels.generatedImage} ${index + 1}`;
        return (
          <button
            key={index}
            ref={(element) => {
              buttons.current[index] = element;
            }}
            type="button"
            data-part="image-open"
            aria-label={labels.openImage(name)}
            onClick={() => open(all, index, labels.generatedImage, buttons.current)}
          >
            <img src={image.url} alt="" loading="lazy" decoding="async" />
            <span data-part="image-expand" aria-hidden="true">
              <ExpandIcon size={16} />
            </span>
          </button>
        );
      })}
      {viewer}
    </div>
  );
}
