import type { ConversationStorage } from './conversation-storage.js';

// Keyed by storage object, so two providers with two storages never hear each other; weak, so nothing leaks.
const listeners = new WeakMap<ConversationStorage, Set<() => void>>();
const sources = new WeakMap<ConversationStorage, ConversationStorage>();

/** Records that `view` shows part of `source` (a scoped storage): a change through it is a change of its source. */
export function linkStorage(view: ConversationStorage, source: ConversationStorage): void {
  sources.set(view, source);
}

/**
 * Hears every conversation saved or removed through this storage (or a scoped view of it) by a chat: a list of
 * conversations refreshes when a chat starts, finishes or is cleared. Returns the unsubscribe function.
 *
 * @example
 * const stop = subscribeToStorage(storage, () => void list.refresh());
 */
export function subscribeToStorage(storage: ConversationStorage, listener: () => void): () => void {
  let set = listeners.get(storage);
  if (!set) listeners.set(storage, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Tells the listeners of this storage, and of the storage it is a view of, that a conversation changed.
 *
 * @example
 * await storage.save(conversation); notifyStorageChanged(storage);
 */
export function notifyStorageChanged(storage: ConversationStorage): void {
  for (let current: ConversationStorage | undefined = storage; current; current = sources.get(current)) {
    for (const listener of listeners.get(current) ?? []) listener();
  }
}
