'use client';
import type { ReactNode } from 'react';
import type { AssistantMessage, ConversationMessage } from '../../core/chat-messages.js';
import { createScopedContext } from '../../primitives/create-scoped-context.js';
import type { Feedback } from '../../primitives/action-bar/action-bar.js';
import type { ToolComponents } from '../../primitives/message/message-tools.js';

/** The elements of ChatPanel that take a class name through `classNames`. */
export type ChatSlot =
  | 'root'
  | 'header'
  | 'log'
  | 'list'
  | 'message'
  | 'avatar'
  | 'content'
  | 'actions'
  | 'button'
  | 'composer'
  | 'input'
  | 'error'
  | 'modelInfo'
  | 'tooltip'
  | 'jumpToLatest'
  | 'emptyState'
  | 'suggestion'
  | 'status'
  | 'reasoning'
  | 'toolCall'
  | 'sources'
  | 'attachments'
  | 'budget';

export type ChatClassNames = Partial<Record<ChatSlot, string>>;

/** What `renderMessageActions` gets: the message, its shown answer (assistant turns), and the default actions. */
export interface MessageActionsContext {
  message: ConversationMessage;
  answer: AssistantMessage | undefined;
  isLast: boolean;
  defaultActions: ReactNode;
}

/** Replaces a message's actions; return `context.defaultActions` (with your own beside them) to keep them. */
export type RenderMessageActions = (context: MessageActionsContext) => ReactNode;

/** What ChatPanel's own parts share (stable while answers stream). */
export interface ChatPanelContextValue {
  unstyled: boolean;
  /** The class names of a slot: the own `ia-` class (unless unstyled), then the app's. */
  className(slot: ChatSlot, own: string, ...extra: Array<string | undefined>): string | undefined;
  renderMessageActions: RenderMessageActions | undefined;
  userName: string | undefined;
  onFeedback: ((feedback: Feedback | undefined, answer: AssistantMessage) => void) | undefined;
  toolComponents: ToolComponents | undefined;
}

export const [ChatPanelContext, useChatPanelContext] = createScopedContext<ChatPanelContextValue>('ChatPanel');
