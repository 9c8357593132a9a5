import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConversationSummary } from './chat-messages.js';
import { toAiError, type AiError } from './errors.js';
import type { ConversationStorage } from './storage/conversation-storage.js';
import { notifyStorageChanged, retitleThroughWriters, stopWriters, subscribeToStorage } from './storage/storage-events.js';

export interface ConversationListState {
  /** Most recently updated first. */
  conversations: readonly ConversationSummary[];
  /** False until the first list arrived. */
  loaded: boolean;
  /** The last failure to list, rename or delete; the list keeps what it had. */
  error: AiError | undefined;
  /** What `error` failed to do: read the list, rename or delete a conversation. */
  failedAction: 'list' | 'rename' | 'remove' | undefined;
}

export interface ConversationList {
  store: StoreApi<ConversationListState>;
  /** Reads the list again (a chat's save does it by itself). */
  refresh(): Promise<void>;
  /** Gives a conversation another title (an empty one goes back to none). */
  rename(id: string, title: string): Promise<void>;
  /** Deletes a conversation. */
  remove(id: string): Promise<void>;
  /** Stops hearing the storage. */
  dispose(): void;
}

/**
 * The conversations of a storage, as a store a list renders from: it reads them, renames and deletes, and reads
 * again whenever a chat saves through the same storage (or a scoped view of it).
 *
 * @example
 * const list = createConversationList(storage);
 * list.store.subscribe(({ conversations }) => render(conversations));
 */
export function createConversationList(storage: ConversationStorage, source: ConversationStorage = storage): ConversationList {
  const store = createStore<ConversationListState>()(() => ({ conversations: [], loaded: false, error: undefined, failedAction: undefined }));
  let reading = 0;
  /** Conversations being removed: deleted from the list already, whatever a read meanwhile says. */
  const removing = new Set<string>();
  const failed = (error: unknown, failedAction: ConversationListState['failedAction']) => store.setState({ error: toAiError(error), failedAction });
  const refresh = async () => {
    // Only the latest read lands: a slow early answer never replaces a newer list.
    const ticket = ++reading;
    try {
      const listed = await storage.list();
      const conversations = removing.size === 0 ? listed : listed.filter((conversation) => !removing.has(conversation.id));
      if (ticket === reading) store.setState({ conversations, loaded: true, error: undefined, failedAction: undefined });
    } catch (error) {
      if (ticket === reading) store.setState({ loaded: true });
      failed(error, 'list');
    }
  };
  const unsubscribe = subscribeToStorage(source, () => void refresh());
  void refresh();
  return {
    store,
    refresh,
    async rename(id, title) {
      const given = title.trim() === '' ? null : title.trim();
      try {
        // A chat writing the conversation saves the title with its latest messages (a copy read here could be older
        // than what it writes next, and its next save would put the old title back).
        if (!retitleThroughWriters(storage, id, given)) {
          const conversation = await storage.load(id);
          if (!conversation) return;
          // Removed meanwhile (another tab): the rename does not bring it back.
          await storage.save({ ...conversation, title: given }, { ifPresent: true });
        }
        notifyStorageChanged(storage);
      } catch (error) {
        failed(error, 'rename');
      }
    },
    async remove(id) {
      // Gone from the list at once, and kept out of the reads that land meanwhile; the storage catches up once the
      // chats writing it have stopped (a save of theirs landing after the removal would bring it back).
      removing.add(id);
      store.setState({ conversations: store.getState().conversations.filter((conversation) => conversation.id !== id) });
      try {
        await stopWriters(storage, id);
        await storage.remove(id);
        removing.delete(id);
        notifyStorageChanged(storage);
      } catch (error) {
        removing.delete(id);
        // The read that puts the conversation back would clear the failure: it is told after.
        await refresh();
        failed(error, 'remove');
      }
    },
    dispose: unsubscribe,
  };
}
