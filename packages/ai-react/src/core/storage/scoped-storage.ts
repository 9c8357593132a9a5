import type { ConversationStorage } from './conversation-storage.js';
import { linkStorage } from './storage-events.js';

/**
 * The conversations of one identity (a signed-in user) within a storage shared by several: ids are kept under the
 * identity's prefix and `list()` shows only that identity's, so two users of one browser never see each other's
 * chats. Server storage is already per user; this is for browser storage.
 *
 * @example
 * const storage = scopedStorage(localStorageAdapter(), user.id);
 */
export function scopedStorage(storage: ConversationStorage, identity: string): ConversationStorage {
  // Encoded, so no identity is a prefix of another's ("ann" and "ann:x" stay apart).
  const prefix = `${encodeURIComponent(identity)}:`;
  const scoped: ConversationStorage = {
    load: async (id) => {
      const conversation = await storage.load(prefix + id);
      return conversation ? { ...conversation, id } : undefined;
    },
    save: (conversation, options) => storage.save({ ...conversation, id: prefix + conversation.id }, options),
    remove: (id, options) => storage.remove(prefix + id, options),
    list: async () => (await storage.list()).flatMap((summary) => (summary.id.startsWith(prefix) ? [{ ...summary, id: summary.id.slice(prefix.length) }] : [])),
  };
  linkStorage(scoped, storage, (id) => prefix + id);
  return scoped;
}
