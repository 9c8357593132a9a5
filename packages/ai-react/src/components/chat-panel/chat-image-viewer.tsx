'use client';
import { lazy, Suspense, useCallback, useRef, useState, type ReactNode } from 'react';
import { useChatPanelContext } from './chat-panel-context.js';

// The dialog under the lightbox weighs more than the rest of the chat's images: it loads when an image is first opened.
const ChatLightbox = lazy(() => import('./chat-lightbox.js').then((module) => ({ default: module.ChatLightbox })));

interface Viewing {
  images: readonly { url: string }[];
  description: string;
  index: number | undefined;
}

/**
 * Opens images large in the image generator's lightbox (loaded on demand): `open(images, index, description,
 * triggers)` from a thumbnail's click, and `viewer` to render in the message. ← → move, Esc closes and the focus
 * goes back to the thumbnail of the image shown last.
 *
 * @example
 * const { open, viewer } = useImageViewer();
 * <button onClick={(event) => open(images, 0, 'Generated image', [event.currentTarget])}>…</button>{viewer}
 */
export function useImageViewer(): { open(images: readonly { url: string }[], index: number, description: string, triggers: readonly (HTMLElement | null)[]): void; viewer: ReactNode } {
  const { unstyled } = useChatPanelContext('useImageViewer');
  const [viewing, setViewing] = useState<Viewing | undefined>(undefined);
  // The thumbnails that open each image: the focus goes back to the one of the image shown last.
  const triggers = useRef<readonly (HTMLElement | null)[]>([]);
  const open = useCallback((images: readonly { url: string }[], index: number, description: string, buttons: readonly (HTMLElement | null)[]) => {
    triggers.current = buttons;
    setViewing({ images, description, index });
  }, []);
  const viewer = viewing ? (
    <Suspense fallback={null}>
      <ChatLightbox
        images={viewing.images}
        description={viewing.description}
        index={viewing.index}
        unstyled={unstyled}
        onIndexChange={(index) => setViewing((current) => (current ? { ...current, index } : current))}
        returnFocus={(index) => (triggers.current[index] ?? triggers.current[0])?.focus()}
      />
    </Suspense>
  ) : null;
  return { open, viewer };
}
