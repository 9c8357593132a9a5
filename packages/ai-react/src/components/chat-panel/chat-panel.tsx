'use client';
import { forwardRef, type ReactNode } from 'react';
import { useChat, type UseChatOptions } from '../../react/use-chat.js';
import { ChatAnnouncer } from './chat-announcer.js';
import { ChatComposer } from './chat-composer.js';
import { ChatError } from './chat-error.js';
import type { RenderMessageActions } from './chat-message.js';
import { ChatMessageList } from './chat-message-list.js';
import { ChatRoot, type ChatRootProps } from './chat-root.js';

export interface ChatPanelProps extends Omit<ChatRootProps, 'chat' | 'children' | 'onError'>, UseChatOptions {
  /** The composer's placeholder (its accessible name stays the `message` label). */
  placeholder?: string | undefined;
  /** Shown while the conversation is empty. */
  emptyState?: ReactNode;
  /** Replaces (or extends) the actions under each message. */
  renderMessageActions?: RenderMessageActions | undefined;
  /** How many of the latest messages show at first (and per "Show earlier messages"); default 60. */
  pageSize?: number | undefined;
}

/**
 * A complete chat for one feature: the conversation with safe markdown, a composer, Stop, Regenerate, versions,
 * edit and re-send, model info, errors with the action to take, and screen-reader announcements. Built from
 * `ChatRoot` and its parts, which can be composed differently. Needs an `<AiProvider>` above it.
 *
 * @example
 * <AiProvider baseUrl="/ai"><ChatPanel feature="support" placeholder="Ask about your order…" /></AiProvider>
 */
export const ChatPanel = forwardRef<HTMLDivElement, ChatPanelProps>(function ChatPanel(
  { feature, conversationId, initialMessages, params, onFinish, onError, placeholder, emptyState, renderMessageActions, pageSize, ...props },
  ref,
) {
  const chat = useChat({ feature, conversationId, initialMessages, params, onFinish, onError });
  return (
    <ChatRoot ref={ref} chat={chat} {...props}>
      <ChatMessageList emptyState={emptyState} renderMessageActions={renderMessageActions} pageSize={pageSize} />
      <ChatError />
      <ChatComposer placeholder={placeholder} />
      <ChatAnnouncer />
    </ChatRoot>
  );
});
