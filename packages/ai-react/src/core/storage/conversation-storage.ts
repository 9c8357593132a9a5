import type { WriteOrder } from '@insforge/ai-protocol';
import type { ConversationSummary, StoredConversation } from '../chat-messages.js';

/**
 * Where conversations are kept: four methods, so a host app can write its own (IndexedDB, its own API). Every
 * method is async, so a synchronous store and a remote one fit the same contract.
 */
export interface ConversationStorage {
  /** The conversation, or undefined when there is none with that id. */
  load(id: string): Promise<StoredConversation | undefined>;
  /** Creates or replaces the conversation whole. */
  /**
   * Saves it whole. With `ifPresent`, a storage that no longer holds it writes nothing and resolves `false` (one that
   * ignores the option resolves as after any save).
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a storage that returns nothing has saved
  save(conversation: StoredConversation, options?: SaveOptions): Promise<void | false>;
  /** Deletes it; removing one that does not exist is not an error. */
  remove(id: string, options?: SaveOptions): Promise<void>;
  /** Summaries, most recently updated first. */
  list(): Promise<ConversationSummary[]>;
}

/**
 * What a chat tells its storage about a save or a removal (clearing the chat); a storage that keeps conversations at
 * once may ignore both.
 */
export interface SaveOptions {
  /**
   * This write's place among the saves and removals of one chat (one per open page): a storage that can receive them
   * out of order (over the network) keeps the later one. `serverStorage` sends it, and the gateway refuses the
   * earlier write: a save that arrives after a later removal does not bring the conversation back.
   */
  order?: WriteOrder;
  /** The page is going away: send the write so that it outlives the page (`fetch` with `keepalive`). */
  unloading?: boolean;
  /**
   * Save only if the conversation is still stored, and resolve `false` (writing nothing) if it is not: a chat sets it
   * on the saves that continue what it already wrote (an answer's end, a tool's result, a title), so a conversation
   * removed meanwhile elsewhere (another tab, another device) is not brought back by them. A save that a user's own
   * change starts (a message sent, an edit) comes without it, and stores the conversation again.
   */
  ifPresent?: boolean;
}

/**
 * The summary of a stored conversation, as `list()` answers.
 *
 * @example
 * const summaries = conversations.map(summarizeConversation);
 */
export function summarizeConversation(conversation: StoredConversation): ConversationSummary {
  const { id, title, feature, createdAt, updatedAt, messages } = conversation;
  return { id, title, feature, createdAt, updatedAt, messageCount: messages.length };
}

/** Newest first, as every adapter lists. */
export const byUpdatedAtDescending = (a: ConversationSummary, b: ConversationSummary): number => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1);

/** A copy through JSON: what an adapter keeps is exactly what would survive a reload. */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * Conversations in memory, for tests, server rendering and apps that keep no history. Each call of the factory
 * is a separate store: two providers given two memory storages share nothing.
 *
 * @example
 * const controller = createChatController({ client, feature: 'chat', storage: memoryStorage() });
 */
export function memoryStorage(initial: StoredConversation[] = []): ConversationStorage {
  const conversations = new Map(initial.map((conversation) => [conversation.id, jsonCopy(conversation)]));
  return {
    load: async (id) => {
      const conversation = conversations.get(id);
      return conversation ? jsonCopy(conversation) : undefined;
    },
    save: async (conversation, options) => {
      if (options?.ifPresent && !conversations.has(conversation.id)) return false;
      conversations.set(conversation.id, jsonCopy(conversation));
    },
    remove: async (id) => {
      conversations.delete(id);
    },
    list: async () => [...conversations.values()].map(summarizeConversation).sort(byUpdatedAtDescending),
  };
}
