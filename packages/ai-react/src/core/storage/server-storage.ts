import type { ConversationMessage } from '../chat-messages.js';
import type { AiClient } from '../client.js';
import { AiError, isAiError } from '../errors.js';
import type { RemoteMessage } from '../conversations-client.js';
import type { ConversationStorage } from './conversation-storage.js';

/** The page size the server allows at most: `list()` shows the 100 most recent conversations. */
const LIST_LIMIT = 100;

// A missing conversation, not a server without the conversations API (whose catch-all says "No route …").
const isMissing = (error: unknown) => isAiError(error) && error.code === 'not_found' && !/^no route/i.test(error.message);
// The server holds a later (or this very) save of the same chat: what this save was for is already written.
const isOvertaken = (error: unknown) => isAiError(error) && error.serverCode === 'version_conflict' && error.param === 'order';

/** The server's caps on what a caller keeps: its message names the cap and the figure, which is what a user needs. */
const CAP_CODES: ReadonlySet<string | undefined> = new Set(['request_too_large', 'conversation_limit_exceeded']);

function withServerMessage(error: unknown): unknown {
  if (!isAiError(error) || !CAP_CODES.has(error.serverCode)) return error;
  return new AiError({ ...error.toJSON(), userMessage: error.message, cause: error });
}

/**
 * Conversations on the gateway (`/api/ai/conversations`), per signed-in user: the same history on every device.
 * Each save replaces the conversation whole (`PUT`), so a regenerated or edited answer is saved like a new one; a
 * chat's saves (and its removal, when cleared) carry their order, so one that arrives late never overwrites a later
 * one nor brings a removed conversation back, and the write a chat sends as its page goes away outlives the page (up to
 * the 64 KB a browser lets such a request carry). The saves that continue what a chat already wrote (`ifPresent`) are
 * refused by the server once the conversation was removed anywhere else, so an open chat elsewhere does not restore it.
 * Loading reads a long conversation back a page of messages at a time. A save past one of the server's caps (its
 * conversations, messages, or bytes per caller) fails with an `AiError` whose `userMessage` is the server's own
 * message, naming the cap and the current figure.
 *
 * @example
 * const storage = serverStorage(client);
 */
export function serverStorage(client: Pick<AiClient, 'conversations'>): ConversationStorage {
  const api = client.conversations;
  return {
    async load(id) {
      try {
        const conversation = await api.get<RemoteMessage & ConversationMessage>(id);
        return { ...conversation, messages: conversation.messages };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async save({ id, title, feature, messages }, options = {}) {
      try {
        const body = { title, feature, messages: messages as Array<RemoteMessage & ConversationMessage>, ...(options.order ? { order: options.order } : {}), ...(options.ifPresent ? { ifPresent: true } : {}) };
        await api.replace(id, body, { keepalive: options.unloading === true });
      } catch (error) {
        if (options.order && isOvertaken(error)) return;
        // Removed since (by a list, in another tab or on another device): this save does not bring it back.
        if (options.ifPresent && isMissing(error)) return false;
        throw withServerMessage(error);
      }
    },
    async remove(id, options = {}) {
      try {
        await api.remove(id, { ...(options.order ? { order: options.order } : {}), keepalive: options.unloading === true });
      } catch (error) {
        if (isMissing(error) || (options.order && isOvertaken(error))) return;
        throw error;
      }
    },
    async list() {
      return (await api.list({ limit: LIST_LIMIT })).data;
    },
  };
}
