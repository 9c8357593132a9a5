import type { Identity } from '../auth/identity.js';
import type { ChatMessage } from './chat-request.js';

/**
 * The chat's attachment stage, before the extension policy and the estimate: a message part that names a file of
 * the gateway's store (a reference or a signed URL) gets the file's bytes, so both judge what will be sent. The
 * gateway wires the file store's implementation; without one, messages go as they came.
 */
export interface AttachmentReferences {
  /**
   * The messages with every file reference the caller holds replaced by the file (a data URL; bare base64 for
   * audio); a 400 naming the part for a reference the caller does not hold. Answers the same array when no part
   * names the store.
   */
  resolve(identity: Identity, messages: ChatMessage[]): Promise<ChatMessage[]>;
}
