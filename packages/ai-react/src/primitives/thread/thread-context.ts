'use client';
import type { RefObject } from 'react';
import type { ConversationState } from '../../core/conversation-store.js';
import type { ChatLabels } from '../../components/chat-panel/chat-labels.js';
import type { ChatRuntime } from '../../react/use-chat-runtime.js';
import { useStoreSelector } from '../../react/use-store-selector.js';
import { createScopedContext } from '../create-scoped-context.js';

/** What every part of a thread shares: the chat, its labels, and the composer to focus after an action. */
export interface ThreadContextValue {
  chat: ChatRuntime;
  labels: ChatLabels;
  composerRef: RefObject<HTMLTextAreaElement | null>;
  /** Moves focus to the composer (after send, stop, regenerate, edit). */
  focusComposer(): void;
  /** Openers of each shown user message's editor, by message id (↑ in an empty composer edits the last one). */
  editors: Map<string, () => void>;
  /** Puts text in the composer (a suggestion with `method="fill"`); registered by `Composer.Root`. */
  fillComposer: RefObject<((text: string) => void) | undefined>;
}

export const [ThreadContext, useThreadContext] = createScopedContext<ThreadContextValue>('Thread.Root');

/**
 * A slice of the thread's state for a part: the part renders again only when the slice changes.
 *
 * @example
 * const busy = useThreadSelector('Composer.Send', (state) => isBusy(state.status));
 */
export function useThreadSelector<T>(part: string, selector: (state: ConversationState) => T, equal?: (a: T, b: T) => boolean): T {
  const { chat } = useThreadContext(part);
  return useStoreSelector(chat.store, selector, equal);
}

/** Whether an answer is on its way (sent, or streaming). */
export const isBusy = (status: ConversationState['status']) => status === 'submitted' || status === 'streaming';
