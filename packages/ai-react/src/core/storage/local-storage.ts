import type { StoredConversation } from '../chat-messages.js';
import { byUpdatedAtDescending, summarizeConversation, type ConversationStorage } from './conversation-storage.js';
import { heardFromOtherTab, idsBeingWritten } from './storage-events.js';
import { readStoredConversation } from './stored-conversation.js';

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

/** Each adapter's prefix and storage, for the `storage` events of other tabs. */
interface HeardAdapter {
  // Held weakly: an adapter the app drops is not kept alive by the page's one listener.
  adapter: WeakRef<ConversationStorage>;
  prefix: string;
  storage: () => WebStorage | undefined;
}
const adapters = new Set<HeardAdapter>();
let hearingOtherTabs = false;

/**
 * Another tab of the same origin changed `localStorage` (the browser tells every other page): a conversation it
 * removed stops being written by the chats showing it here, so their next save (the answer they were streaming) does
 * not bring it back; one it saved is read again by the chats at rest showing it; lists of conversations read again.
 */
function onStorageEvent(event: StorageEvent): void {
  for (const heard of adapters) {
    const adapter = heard.adapter.deref();
    if (!adapter) {
      adapters.delete(heard);
      continue;
    }
    const storage = heard.storage();
    if (event.storageArea !== storage) continue;
    // `key` is null when the other tab cleared the whole storage.
    if (event.key === null) heardFromOtherTab(adapter, idsBeingWritten(adapter).filter((id) => storage?.getItem(heard.prefix + id) === null));
    else if (!event.key.startsWith(heard.prefix)) continue;
    else if (event.newValue === null) heardFromOtherTab(adapter, [event.key.slice(heard.prefix.length)]);
    else heardFromOtherTab(adapter, [], [event.key.slice(heard.prefix.length)]);
  }
}

function hearOtherTabs(adapter: ConversationStorage, prefix: string, storage: () => WebStorage | undefined): void {
  const page = globalThis as { addEventListener?: (type: 'storage', listener: (event: StorageEvent) => void) => void };
  if (typeof page.addEventListener !== 'function') return;
  adapters.add({ adapter: new WeakRef(adapter), prefix, storage });
  if (hearingOtherTabs) return;
  hearingOtherTabs = true;
  page.addEventListener('storage', onStorageEvent);
}

/**
 * Conversations in `localStorage`, one key per conversation. Where there is no storage (server rendering), it
 * behaves as an empty store that keeps nothing, so creating a chat there never throws. A conversation another tab
 * removes (through its conversation list) stops being written by the chats showing it in this one, and conversation
 * lists here read again when another tab changes a conversation.
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
      // Another script, or another version of this library, may have written it: what cannot be shown is left out.
      return readStoredConversation(JSON.parse(text), key.slice(prefix.length));
    } catch {
      // Another script wrote this key, or it was cut short: it is not a conversation we can show.
      return undefined;
    }
  };
  const adapter: ConversationStorage = {
    load: async (id) => read(prefix + id),
    // A full storage throws QuotaExceededError: the controller reports it as a storage error.
    save: async (conversation, options) => {
      const target = storage();
      // Another tab may have removed it since this one last wrote it (its storage event may not have arrived yet).
      if (options?.ifPresent && target?.getItem(prefix + conversation.id) === null) return false;
      target?.setItem(prefix + conversation.id, JSON.stringify(conversation));
    },
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
  hearOtherTabs(adapter, prefix, storage);
  return adapter;
}
