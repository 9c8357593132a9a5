import type { StoredConversation } from '../chat-messages.js';
import { byUpdatedAtDescending, summarizeConversation, type ConversationStorage } from './conversation-storage.js';

/** The Web Storage methods the adapter uses (a Map-backed stub in tests, `sessionStorage` if preferred). */
export type WebStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

export interface LocalStorageAdapterOptions {
  /** Put before each conversation id in the key. Default `insforge-ai:conversation:`. */
  prefix?: string;
  /** Default `globalThis.localStorage`, read on each call (absent while rendering on a server). */
  storage?: WebStorage;
}

function browserStorage(): WebStorage | undefined {
  try {
    return (globalThis as { localStorage?: WebStorage }).localStorage;
  } catch {
    // Reading localStorage throws where the browser blocks storage (some privacy settings).
    return undefined;
  }
}

/**
 * Conversations in `localStorage`, one key per conversation. Where there is no storage (server rendering), it
 * behaves as an empty store that keeps nothing, so creating a chat there never throws.
 *
 * @example
 * const storage = localStorageAdapter({ prefix: 'acme-chat:' });
 */
export function localStorageAdapter(options: LocalStorageAdapterOptions = {}): ConversationStorage {
  const prefix = options.prefix ?? 'insforge-ai:conversation:';
  const storage = () => options.storage ?? browserStorage();
  const read = (key: string): StoredConversation | undefined => {
    const text = storage()?.getItem(key);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as StoredConversation;
    } catch {
      // Another script wrote this key, or it was cut short: it is not a conversation we can show.
      return undefined;
    }
  };
  return {
    load: async (id) => read(prefix + id),
    // A full storage throws QuotaExceededError: the controller reports it as a storage error.
    save: async (conversation) => storage()?.setItem(prefix + conversation.id, JSON.stringify(conversation)),
    remove: async (id) => storage()?.removeItem(prefix + id),
    list: async () => {
      const target = storage();
      if (!target) return [];
      const keys: string[] = [];
      for (let index = 0; index < target.length; index += 1) {
        const key = target.key(index);
        if (key?.startsWith(prefix)) keys.push(key);
      }
      return keys.flatMap((key) => {
        const conversation = read(key);
        return conversation ? [summarizeConversation(conversation)] : [];
      }).sort(byUpdatedAtDescending);
    },
  };
}
