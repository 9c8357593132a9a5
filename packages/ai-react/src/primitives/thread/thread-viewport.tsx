'use client';
import { forwardRef, useMemo, type ButtonHTMLAttributes, type HTMLAttributes } from 'react';
import { useStickToBottom, type StickToBottom } from '../../components/chat-panel/use-stick-to-bottom.js';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { createScopedContext } from '../create-scoped-context.js';
import { composeRefs, Slot } from '../slot.js';
import { isBusy, useThreadContext, useThreadSelector } from './thread-context.js';

const [ViewportContext, useViewportContext] = createScopedContext<StickToBottom>('Thread.Viewport');

export interface ThreadViewportProps extends HTMLAttributes<HTMLDivElement> {
  asChild?: boolean | undefined;
}

/**
 * The scrolling conversation, a focusable region named by the `conversation` label. It follows a streaming answer
 * until the user scrolls up (`data-state="detached"`), then `Thread.ScrollToBottom` offers the way back.
 *
 * @example
 * <Thread.Viewport><Thread.Messages components={{ UserMessage, AssistantMessage }} /><Thread.ScrollToBottom /></Thread.Viewport>
 */
export const ThreadViewport = /* @__PURE__ */ forwardRef<HTMLDivElement, ThreadViewportProps>(function ThreadViewport({ asChild, onScroll, onWheel, ...props }, ref) {
  const { labels } = useThreadContext('Thread.Viewport');
  const messages = useThreadSelector('Thread.Viewport', (state) => state.messages);
  const busy = useThreadSelector('Thread.Viewport', (state) => isBusy(state.status));
  const lastSent = useMemo(() => messages.findLast((message) => message.role === 'user')?.id, [messages]);
  const stick = useStickToBottom(messages, lastSent);
  const Element = asChild ? Slot : 'div';
  return (
    <ViewportContext.Provider value={stick}>
      <Element
        role="region"
        aria-label={labels.conversation}
        data-chat-log=""
        // Focusable, so the conversation scrolls with the keyboard.
        tabIndex={0}
        data-state={stick.detached ? 'detached' : 'following'}
        data-status={busy ? 'streaming' : 'idle'}
        {...props}
        ref={composeRefs(ref, stick.scrollRef)}
        onScroll={composeEventHandlers(onScroll, stick.onScroll)}
        onWheel={composeEventHandlers(onWheel, stick.onWheel)}
      />
    </ViewportContext.Provider>
  );
});

/** The scroll state of the nearest `Thread.Viewport`, for parts of your own (a jump button outside it, say). */
export const useThreadViewport = (part: string) => useViewportContext(part);

export interface ThreadScrollToBottomProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  asChild?: boolean | undefined;
  /** Render it while following too (hide it with `[data-state="hidden"]`, to animate it). */
  forceMount?: boolean | undefined;
}

/**
 * "Jump to latest": shown while the user has scrolled away from a growing conversation; it scrolls to the end,
 * follows again, and gives focus back to the composer.
 *
 * @example
 * <Thread.ScrollToBottom><ArrowDownIcon /></Thread.ScrollToBottom>
 */
export const ThreadScrollToBottom = /* @__PURE__ */ forwardRef<HTMLButtonElement, ThreadScrollToBottomProps>(function ThreadScrollToBottom({ asChild, forceMount, onClick, children, ...props }, ref) {
  const { labels, focusComposer } = useThreadContext('Thread.ScrollToBottom');
  const stick = useViewportContext('Thread.ScrollToBottom');
  if (!stick.detached && !forceMount) return null;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={ref}
      type="button"
      aria-label={labels.jumpToLatest}
      data-tooltip={labels.jumpToLatest}
      data-state={stick.detached ? 'visible' : 'hidden'}
      {...props}
      onClick={composeEventHandlers(onClick, () => {
        stick.jumpToLatest();
        focusComposer();
      })}
    >
      {children}
    </Element>
  );
});
