import type { ConversationStorage } from './conversation-storage.js';

// Keyed by storage object, so two providers with two storages never hear each other; weak, so nothing leaks.
const listeners = new WeakMap<ConversationStorage, Set<() => void>>();
const sources = new WeakMap<ConversationStorage, { source: ConversationStorage; idInSource: (id: string) => string }>();

/**
 * Records that `view` shows part of `source` (a scoped storage), its conversation `id` being `idInSource(id)` there: a
 * change through the view is a change of its source.
 */
export function linkStorage(view: ConversationStorage, source: ConversationStorage, idInSource: (id: string) => string = (id) => id): void {
  sources.set(view, { source, idInSource });
}

/** The storage at the end of the views' links, and the conversation's id there. */
function rootOf(storage: ConversationStorage, id: string): { storage: ConversationStorage; id: string } {
  let current = { storage, id };
  for (let link = sources.get(current.storage); link; link = sources.get(current.storage)) current = { storage: link.source, id: link.idInSource(current.id) };
  return current;
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
  for (let current: ConversationStorage | undefined = storage; current; current = sources.get(current)?.source) {
    for (const listener of listeners.get(current) ?? []) listener();
  }
}

/**
 * A chat writing a conversation. Told the conversation was removed, it stops writing it and settles its writes; told
 * it was renamed, it takes the title and saves it with the rest, so its own saves never put the old title back.
 */
export interface ConversationWriter {
  /** Writes nothing more until the chat changes the conversation again; resolves once its writes already sent end. */
  stopWriting(): Promise<void>;
  /** Takes this title (null: none) and saves the conversation with it. */
  retitle(title: string | null): void;
}

const writers = new WeakMap<ConversationStorage, Map<string, Set<ConversationWriter>>>();

/**
 * Records a chat that writes conversation `id` through `storage` (or a view of the same storage), until the returned
 * function is called.
 *
 * @example
 * const unregister = registerWriter(storage, conversationId, { stopWriting: async () => { … } });
 */
export function registerWriter(storage: ConversationStorage, id: string, writer: ConversationWriter): () => void {
  const root = rootOf(storage, id);
  let byId = writers.get(root.storage);
  if (!byId) writers.set(root.storage, (byId = new Map()));
  let set = byId.get(root.id);
  if (!set) byId.set(root.id, (set = new Set()));
  // One entry per registration, so a registration ended late (a disposed chat's writes settling) never ends a newer one.
  const entry: ConversationWriter = { stopWriting: () => writer.stopWriting(), retitle: (title) => writer.retitle(title) };
  set.add(entry);
  return () => {
    set.delete(entry);
    if (set.size === 0 && byId.get(root.id) === set) byId.delete(root.id);
  };
}

/**
 * Tells every chat writing conversation `id` of this storage (through any view of it) to stop, and waits for the
 * writes they already sent: a removal sent after it is not overtaken by a save that brings the conversation back.
 *
 * @example
 * await stopWriters(storage, id); await storage.remove(id);
 */
export async function stopWriters(storage: ConversationStorage, id: string): Promise<void> {
  const root = rootOf(storage, id);
  await Promise.all([...(writers.get(root.storage)?.get(root.id) ?? [])].map((writer) => writer.stopWriting()));
}

/**
 * Gives the title to every chat writing conversation `id` of this storage (through any view of it), which saves the
 * conversation with it; false when no chat writes it (the caller then saves the title itself).
 *
 * @example
 * if (!retitleThroughWriters(storage, id, title)) await storage.save({ ...(await storage.load(id)), title });
 */
export function retitleThroughWriters(storage: ConversationStorage, id: string, title: string | null): boolean {
  const root = rootOf(storage, id);
  const found = [...(writers.get(root.storage)?.get(root.id) ?? [])];
  for (const writer of found) writer.retitle(title);
  return found.length > 0;
}
