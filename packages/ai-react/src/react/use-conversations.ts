'use client';
import type { ConversationSummary } from '../core/chat-messages.js';
import { createConversationList, type ConversationList, type ConversationListState } from '../core/conversation-list.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import { useScopedStorage } from './use-chat-runtime.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseConversationsResult {
  /** Most recently updated first; the list reads again by itself when a chat saves. */
  conversations: readonly ConversationSummary[];
  loaded: boolean;
  error: AiError | undefined;
  /** What `error` failed to do: read the list, rename or delete a conversation. */
  failedAction: ConversationListState['failedAction'];
  refresh: ConversationList['refresh'];
  rename: ConversationList['rename'];
  remove: ConversationList['remove'];
}

/**
 * The conversations kept in the provider's storage (of one signed-in `identity`, when given): list, rename,
 * delete. A chat saving through the same storage refreshes it.
 *
 * @example
 * const { conversations, rename, remove } = useConversations({ identity: user.id });
 */
export function useConversations(options: { identity?: string | undefined } = {}): UseConversationsResult {
  const { storage: shared } = useAiContext('useConversations');
  const storage = useScopedStorage(shared, options.identity);
  const list = useInstance([storage, shared], () => createConversationList(storage, shared), (created) => created.dispose());
  const { conversations, loaded, error, failedAction } = useStoreState(list.store);
  return { conversations, loaded, error, failedAction, refresh: list.refresh, rename: list.rename, remove: list.remove };
}
