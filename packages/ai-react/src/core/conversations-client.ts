import type { ConversationAppendResponse, ConversationBody, ConversationCreateRequest, ConversationListBody, ConversationMessageBody, ConversationPageBody, ConversationSaveRequest, ConversationSummaryBody, WriteOrder } from '@insforge/ai-protocol';
import type { ConversationSummary } from './chat-messages.js';
import { AiError } from './errors.js';
import { requestJson, type RequestOptions, type Transport } from './http-transport.js';

/** A stored message: any JSON object with a string `id`, kept and returned as sent. */
export type RemoteMessage = ConversationMessageBody;

/** A conversation on the server as listed: the same summary local storage gives (the server's ISO times, read). */
export type RemoteConversationSummary = ConversationSummary;

export interface RemoteConversation<M extends RemoteMessage = RemoteMessage> extends Omit<RemoteConversationSummary, 'messageCount'> {
  messages: M[];
}

/** What `create` takes (the wire's `ConversationCreateRequest`). */
export type ConversationInput<M extends RemoteMessage = RemoteMessage> = ConversationCreateRequest<M>;

/** The caller's conversations on the server (`/api/ai/conversations…`). */
export interface ConversationsApi {
  /** Most recently updated first, a page at a time. */
  list(query?: { limit?: number; before?: string }, options?: RequestOptions): Promise<{ data: RemoteConversationSummary[]; next: string | null }>;
  get<M extends RemoteMessage = RemoteMessage>(id: string, options?: RequestOptions): Promise<RemoteConversation<M>>;
  create<M extends RemoteMessage = RemoteMessage>(input?: ConversationInput<M>, options?: RequestOptions): Promise<RemoteConversation<M>>;
  rename(id: string, title: string | null, options?: RequestOptions): Promise<RemoteConversationSummary>;
  /** Deletes it; with an `order`, the server refuses a save of that writer sent before this removal. */
  remove(id: string, options?: RemoveRequestOptions): Promise<void>;
  /** Adds messages at the end; a message whose id is already stored is skipped, so a retry adds nothing twice. */
  append(id: string, messages: RemoteMessage[], options?: RequestOptions): Promise<ConversationAppendResponse>;
  /** Creates the conversation or replaces it whole (a title or feature left out keeps the stored one). */
  replace<M extends RemoteMessage = RemoteMessage>(id: string, body: ConversationReplacement<M>, options?: RequestOptions): Promise<RemoteConversation<M>>;
}

/**
 * What `replace` takes (the wire's `ConversationSaveRequest`): the messages, a title or feature (left out, the stored
 * ones stay), and the save's `order` among one writer's saves, which the server refuses (409 `version_conflict`)
 * after a later one.
 */
export type ConversationReplacement<M extends RemoteMessage = RemoteMessage> = ConversationSaveRequest<M>;

export interface RemoveRequestOptions extends RequestOptions {
  /** This removal's place among one writer's saves: the server refuses it (409 `version_conflict`) after a later one. */
  order?: WriteOrder | undefined;
}

type Timed = { createdAt: string | number; updatedAt: string | number };

/** Messages asked for per page when reading a long conversation back (the server's largest page). */
const MESSAGE_PAGE = 200;

// NaN for a time that is not one (a server answering another shape): readers of the summary decide what it becomes.
const epoch = (value: unknown): number => (typeof value === 'number' ? value : Date.parse(String(value)));

function readTimes<T extends Timed>(value: T): Omit<T, keyof Timed> & { createdAt: number; updatedAt: number } {
  // An entry that is not an object (null in a list) reads as one without fields, instead of failing the whole list.
  return { ...value, createdAt: epoch(value?.createdAt), updatedAt: epoch(value?.updatedAt) };
}

/**
 * The conversations REST API as typed calls.
 *
 * @example
 * const api = createConversationsApi(transport);
 * await api.replace('c1', { title: 'Trip', messages });
 */
export function createConversationsApi(transport: Transport): ConversationsApi {
  const path = '/api/ai/conversations';
  const one = (id: string) => `${path}/${encodeURIComponent(id)}`;
  return {
    async list(query = {}, options = {}) {
      const page = await requestJson<ConversationListBody>(transport, path, { query: { limit: query.limit, before: query.before }, signal: options.signal });
      return { data: page.data.map(readTimes), next: page.next };
    },
    async get<M extends RemoteMessage>(id: string, options: RequestOptions = {}) {
      // The server answers a conversation a page of messages at a time (the latest first): read back to the start.
      type Page = ConversationPageBody<M>;
      const { earlier, messageCount: _count, ...first } = await requestJson<Page>(transport, one(id), { signal: options.signal });
      const messages = [...first.messages];
      for (let before = earlier; typeof before === 'number'; ) {
        const page = await requestJson<Page>(transport, one(id), { query: { before, limit: MESSAGE_PAGE }, signal: options.signal });
        messages.unshift(...page.messages);
        // Each page starts before the last: a server (or a proxy dropping the query) that answers otherwise would be
        // asked for ever, and a conversation read in part would be saved back in part.
        if (page.earlier !== null && !(Number.isInteger(page.earlier) && page.earlier >= 0 && page.earlier < before)) {
          throw new AiError({ code: 'unknown', message: `The server answered the pages of conversation "${id}" out of order; it was not read.` });
        }
        before = page.earlier;
      }
      return readTimes({ ...first, messages });
    },
    async create<M extends RemoteMessage>(input: ConversationInput<M> = {}, options: RequestOptions = {}) {
      return readTimes(await requestJson<ConversationBody<M>>(transport, path, { method: 'POST', body: input, signal: options.signal }));
    },
    async rename(id, title, options = {}) {
      return readTimes(await requestJson<ConversationSummaryBody>(transport, one(id), { method: 'PATCH', body: { title }, signal: options.signal }));
    },
    async remove(id, options = {}) {
      const query = { writer: options.order?.writer, sequence: options.order?.sequence };
      await requestJson<unknown>(transport, one(id), { method: 'DELETE', query, signal: options.signal, keepalive: options.keepalive });
    },
    append: (id, messages, options = {}) => requestJson<ConversationAppendResponse>(transport, `${one(id)}/messages`, { method: 'POST', body: { messages }, signal: options.signal }),
    async replace<M extends RemoteMessage>(id: string, body: ConversationReplacement<M>, options: RequestOptions = {}) {
      return readTimes(await requestJson<ConversationBody<M>>(transport, one(id), { method: 'PUT', body, signal: options.signal, keepalive: options.keepalive }));
    },
  };
}
