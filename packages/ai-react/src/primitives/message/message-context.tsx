'use client';
import { useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import { shownAnswer, type AssistantMessage, type ConversationMessage } from '../../core/chat-messages.js';
import type { ConversationState } from '../../core/conversation-store.js';
import { useStoreSelector } from '../../react/use-store-selector.js';
import { createScopedContext } from '../create-scoped-context.js';
import { useThreadContext } from '../thread/thread-context.js';

export interface MessageContextValue {
  id: string;
  /** Where the message is in the conversation. */
  index: number;
  /** The last message of the conversation (its answer offers "Regenerate"). */
  isLast: boolean;
  /** A user message being edited in place. */
  editing: boolean;
  setEditing(editing: boolean): void;
  /** Set when an edit was cancelled: the button that opened it takes focus back when it shows again. */
  returnFocus: RefObject<boolean>;
}

export const [MessageContext, useMessageContext] = createScopedContext<MessageContextValue>('Message.Root');

/**
 * The scope of one message: its parts read it by id. `Thread.Messages` renders one per message; render one yourself
 * to show a message outside the list.
 *
 * @example
 * <MessageScope id={message.id} index={3} isLast={false}><MyMessage /></MessageScope>
 */
export function MessageScope({ id, index, isLast, children }: { id: string; index: number; isLast: boolean; children: ReactNode }) {
  const { editors } = useThreadContext('MessageScope');
  const [editing, setEditing] = useState(false);
  const returnFocus = useRef(false);
  useEffect(() => {
    const open = () => setEditing(true);
    editors.set(id, open);
    return () => {
      if (editors.get(id) === open) editors.delete(id);
    };
  }, [editors, id]);
  const value = useMemo(() => ({ id, index, isLast, editing, setEditing, returnFocus }), [id, index, isLast, editing]);
  return <MessageContext.Provider value={value}>{children}</MessageContext.Provider>;
}

const messageAt = (state: ConversationState, id: string, index: number): ConversationMessage | undefined => {
  // By index first (the common case, constant time), by id when the list moved under it.
  const candidate = state.messages[index];
  return candidate?.id === id ? candidate : state.messages.find((message) => message.id === id);
};

/**
 * The message of the nearest `Message.Root` scope; the part renders again only when this message changes.
 *
 * @example
 * const message = useMessage('MyPart');
 */
export function useMessage(part: string): ConversationMessage | undefined {
  const { chat } = useThreadContext(part);
  const { id, index } = useMessageContext(part);
  return useStoreSelector(chat.store, (state) => messageAt(state, id, index));
}

/** The answer shown by an assistant message (undefined for a user message). */
export const answerOf = (message: ConversationMessage | undefined): AssistantMessage | undefined => (message?.role === 'assistant' ? shownAnswer(message) : undefined);
