import type { ConversationMessage } from '../chat-messages.js';
import type { AiClient } from '../client.js';
import { AiError, isAiError } from '../errors.js';
import type { RemoteMessage } from '../conversations-client.js';
import type { ConversationStorage } from './conversation-storage.js';
import { heardFromOtherTab } from './storage-events.js';
import { readConversationSummary, readStoredConversation } from './stored-conversation.js';

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

/** The channel the tabs of one origin tell each other about the conversations they wrote through `serverStorage`. */
export const SERVER_STORAGE_CHANNEL = 'insforge-ai:server-conversations';

/** What a tab tells the others: a conversation it saved (their lists read again), or one it removed. */
type TabMessage = { type: 'saved' | 'removed'; id: string };

// This page's server storages, held weakly (an adapter the app drops is not kept alive by the channel), and the one
// channel they share: a page's own messages do not come back to it.
const heard = new Set<WeakRef<ConversationStorage>>();
let channel: BroadcastChannel | null | undefined;

const isTabMessage = (data: unknown): data is TabMessage => {
  const message = data as Partial<TabMessage> | null;
  return typeof message === 'object' && message !== null && (message.type === 'saved' || message.type === 'removed') && typeof message.id === 'string';
};

/** The page's channel to its other tabs: none where there is no page (server rendering) or no BroadcastChannel. */
function otherTabs(): BroadcastChannel | undefined {
  if (channel !== undefined) return channel ?? undefined;
  const page = globalThis as { document?: unknown; BroadcastChannel?: typeof BroadcastChannel };
  if (page.document === undefined || typeof page.BroadcastChannel !== 'function') {
    channel = null;
    return undefined;
  }
  channel = new page.BroadcastChannel(SERVER_STORAGE_CHANNEL);
  // Where a channel keeps its process running (Node, under a test DOM), it should not.
  (channel as { unref?: () => void }).unref?.();
  channel.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isTabMessage(event.data)) return;
    for (const reference of heard) {
      const adapter = reference.deref();
      if (!adapter) heard.delete(reference);
      else if (event.data.type === 'removed') heardFromOtherTab(adapter, [event.data.id]);
      else heardFromOtherTab(adapter, [], [event.data.id]);
    }
  });
  return channel;
}

function tellOtherTabs(message: TabMessage): void {
  otherTabs()?.postMessage(message);
}

/**
 * Conversations on the gateway (`/api/ai/conversations`), per signed-in user: the same history on every device.
 * Each save replaces the conversation whole (`PUT`), so a regenerated or edited answer is saved like a new one; a
 * chat's saves (and its removal, when cleared) carry their order, so one that arrives late never overwrites a later
 * one nor brings a removed conversation back, and the write a chat sends as its page goes away outlives the page (up to
 * the 64 KB a browser lets such a request carry). The saves that continue what a chat already wrote (`ifPresent`) are
 * refused by the server once the conversation was removed anywhere else, so an open chat elsewhere does not restore it.
 * The tabs of one origin also tell each other (a `BroadcastChannel`): a conversation removed in one stops the chats
 * showing it in the others at once (an answer streaming into it stops), and lists read again when another tab saves.
 * Loading reads a long conversation back a page of messages at a time. A save past one of the server's caps (its
 * conversations, messages, or bytes per caller) fails with an `AiError` whose `userMessage` is the server's own
 * message, naming the cap and the current figure.
 *
 * @example
 * const storage = serverStorage(client);
 */
export function serverStorage(client: Pick<AiClient, 'conversations'>): ConversationStorage {
  const api = client.conversations;
  const adapter: ConversationStorage = {
    async load(id) {
      try {
        // A server keeps any JSON a client sent (an older version of this library): what cannot be shown is left out.
        return readStoredConversation(await api.get(id), id);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async save({ id, title, feature, messages }, options = {}) {
      try {
        const body = { title, feature, messages: messages as Array<RemoteMessage & ConversationMessage>, ...(options.order ? { order: options.order } : {}), ...(options.ifPresent ? { ifPresent: true } : {}) };
        await api.replace(id, body, { keepalive: options.unloading === true });
        tellOtherTabs({ type: 'saved', id });
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
        tellOtherTabs({ type: 'removed', id });
      } catch (error) {
        if (isMissing(error) || (options.order && isOvertaken(error))) return;
        throw error;
      }
    },
    async list() {
      return (await api.list({ limit: LIST_LIMIT })).data.flatMap((summary) => readConversationSummary(summary) ?? []);
    },
  };
  if (otherTabs()) {
    for (const reference of heard) if (!reference.deref()) heard.delete(reference);
    heard.add(new WeakRef(adapter));
  }
  return adapter;
}
