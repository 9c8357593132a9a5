'use client';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** How close to the bottom (in pixels) still counts as "at the bottom". */
const AT_BOTTOM_PX = 24;

export interface StickToBottom {
  /** The scrolling element. */
  scrollRef: RefObject<HTMLDivElement | null>;
  /** Whether the view left the bottom because the user scrolled up (offer "Jump to latest"). */
  detached: boolean;
  onScroll(): void;
  onWheel(event: { deltaY: number }): void;
  /** Scrolls to the bottom and follows new content again. */
  jumpToLatest(): void;
}

/**
 * Follows growing content at the bottom of a scrolling element until the user scrolls up; scrolling back to the
 * bottom (or `jumpToLatest`, or a new `followKey`, e.g. a message just sent) follows again. Only a scroll that
 * moves up detaches: content growing under a view that is following never does.
 *
 * @example
 * const { scrollRef, detached, onScroll, onWheel, jumpToLatest } = useStickToBottom(messages, lastSentId);
 */
export function useStickToBottom(content: readonly unknown[], followKey: unknown): StickToBottom {
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const following = useRef(true);
  const lastTop = useRef(0);
  const [detached, setDetached] = useState(false);
  const empty = content.length === 0;

  const scrollToBottom = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    lastTop.current = element.scrollTop;
  }, []);

  const follow = useCallback(() => {
    following.current = true;
    setDetached(false);
    scrollToBottom();
  }, [scrollToBottom]);

  // A new message of the user: show it, and follow its answer.
  useLayoutEffect(follow, [followKey, follow]);
  useLayoutEffect(() => {
    if (following.current) scrollToBottom();
  }, [content, scrollToBottom]);

  // Content can also grow between renders (a code block wraps, a font loads).
  useEffect(() => {
    const element = scrollRef.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (following.current) scrollToBottom();
    });
    for (const child of Array.from(element.children)) observer.observe(child);
    observer.observe(element);
    return () => observer.disconnect();
  }, [scrollToBottom, empty]);

  const onScroll = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    const top = element.scrollTop;
    const atBottom = element.scrollHeight - top - element.clientHeight <= AT_BOTTOM_PX;
    if (atBottom) following.current = true;
    else if (top < lastTop.current - 1) following.current = false;
    lastTop.current = top;
    setDetached(!following.current);
  }, []);

  const onWheel = useCallback((event: { deltaY: number }) => {
    // The wheel says "up" before the scroll lands: stop following at once, so a fast stream cannot pull back.
    if (event.deltaY < 0 && (scrollRef.current?.scrollTop ?? 0) > 0) following.current = false;
  }, []);

  return { scrollRef, detached, onScroll, onWheel, jumpToLatest: follow };
}
