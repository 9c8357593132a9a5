'use client';
import { useMemo } from 'react';
import type { AssistantMessage, ConversationMessage } from '../core/chat-messages.js';
import type { ChatController, ChatControllerOptions } from '../core/chat-controller.js';
import type { ChatStatus } from '../core/conversation-store.js';
import type { ChatTools } from '../core/message-parts.js';
import type { AiError } from '../core/errors.js';
import { useChatRuntime } from './use-chat-runtime.js';
import { useStoreState } from './use-store-state.js';

export interface UseChatOptions {
  /** The feature every answer is asked of; default the provider's `defaults.feature`, else "chat". */
  feature?: string | undefined;
  /** Continue this conversation from the provider's storage; default a new one. Changing it switches chats. */
  conversationId?: string | undefined;
  /**
   * Who is signed in: conversations are kept under this identity in the provider's storage, so two users of one
   * browser never see each other's chats (server storage is per user already).
   */
  identity?: string | undefined;
  /** Shown when storage has nothing under `conversationId` (read once, when the chat is created). */
  initialMessages?: readonly ConversationMessage[] | undefined;
  /** Request parameters sent with every answer (read once, when the chat is created). */
  params?: ChatControllerOptions['params'] | undefined;
  /**
   * Tools the model may call (read when the chat is created; each call runs the latest render's `execute`). A tool
   * with `execute` runs in the browser, after the user approves when it `needsApproval`; one without waits for
   * `addToolOutput`.
   */
  tools?: ChatTools | undefined;
  /** Model calls one answer may take in a tool loop (default 5). */
  maxSteps?: number | undefined;
  /** An answer finished or was stopped; the latest function is called. */
  onFinish?: ((answer: AssistantMessage) => void) | undefined;
  /** An answer failed; the latest function is called. */
  onError?: ((error: AiError) => void) | undefined;
}

export interface UseChatResult {
  /** The conversation's id (pass it back as `conversationId` to continue it after a reload). */
  id: string;
  /** User messages and assistant turns; an entry that did not change keeps its identity (memoize on it). */
  messages: readonly ConversationMessage[];
  status: ChatStatus;
  /** The failure of the last answer, with a `userMessage` to show. */
  error: AiError | undefined;
  /** False until the saved conversation was read from storage. */
  loaded: boolean;
  /** The last failure to load or save the conversation; the chat keeps working. */
  storageError: AiError | undefined;
  /** What `storageError` failed to do: read the saved conversation, or save it. */
  failedStorageAction: 'load' | 'save' | undefined;
  send: ChatController['send'];
  stop: ChatController['stop'];
  regenerate: ChatController['regenerate'];
  edit: ChatController['edit'];
  clear: ChatController['clear'];
  selectVersion: ChatController['selectVersion'];
  respondToApproval: ChatController['respondToApproval'];
  addToolOutput: ChatController['addToolOutput'];
}

/**
 * A chat over the nearest provider's client and storage: streamed answers (at most one update per animation
 * frame), Stop that ends the model's generation, versions on regenerate, edit and re-send. The chat is disposed
 * (any answer stopped) when the component unmounts.
 *
 * @example
 * const { messages, status, send, stop } = useChat({ feature: 'chat' });
 * <form onSubmit={(event) => { event.preventDefault(); void send(text); }}>…</form>
 */
export function useChat(options: UseChatOptions = {}): UseChatResult {
  const controller = useChatRuntime(options, 'useChat');
  const { id, messages, status, error, loaded, storageError, failedStorageAction } = useStoreState(controller.store);
  const { send, stop, regenerate, edit, clear, selectVersion, respondToApproval, addToolOutput } = controller;
  return useMemo(
    () => ({ id, messages, status, error, loaded, storageError, failedStorageAction, send, stop, regenerate, edit, clear, selectVersion, respondToApproval, addToolOutput }),
    [id, messages, status, error, loaded, storageError, failedStorageAction, send, stop, regenerate, edit, clear, selectVersion, respondToApproval, addToolOutput],
  );
}
