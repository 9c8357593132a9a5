import { randomUUID } from 'node:crypto';
import type { ConversationAppendResponse, ConversationBody, ConversationCreateRequest, ConversationListBody, ConversationPageBody, ConversationRemoveQuery, ConversationSaveRequest, ConversationSummaryBody } from '@insforge/ai-protocol';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Identity } from '../auth/identity.js';
import { ownerOf } from '../auth/owner.js';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import { CONVERSATION_LIMITS, type Conversation, type ConversationMessage, type ConversationMessagesPage, type ConversationOwner, type ConversationStore, type ConversationSummary } from '../store/conversation-store.js';
import type { AttachmentView, ConversationAttachments } from '../files/conversation-attachments.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { whenClosed } from '../plain-http.js';
import { requestBaseUrl } from './files.js';
import { identityOf } from './identity-middleware.js';
import { isoTime } from './iso-time.js';
import { lazyRouter } from './lazy-router.js';

/**
 * A request body schema that takes every body of the wire's type (`@insforge/ai-protocol`, which the React library
 * sends): the compiler refuses the schema otherwise.
 */
const takes =
  <Wire>() =>
  <Schema extends z.ZodType>(schema: Schema & (Wire extends z.input<Schema> ? unknown : never)): Schema =>
    schema;

const { titleLength, pageSize, messagePage } = CONVERSATION_LIMITS;

const ConversationId = z
  .string()
  .min(1, 'id must not be empty')
  .max(200, 'id is at most 200 characters')
  .regex(/^[^\s\p{Cc}]+$/u, 'id must not contain spaces or control characters');
const Title = z.string().max(titleLength, `title is at most ${titleLength} characters`).nullable();
const Feature = z.string().min(1, 'feature must not be empty').max(200, 'feature is at most 200 characters').nullable();
// Sizes and counts are checked by the store, against the caps the gateway was given.
const Message = z.looseObject({ id: z.string().min(1, 'a message needs a string id').max(256, 'a message id is at most 256 characters') });
const Messages = z.array(Message);

const CreateBody = takes<ConversationCreateRequest>()(z.object({ id: ConversationId.optional(), title: Title.optional(), feature: Feature.optional(), messages: Messages.optional() }));
const Order = z.object({
  writer: z.string().min(1, 'order.writer must not be empty').max(200, 'order.writer is at most 200 characters'),
  sequence: z.number().int('order.sequence is a whole number').min(0, 'order.sequence is at least 0').max(Number.MAX_SAFE_INTEGER),
});
// A removal's order travels in the query (a DELETE has no body everywhere): both parts, or neither.
const RemoveQuery = takes<ConversationRemoveQuery>()(z
  .object({
    writer: z.string().min(1, 'writer must not be empty').max(200, 'writer is at most 200 characters').optional(),
    sequence: z.coerce.number().int('sequence is a whole number').min(0, 'sequence is at least 0').max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((query) => (query.writer === undefined) === (query.sequence === undefined), { message: 'writer and sequence go together: send both, or neither', path: ['sequence'] }));
const SaveBody = takes<ConversationSaveRequest>()(z.object({ title: Title.optional(), feature: Feature.optional(), messages: Messages, order: Order.optional(), ifPresent: z.boolean('ifPresent is true or false').optional() }));
const RenameBody = z.object({ title: Title });
const AppendBody = z.object({ messages: Messages });
const SaveParams = z.object({ id: ConversationId });
// `reference` answers signed URLs for attachments instead of the data URLs they were sent as.
const Attachments = z.enum(['inline', 'reference'], 'attachments is "inline" (the default) or "reference"').optional();
const ViewQuery = z.object({ attachments: Attachments });
const MessagesQuery = z.object({
  attachments: Attachments,
  limit: z.coerce.number().int('limit is a whole number').min(1, 'limit is at least 1').max(messagePage.max, `limit is at most ${messagePage.max}`).optional(),
  before: z.coerce.number().int('before is the `earlier` value of the previous page').min(0).optional(),
});
const ListQuery = z.object({
  limit: z.coerce.number().int('limit is a whole number').min(1, 'limit is at least 1').max(pageSize.max, `limit is at most ${pageSize.max}`).optional(),
  before: z.string().optional(),
});

/**
 * Everyone sees only their own: the project's signed-in user, else the client key, else the shared `anonymous`;
 * named by kind, so a user id can never equal a client key's id.
 */
export const conversationOwner = (identity: Identity): ConversationOwner => ownerOf(identity);

/** Counts one call against the caller's rate limits (429 with Retry-After when over), released when it ends. */
export type AdmitCall = (identity: Identity) => Promise<{ headers: Record<string, string>; release(): void }>;

const toSummaryResponse = (summary: ConversationSummary): ConversationSummaryBody => ({ ...summary, createdAt: isoTime(summary.createdAt), updatedAt: isoTime(summary.updatedAt) });
const toResponse = <C extends Conversation>(conversation: C): Omit<C, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string } => ({ ...conversation, createdAt: isoTime(conversation.createdAt), updatedAt: isoTime(conversation.updatedAt) });

/**
 * The caller's conversations (`/api/ai/conversations…`): list, create, read, save whole, rename, append, delete.
 * Any signed-in role may use it; mount it after the identity middleware. With `attachments`, the files in messages
 * rest in the gateway's file store (held by the conversation) and are read back as sent, or as signed URLs with
 * `?attachments=reference`.
 *
 * @example
 * router.use(identityMiddleware(context, parseBody));
 * router.use(conversationsRouter(stores.conversations, admitCall, new ConversationAttachments(files)));
 */
export function conversationsRouter(store: ConversationStore, admitCall?: AdmitCall, attachments?: ConversationAttachments): Router {
  const router = Router();
  const path = '/api/ai/conversations';
  const item = `${path}/:id` as const;
  const owner = (res: Response) => conversationOwner(identityOf(res));
  if (admitCall) {
    router.use(path, async (_req, res, next) => {
      const admission = await admitCall(identityOf(res));
      res.set(admission.headers);
      whenClosed(res, admission.release);
      next();
    });
  }

  /** Every message the conversation holds now, a page at a time. */
  const everyMessage = async (res: Response, id: string): Promise<ConversationMessage[]> => {
    const messages: ConversationMessage[] = [];
    let before: number | undefined;
    do {
      const page = await store.get(owner(res), id, { limit: messagePage.max, before });
      if (!page) break;
      messages.unshift(...page.messages);
      before = page.earlier ?? undefined;
    } while (before !== undefined);
    return messages;
  };
  /**
   * Writes messages with their attachments moved into the file store (when the gateway has one): held by the write
   * until it lands, then by the conversation; a save that replaced the messages lets go of the files no longer named.
   */
  const writing = async <T>(res: Response, id: string, messages: ConversationMessage[], how: 'replace' | 'add', write: (stored: ConversationMessage[]) => Promise<T>): Promise<T> => {
    if (!attachments) return write(messages);
    const prepared = await attachments.prepare(owner(res), messages);
    const written = await write(prepared.messages).catch(async (error: unknown) => {
      await attachments.discard(owner(res), prepared);
      throw error;
    });
    await attachments.settle(owner(res), id, prepared, how === 'replace' ? () => everyMessage(res, id) : undefined);
    return written;
  };
  /** Messages as the client reads them: as sent (`inline`), or with signed URLs for their attachments. */
  const toRead = <M extends ConversationMessage>(req: Request, res: Response, messages: M[], view: AttachmentView | undefined, sent?: M[]): Promise<M[]> => {
    if (!attachments) return Promise.resolve(messages);
    if (sent && view !== 'reference') return Promise.resolve(sent);
    // What it inlines counts with the file answers waiting for their clients until this answer has left.
    return attachments.present(owner(res), messages, view ?? 'inline', requestBaseUrl(req), (release) => whenClosed(res, release));
  };

  router.get(path, async (req, res) => {
    const { limit, before } = parseRequest(ListQuery, req.query);
    const page = await store.list(owner(res), { limit, before: before || undefined });
    res.json({ data: page.data.map(toSummaryResponse), next: page.next } satisfies ConversationListBody);
  });

  router.post(path, async (req, res) => {
    const { attachments: view } = parseRequest(ViewQuery, req.query);
    const input = parseRequest(CreateBody, req.body);
    const id = input.id ?? randomUUID();
    const sent = input.messages ?? [];
    const conversation = await writing(res, id, sent, 'add', (messages) => store.create(owner(res), { ...input, id, messages }));
    res.status(201).json(toResponse({ ...conversation, messages: await toRead(req, res, conversation.messages, view, sent) }) satisfies ConversationBody);
  });

  // One page of messages at a time (the latest by default; `before` = the previous page's `earlier`).
  router.get(item, async (req, res) => {
    const { limit, before, attachments: view } = parseRequest(MessagesQuery, req.query);
    const conversation: ConversationMessagesPage | undefined = await store.get(owner(res), req.params.id, { limit, before });
    if (!conversation) throw notFound(req.params.id);
    res.json(toResponse({ ...conversation, messages: await toRead(req, res, conversation.messages, view) }) satisfies ConversationPageBody);
  });

  // What a client's storage adapter saves with: create, or replace the messages; 201 when it created.
  router.put(item, async (req, res) => {
    const { id } = parseRequest(SaveParams, req.params);
    const { attachments: view } = parseRequest(ViewQuery, req.query);
    const input = parseRequest(SaveBody, req.body);
    const { conversation, created } = await writing(res, id, input.messages, 'replace', (messages) => store.save(owner(res), id, { ...input, messages }));
    res.status(created ? 201 : 200).json(toResponse({ ...conversation, messages: await toRead(req, res, conversation.messages, view, input.messages) }) satisfies ConversationBody);
  });

  router.patch(item, async (req, res) => {
    const { title } = parseRequest(RenameBody, req.body);
    res.json(toSummaryResponse(await store.rename(owner(res), req.params.id, title)));
  });

  // With `writer` and `sequence` (the removal's place in that writer's order), a save of the writer sent before the
  // removal is refused when it arrives later, and the removal is refused (409) after a later save of the writer.
  router.delete(item, async (req, res) => {
    const { writer, sequence } = parseRequest(RemoveQuery, req.query);
    await store.remove(owner(res), req.params.id, writer !== undefined && sequence !== undefined ? { writer, sequence } : undefined);
    await attachments?.forget(owner(res), req.params.id);
    res.status(204).end();
  });

  router.post(`${item}/messages`, async (req, res) => {
    const { messages } = parseRequest(AppendBody, req.body);
    const { id } = req.params;
    res.json((await writing(res, id, messages, 'add', (stored) => store.append(owner(res), id, stored))) satisfies ConversationAppendResponse);
  });

  return router;
}

const notFound = (id: string) => new GatewayError('not_found', `No conversation "${id}".`, { param: 'id' });

/**
 * The conversations API for a gateway whose stores are still opening: built once `ready` resolves; requests
 * that arrive before then wait for it.
 *
 * @example
 * router.use(lazyConversationsRouter(ready));
 */
export function lazyConversationsRouter(ready: Promise<GatewayStores>, admitCall?: AdmitCall, attachments?: Promise<ConversationAttachments>): RequestHandler {
  const opening = Promise.all([ready, attachments]);
  // A store that failed to open is logged where it opens and answered to each request by lazyRouter; until a request
  // comes, this promise must not count as an unhandled rejection.
  opening.catch(() => undefined);
  return lazyRouter(opening, ([stores, opened]) => conversationsRouter(stores.conversations, admitCall, opened));
}
