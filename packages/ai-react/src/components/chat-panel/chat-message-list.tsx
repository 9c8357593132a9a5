'use client';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type HTMLAttributes, type ReactNode } from 'react';
import type { ConversationMessage } from '../../core/chat-messages.js';
import { ChatMessage, type RenderMessageActions } from './chat-message.js';
import { isBusy, useChatConfig, useChatState } from './chat-root.js';
import { useStickToBottom } from './use-stick-to-bottom.js';

export interface ChatMessageListProps extends HTMLAttributes<HTMLDivElement> {
  /** Shown while the conversation has no message; default the `emptyState` label. */
  emptyState?: ReactNode;
  /** Replaces (or extends) the actions under each message. */
  renderMessageActions?: RenderMessageActions | undefined;
  /**
   * How many of the latest messages a long conversation shows at first, and how many more each "Show earlier
   * messages" (or scrolling to the top) adds; default 60. Keeps a 1,000-message conversation light to open.
   */
  pageSize?: number | undefined;
}

/**
 * The messages shown: from the first one shown (kept by id, so new messages add to the end without dropping any
 * at the top) to the last; at first, the latest `pageSize`.
 */
function useShownMessages(messages: readonly ConversationMessage[], pageSize: number) {
  const [firstId, setFirstId] = useState<string | undefined>(undefined);
  let start = firstId === undefined ? -1 : messages.findIndex((message) => message.id === firstId);
  if (start === -1) {
    // A new conversation, a reload, or the first shown message was edited away: show the latest page.
    start = Math.max(0, messages.length - pageSize);
    const id = messages[start]?.id;
    if (id !== firstId) setFirstId(id);
  }
  const showEarlier = () => setFirstId(messages[Math.max(0, start - pageSize)]?.id);
  return { start, shown: start === 0 ? messages : messages.slice(start), showEarlier };
}

/**
 * The conversation: a scrolling region holding a list of messages. It is not a live region (`aria-live="off"`:
 * screen readers are not read every token; `ChatAnnouncer` says when an answer starts and ends) and is
 * `aria-busy` while an answer streams. It follows the answer until the user scrolls up, then offers
 * "Jump to latest", and follows again once back at the bottom.
 *
 * @example
 * <ChatMessageList emptyState={<p>Ask about your invoices.</p>} />
 */
export function ChatMessageList({ emptyState, renderMessageActions, pageSize = 60, className, onScroll, onWheel, ...props }: ChatMessageListProps) {
  const { messages, status, loaded } = useChatState('ChatMessageList');
  const config = useChatConfig('ChatMessageList');
  const { labels, className: classNameOf } = config;
  const lastSent = useMemo(() => messages.findLast((message) => message.role === 'user')?.id, [messages]);
  const stick = useStickToBottom(messages, lastSent);
  const busy = isBusy(status);
  const { start, shown, showEarlier } = useShownMessages(messages, Math.max(1, pageSize));
  const earlierButton = useRef<HTMLButtonElement>(null);
  // Earlier messages go in above: keep the distance to the bottom, so what the user reads stays where it was.
  const fromBottom = useRef<number | undefined>(undefined);
  const loadEarlier = () => {
    const element = stick.scrollRef.current;
    fromBottom.current = element ? element.scrollHeight - element.scrollTop : undefined;
    showEarlier();
  };
  useLayoutEffect(() => {
    const element = stick.scrollRef.current;
    if (!element || fromBottom.current === undefined) return;
    element.scrollTop = element.scrollHeight - fromBottom.current;
    fromBottom.current = undefined;
  }, [start, stick.scrollRef]);
  // Scrolling up to the button loads the earlier messages, as a feed would.
  const latestLoad = useRef(loadEarlier);
  latestLoad.current = loadEarlier;
  const hasEarlier = start > 0;
  useEffect(() => {
    const button = earlierButton.current;
    if (!hasEarlier || !button || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) latestLoad.current();
    }, { root: stick.scrollRef.current });
    observer.observe(button);
    return () => observer.disconnect();
  }, [hasEarlier, start, stick.scrollRef]);
  return (
    <div className={classNameOf('log', 'ia-chat-log-frame')} data-state={stick.detached ? 'detached' : 'following'}>
      <div
        ref={stick.scrollRef}
        role="region"
        aria-label={labels.conversation}
        data-chat-log=""
        // Focusable, so the conversation scrolls with the keyboard.
        tabIndex={0}
        data-state={busy ? 'streaming' : 'idle'}
        onScroll={(event) => {
          onScroll?.(event);
          stick.onScroll();
        }}
        onWheel={(event) => {
          onWheel?.(event);
          stick.onWheel(event);
        }}
        {...props}
        className={classNameOf('log', 'ia-chat-log', className)}
      >
        {messages.length === 0 ? (
          <div className={classNameOf('emptyState', 'ia-chat-empty')} aria-busy={!loaded}>
            {loaded ? (emptyState ?? labels.emptyState) : null}
          </div>
        ) : (
          <>
            {hasEarlier ? (
              <button ref={earlierButton} type="button" className={classNameOf('button', 'ia-chat-button ia-chat-earlier')} onClick={loadEarlier}>
                {labels.showEarlier}
              </button>
            ) : null}
            <ol className={classNameOf('list', 'ia-chat-list')} aria-live="off" aria-busy={busy}>
              {shown.map((message, index) => (
                <ChatMessage key={message.id} message={message} isLast={start + index === messages.length - 1} renderActions={renderMessageActions} />
              ))}
            </ol>
          </>
        )}
      </div>
      {stick.detached ? (
        <button
          type="button"
          className={classNameOf('jumpToLatest', 'ia-chat-jump')}
          onClick={() => {
            stick.jumpToLatest();
            config.focusComposer();
          }}
        >
          {labels.jumpToLatest}
        </button>
      ) : null}
    </div>
  );
}
