'use client';
import { useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { cutShortReason, shownAnswer } from '../../core/chat-messages.js';
import { visuallyHidden } from '../../primitives/visually-hidden.js';
import { isBusy, useThreadContext, useThreadSelector } from '../../primitives/thread/thread-context.js';
import { useChatPanelContext } from './chat-panel-context.js';

/**
 * A polite status region, visually hidden, that says "Generating…" when an answer starts and "Answer complete"
 * (or "Stopped", or that it stops at its length limit) when it ends: screen readers hear the answer's progress without every token. Failures are
 * announced by `ChatError` (`role="alert"`).
 *
 * @example
 * <ChatAnnouncer />
 */
export function ChatAnnouncer({ className, style, ...props }: HTMLAttributes<HTMLDivElement>) {
  const { labels } = useThreadContext('ChatAnnouncer');
  const { className: classNameOf } = useChatPanelContext('ChatAnnouncer');
  const status = useThreadSelector('ChatAnnouncer', (state) => state.status);
  // How the last answer ended: its status, or why a complete one stops short.
  const lastStatus = useThreadSelector('ChatAnnouncer', (state) => {
    const last = state.messages.at(-1);
    if (last?.role !== 'assistant') return undefined;
    const answer = shownAnswer(last);
    return cutShortReason(answer) ?? answer.status;
  });
  const [announcement, setAnnouncement] = useState('');
  const previous = useRef(status);
  useEffect(() => {
    const was = previous.current;
    previous.current = status;
    if (isBusy(status) === isBusy(was)) return;
    if (isBusy(status)) setAnnouncement(labels.generating);
    else if (status === 'error') setAnnouncement('');
    else if (lastStatus === 'stopped' || lastStatus === 'lengthLimit' || lastStatus === 'contentFilter') setAnnouncement(labels[lastStatus]);
    else setAnnouncement(labels.answerComplete);
  }, [status, lastStatus, labels]);
  return (
    <div role="status" aria-live="polite" aria-atomic="true" {...props} className={classNameOf('status', 'ia-chat-status', className)} style={{ ...visuallyHidden, ...style }}>
      {announcement}
    </div>
  );
}
