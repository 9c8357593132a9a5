'use client';
import { forwardRef, memo, useEffect, useLayoutEffect, useRef, useState, type ComponentType, type HTMLAttributes } from 'react';
import { shallowEqualArrays } from '../../react/use-store-selector.js';
import { MessageScope } from '../message/message-context.js';
import { isBusy, useThreadContext, useThreadSelector } from './thread-context.js';
import { useThreadViewport } from './thread-viewport.js';

export interface ThreadMessagesProps extends HTMLAttributes<HTMLOListElement> {
  /** How each message looks: components built from `Message.*` parts, rendered inside each message's scope. */
  components: { UserMessage: ComponentType; AssistantMessage: ComponentType };
  /**
   * How many of the latest messages a long conversation shows at first, and how many more each "Show earlier
   * messages" (or scrolling up to it) adds; default 60. Keeps a 1,000-message conversation light to open.
   */
  pageSize?: number | undefined;
  /** The class of the "Show earlier messages" button. */
  showEarlierClassName?: string | undefined;
}

const idsOf = (messages: readonly { id: string; role: string }[]) => messages.map((message) => `${message.role[0]}${message.id}`);

/** From the first message shown (kept by id, so new messages add to the end and none drop at the top) to the last. */
function useShownRange(ids: readonly string[], pageSize: number) {
  const [firstId, setFirstId] = useState<string | undefined>(undefined);
  let start = firstId === undefined ? -1 : ids.indexOf(firstId);
  if (start === -1) {
    // A new conversation, a reload, or the first shown message was edited away: show the latest page.
    start = Math.max(0, ids.length - pageSize);
    const id = ids[start];
    if (id !== firstId) setFirstId(id);
  }
  return { start, showEarlier: () => setFirstId(ids[Math.max(0, start - pageSize)]) };
}

const Item = memo(function Item({ id, index, isLast, Component }: { id: string; index: number; isLast: boolean; Component: ComponentType }) {
  return (
    <MessageScope id={id} index={index} isLast={isLast}>
      <Component />
    </MessageScope>
  );
});

/**
 * The conversation as a list (`ol`), one scoped message per entry. It reads only the messages' ids: while an answer
 * streams, neither the list nor any earlier message renders; only the streaming message does. Not a live region
 * (`aria-live="off"`, screen readers hear `ChatAnnouncer` instead) and `aria-busy` while an answer streams.
 *
 * @example
 * <Thread.Messages components={{ UserMessage: MyUserMessage, AssistantMessage: MyAssistantMessage }} />
 */
export const ThreadMessages = /* @__PURE__ */ forwardRef<HTMLOListElement, ThreadMessagesProps>(function ThreadMessages({ components, pageSize = 60, showEarlierClassName, ...props }, ref) {
  const { labels } = useThreadContext('Thread.Messages');
  const keys = useThreadSelector('Thread.Messages', (state) => idsOf(state.messages), shallowEqualArrays);
  const busy = useThreadSelector('Thread.Messages', (state) => isBusy(state.status));
  const { start, showEarlier } = useShownRange(keys, Math.max(1, pageSize));
  const { scrollRef } = useThreadViewport('Thread.Messages');
  const earlierButton = useRef<HTMLButtonElement>(null);
  // Earlier messages go in above: keep the distance to the bottom, so what the user reads stays where it was.
  const fromBottom = useRef<number | undefined>(undefined);
  const loadEarlier = () => {
    const element = scrollRef.current;
    fromBottom.current = element ? element.scrollHeight - element.scrollTop : undefined;
    // The last page takes the button away: a keyboard user's focus goes to the conversation instead of the page.
    if (start <= pageSize && earlierButton.current === document.activeElement) element?.focus();
    showEarlier();
  };
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element || fromBottom.current === undefined) return;
    element.scrollTop = element.scrollHeight - fromBottom.current;
    fromBottom.current = undefined;
  }, [start, scrollRef]);
  // Scrolling up to the button loads the earlier messages, as a feed would.
  const latestLoad = useRef(loadEarlier);
  latestLoad.current = loadEarlier;
  const hasEarlier = start > 0;
  useEffect(() => {
    const button = earlierButton.current;
    if (!hasEarlier || !button || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) latestLoad.current();
    }, { root: scrollRef.current });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasEarlier, start, scrollRef]);
  if (keys.length === 0) return null;
  return (
    <>
      {hasEarlier ? (
        <button ref={earlierButton} type="button" className={showEarlierClassName} data-part="show-earlier" onClick={loadEarlier}>
          {labels.showEarlier}
        </button>
      ) : null}
      <ol ref={ref} aria-live="off" aria-busy={busy} {...props}>
        {keys.slice(start).map((key, offset) => {
          const index = start + offset;
          return <Item key={key} id={key.slice(1)} index={index} isLast={index === keys.length - 1} Component={key[0] === 'u' ? components.UserMessage : components.AssistantMessage} />;
        })}
      </ol>
    </>
  );
});
