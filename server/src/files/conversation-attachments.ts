import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { attachmentSlots } from './attachment-slots.js';
import { conversationHolder, fileTooLarge, type FileOwner } from './file-store.js';
import { fileReference, parseFileReference, parseSignedFileUrl } from './file-urls.js';
import { inlineBytesOf, inlineBytesWithin, inlineFile, type GatewayFiles } from './gateway-files.js';

type Message = { id: string } & Record<string, unknown>;

/** How a read gives attachments back: as sent (`inline`, data URLs) or as signed URLs (`reference`). */
export type AttachmentView = 'inline' | 'reference';

/** Messages ready to be written, and the files they name, held by this write until it is settled or discarded. */
export interface PreparedMessages<M extends Message = Message> {
  messages: M[];
  /** The write's own holder: a concurrent save of the same conversation cannot let its files go meanwhile. */
  holder: string;
  files: string[];
}

/**
 * Attachments of saved conversations, at rest in the file store: a message is stored with each `data:` URL replaced
 * by a reference the conversation holds (so its size counts the reference, and the file counts once against the
 * owner's file cap), and read back as it was sent or with signed URLs.
 *
 * @example
 * const prepared = await attachments.prepare(owner, messages);
 * await conversations.save(owner, 'trip', { messages: prepared.messages });
 * await attachments.settle(owner, 'trip', prepared, () => everyMessageOf('trip'));
 */
export class ConversationAttachments {
  constructor(private readonly files: GatewayFiles) {}

  /**
   * The messages as they are stored: every data URL (and bare base64 audio) moved into the file store, and every
   * signed URL or reference of a file the owner holds, as a reference; the files held by the write until it settles.
   * 413 naming the part for a file past a cap (and nothing kept). The messages given are not changed.
   */
  async prepare<M extends Message>(owner: FileOwner, messages: readonly M[]): Promise<PreparedMessages<M>> {
    const copy = structuredClone(messages) as M[];
    const holder = `write:${randomUUID()}`;
    const { store } = this.files;
    const files = new Set<string>();
    const named: Array<{ id: string; replace(): void }> = [];
    try {
      for (const slot of attachmentSlots(copy, 'messages')) {
        const inline = inlineBytesOf(slot.value, slot.form, slot.mediaType);
        if (inline) {
          if (inline.bytes.byteLength > store.limits.maxFileBytes) throw fileTooLarge(store.limits, inline.bytes.byteLength, slot.path);
          const stored = await store.put(owner, { bytes: inline.bytes, mediaType: inline.mediaType }, holder).catch((error: unknown) => {
            throw withParam(error, slot.path);
          });
          files.add(stored.id);
          slot.set(fileReference(stored.id, inline.header));
          continue;
        }
        const reference = parseFileReference(slot.value);
        if (reference) {
          named.push({ id: reference.id, replace: () => undefined });
          continue;
        }
        // A signed URL (from a read with `attachments=reference`) would expire: the reference it stands for is kept.
        const signed = parseSignedFileUrl(slot.value);
        if (signed && this.files.signer.verify(owner, signed.id, signed, { ignoreExpiry: true })) named.push({ id: signed.id, replace: () => slot.set(fileReference(signed.id)) });
      }
      const held = new Set(await store.hold(owner, holder, named.map((entry) => entry.id)));
      for (const entry of named) {
        if (!held.has(entry.id)) continue;
        entry.replace();
        files.add(entry.id);
      }
    } catch (error) {
      await store.releaseHolder(owner, holder);
      throw error;
    }
    return { messages: copy, holder, files: [...files] };
  }

  /**
   * After the write: the conversation holds its files, and the write lets go. With `current` (a save that replaced
   * the messages), the conversation also lets go of every file the messages it holds now no longer name.
   */
  async settle(owner: FileOwner, conversationId: string, prepared: PreparedMessages, current?: () => Promise<readonly Message[]>): Promise<void> {
    const { store } = this.files;
    const holder = conversationHolder(conversationId);
    await store.hold(owner, holder, prepared.files);
    await store.releaseHolder(owner, prepared.holder);
    // Read after the write, not taken from it: a concurrent save that landed last decides what stays.
    if (current) await store.releaseHolder(owner, holder, attachmentSlots(await current(), 'messages').flatMap((slot) => parseFileReference(slot.value)?.id ?? []));
  }

  /** The write failed: it keeps no file (those the conversation held before stay held). */
  async discard(owner: FileOwner, prepared: PreparedMessages): Promise<void> {
    await this.files.store.releaseHolder(owner, prepared.holder);
  }

  /** After a delete: the conversation holds no file any more. */
  async forget(owner: FileOwner, conversationId: string): Promise<void> {
    await this.files.store.releaseHolder(owner, conversationHolder(conversationId));
  }

  /**
   * Stored messages as a client reads them: each reference as the data URL (or base64) it replaced, or as a signed
   * URL. A reference to a file the owner deleted stays as it is stored. Inline, the files come to at most the owner's
   * file cap (each counted every time it is named): past it, a 413 naming the part. What it inlines counts with the
   * file answers waiting for their clients (`GatewayFiles.startSending`, a 503 past its cap) until `held`'s release is
   * called (when the answer has left), or at once without `held`. Both are checked from the files' sizes before any
   * file is read: a refused read loads nothing into memory.
   */
  async present<M extends Message>(owner: FileOwner, messages: readonly M[], view: AttachmentView, requestBase: string, held?: (release: () => void) => void): Promise<M[]> {
    if (!attachmentSlots(messages, 'messages').some((slot) => parseFileReference(slot.value))) return [...messages];
    const copy = structuredClone(messages) as M[];
    const named = attachmentSlots(copy, 'messages').flatMap((slot) => {
      const reference = parseFileReference(slot.value);
      return reference ? [{ slot, reference }] : [];
    });
    if (view === 'reference') {
      for (const { slot, reference } of named) slot.set(this.files.signedUrl(owner, reference.id, requestBase));
      return copy;
    }
    const { store } = this.files;
    const known = new Map((await store.find(owner, named.map(({ reference }) => reference.id))).map((file) => [file.id, file]));
    const count = inlineBytesWithin(store.limits.maxBytesPerOwner, 'read it with ?attachments=reference, or a smaller limit');
    let bytes = 0;
    for (const { slot, reference } of named) {
      const size = known.get(reference.id)?.size;
      if (size === undefined) continue;
      count(size, slot.path);
      bytes += size;
    }
    // One answer's files count together: alone it always fits, as a file answer does.
    const sending = bytes > 0 ? this.files.startSending(bytes) : undefined;
    const release = () => sending?.release();
    try {
      const read = new Map<string, Awaited<ReturnType<typeof store.read>>>();
      for (const { slot, reference } of named) {
        if (!known.has(reference.id)) continue;
        if (!read.has(reference.id)) read.set(reference.id, await store.read(owner, reference.id));
        // Deleted since it was found: left as it is stored, like a reference to a file deleted before.
        const file = read.get(reference.id);
        if (file) slot.set(inlineFile(file, slot.form, reference.header));
      }
    } catch (error) {
      release();
      throw error;
    }
    if (held) held(release);
    else release();
    return copy;
  }
}

/** A cap's 413 from the store, naming the message part that carried the file. */
function withParam(error: unknown, param: string): unknown {
  if (!(error instanceof GatewayError) || error.code !== 'request_too_large') return error;
  return new GatewayError('request_too_large', `${param}: ${error.message.replace(/^file: /, '')}`, { param, cause: error });
}
