import type { Identity } from '../auth/identity.js';
import { ownerOf } from '../auth/owner.js';
import { GatewayError } from '../errors.js';
import type { AttachmentReferences } from '../gateway/attachment-references.js';
import type { ChatMessage } from '../gateway/chat-request.js';
import { attachmentSlots } from './attachment-slots.js';
import { parseFileReference, parseSignedFileUrl } from './file-urls.js';
import { inlinerWithin, type GatewayFiles } from './gateway-files.js';

/** The file a message string names: a reference (`insforge-file:<id>`) or one of the gateway's signed URLs. */
function namedFile(value: string): { id: string; header: string | undefined } | undefined {
  const reference = parseFileReference(value);
  if (reference) return reference;
  const signed = parseSignedFileUrl(value);
  return signed ? { id: signed.id, header: undefined } : undefined;
}

/**
 * The chat's attachment stage on the gateway's file store: a client sends back a reloaded conversation's references
 * or signed URLs instead of uploading the files again, and the gateway puts the bytes in, for its owner only.
 *
 * @example
 * const context = { …, attachments: chatAttachments(files) };
 */
export function chatAttachments(files: GatewayFiles | Promise<GatewayFiles>): AttachmentReferences {
  return {
    async resolve(identity: Identity, messages: ChatMessage[]): Promise<ChatMessage[]> {
      if (!attachmentSlots(messages, 'messages').some((slot) => namedFile(slot.value))) return messages;
      const { store } = await files;
      const owner = ownerOf(identity);
      const copy = structuredClone(messages);
      const inline = inlinerWithin(store.limits.maxBytesPerOwner, 'name each file once, or send fewer');
      const read = new Map<string, Awaited<ReturnType<typeof store.read>>>();
      for (const slot of attachmentSlots(copy, 'messages')) {
        const named = namedFile(slot.value);
        if (!named) continue;
        if (!read.has(named.id)) read.set(named.id, await store.read(owner, named.id));
        const file = read.get(named.id);
        if (!file) {
          throw new GatewayError('invalid_parameter', `${slot.path}: the gateway's file store holds no file ${named.id.slice(0, 12)}… of yours (it was deleted, or it is not yours); send the file itself.`, { param: slot.path });
        }
        slot.set(inline(file, slot.form, named.header, slot.path));
      }
      return copy;
    },
  };
}
