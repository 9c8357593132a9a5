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
 * A chat showing a conversation, as a conversation list reaches it. Told the conversation was removed, it stops
 * writing it and settles its writes; told it was renamed, it takes the title, so its own saves never put the old one
 * back.
 */
export interface ConversationWriter {
  /** Writes nothing more until the chat changes the conversation again; resolves once its writes already sent end. */
  stopWriting(): Promise<void>;
  /**
   * Takes this title (null: none). True when the chat also saves the conversation with it (it is in use and has
   * written the conversation): its copy is the latest, so the caller need not save one it read.
   */
  retitle(title: string | null): boolean;
  /** Settles once the writes the chat already queued are written (or failed). */
  settled(): Promise<void>;
  /**
   * Another tab saved the conversation: a chat at rest reads it again, so what it saves next carries that tab's
   * messages instead of replacing them.
   */
  changedElsewhere(): void;
}

// Held weakly, through an object the chat keeps (its store): a chat that is never disposed (one React created and
// dropped) is not kept alive by being listed here, and its entry goes when it is collected.
const writers = new WeakMap<ConversationStorage, Map<string, Set<WeakRef<object>>>>();
const writerOf = new WeakMap<object, ConversationWriter>();
const collected = new FinalizationRegistry<() => void>((forget) => forget());

/**
 * Records a chat showing conversation `id` through `storage` (or a view of the same storage), for as long as `owner`
 * (an object the chat keeps) lives.
 *
 * @example
 * registerWriter(storage, conversationId, store, { stopWriting: async () => { … }, retitle: (title) => { … } });
 */
export function registerWriter(storage: ConversationStorage, id: string, owner: object, writer: ConversationWriter): void {
  const root = rootOf(storage, id);
  const byId = writers.get(root.storage) ?? new Map<string, Set<WeakRef<object>>>();
  writers.set(root.storage, byId);
  const set = byId.get(root.id) ?? new Set<WeakRef<object>>();
  byId.set(root.id, set);
  const reference = new WeakRef(owner);
  writerOf.set(owner, writer);
  set.add(reference);
  collected.register(owner, () => {
    set.delete(reference);
    if (set.size === 0 && byId.get(root.id) === set) byId.delete(root.id);
  });
}

/** The live chats showing conversation `id` of this storage (through any view of it). */
function writersOf(storage: ConversationStorage, id: string): ConversationWriter[] {
  const root = rootOf(storage, id);
  return [...(writers.get(root.storage)?.get(root.id) ?? [])].flatMap((reference) => {
    const owner = reference.deref();
    const writer = owner && writerOf.get(owner);
    return writer ? [writer] : [];
  });
}

/**
 * Tells every chat showing conversation `id` of this storage (through any view of it) to stop writing it, and waits
 * for the writes they already sent: a removal sent after it is not overtaken by a save that brings it back.
 *
 * @example
 * await stopWriters(storage, id); await storage.remove(id);
 */
export async function stopWriters(storage: ConversationStorage, id: string): Promise<void> {
  await Promise.all(writersOf(storage, id).map((writer) => writer.stopWriting()));
}

/**
 * Waits for the writes that the chats showing conversation `id` of this storage (through any view of it) already
 * queued: a chat opening it then reads what they wrote, not a copy their last save is about to replace. At most
 * `waitMs`: a save that never answers does not keep the chat from opening.
 *
 * @example
 * await writesSettled(storage, id); const saved = await storage.load(id);
 */
export async function writesSettled(storage: ConversationStorage, id: string, waitMs = 5_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(writersOf(storage, id).map((writer) => writer.settled())), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}

/**
 * The conversations of this storage (by their id in it) that live chats are showing: what another tab's clearing of
 * the whole storage may have removed under them.
 */
export function idsBeingWritten(storage: ConversationStorage): string[] {
  return [...(writers.get(storage)?.keys() ?? [])];
}

/**
 * Gives the title to every chat showing conversation `id` of this storage (through any view of it); true when one of
 * them saves the conversation with it (else the caller saves the title itself).
 *
 * @example
 * if (!retitleThroughWriters(storage, id, title)) await storage.save({ ...(await storage.load(id)), title });
 */
export function retitleThroughWriters(storage: ConversationStorage, id: string, title: string | null): boolean {
  return writersOf(storage, id).map((writer) => writer.retitle(title)).includes(true);
}

/**
 * What another tab did to this storage's conversations, as this page hears it: the chats showing one it removed stop
 * writing it (an answer streaming into it stops, and nothing saves it back), the chats showing one it saved read it
 * again when at rest, then lists read again.
 *
 * @example
 * heardFromOtherTab(storage, [removedId], [savedId]);
 */
export function heardFromOtherTab(storage: ConversationStorage, removed: readonly string[], saved: readonly string[] = []): void {
  for (const id of saved) for (const writer of writersOf(storage, id)) writer.changedElsewhere();
  void Promise.all(removed.map((id) => stopWriters(storage, id))).then(() => notifyStorageChanged(storage));
}
