import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import { parseRequest } from '../gateway/chat-request.js';
import { CONVERSATION_LIMITS, type Conversation, type ConversationMessagesPage, type ConversationOwner, type ConversationStore, type ConversationSummary } from '../store/conversation-store.js';
import type { GatewayStores } from '../store/gateway-stores.js';
import { identityOf } from './identity-middleware.js';
import { isoTime } from './iso-time.js';
import { lazyRouter } from './lazy-router.js';

export interface ConversationSummaryResponse extends Omit<ConversationSummary, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
}

export interface ConversationResponse extends Omit<Conversation, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
}

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

const CreateBody = z.object({ id: ConversationId.optional(), title: Title.optional(), feature: Feature.optional(), messages: Messages.optional() });
const SaveBody = z.object({ title: Title.optional(), feature: Feature.optional(), messages: Messages });
const RenameBody = z.object({ title: Title });
const AppendBody = z.object({ messages: Messages });
const SaveParams = z.object({ id: ConversationId });
const MessagesQuery = z.object({
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
export const conversationOwner = (identity: Identity): ConversationOwner => ({
  projectId: identity.projectId,
  owner: identity.userId !== undefined ? `user:${identity.userId}` : identity.clientKeyId !== undefined ? `key:${identity.clientKeyId}` : 'anonymous',
});

/** Counts one call against the caller's rate limits (429 with Retry-After when over), released when it ends. */
export type AdmitCall = (identity: Identity) => Promise<{ headers: Record<string, string>; release(): void }>;

const toSummaryResponse = (summary: ConversationSummary): ConversationSummaryResponse => ({ ...summary, createdAt: isoTime(summary.createdAt), updatedAt: isoTime(summary.updatedAt) });
const toResponse = <C extends Conversation>(conversation: C): Omit<C, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string } => ({ ...conversation, createdAt: isoTime(conversation.createdAt), updatedAt: isoTime(conversation.updatedAt) });

/**
 * The caller's conversations (`/api/ai/conversations…`): list, create, read, save whole, rename, append, delete.
 * Any signed-in role may use it; mount it after the identity middleware.
 *
 * @example
 * router.use(identityMiddleware(context));
 * router.use(conversationsRouter(stores.conversations));
 */
export function conversationsRouter(store: ConversationStore, admitCall?: AdmitCall): Router {
  const router = Router();
  const path = '/api/ai/conversations';
  const item = `${path}/:id` as const;
  const owner = (res: Response) => conversationOwner(identityOf(res));
  if (admitCall) {
    router.use(path, async (_req, res, next) => {
      const admission = await admitCall(identityOf(res));
      res.set(admission.headers);
      res.once('close', admission.release);
      next();
    });
  }

  router.get(path, async (req, res) => {
    const { limit, before } = parseRequest(ListQuery, req.query);
    const page = await store.list(owner(res), { limit, before: before || undefined });
    res.json({ data: page.data.map(toSummaryResponse), next: page.next });
  });

  router.post(path, async (req, res) => {
    const conversation = await store.create(owner(res), parseRequest(CreateBody, req.body));
    res.status(201).json(toResponse(conversation));
  });

  // One page of messages at a time (the latest by default; `before` = the previous page's `earlier`).
  router.get(item, async (req, res) => {
    const { limit, before } = parseRequest(MessagesQuery, req.query);
    const conversation: ConversationMessagesPage | undefined = await store.get(owner(res), req.params.id, { limit, before });
    if (!conversation) throw notFound(req.params.id);
    res.json(toResponse(conversation));
  });

  // What a client's storage adapter saves with: create, or replace the messages; 201 when it created.
  router.put(item, async (req, res) => {
    const { id } = parseRequest(SaveParams, req.params);
    const { conversation, created } = await store.save(owner(res), id, parseRequest(SaveBody, req.body));
    res.status(created ? 201 : 200).json(toResponse(conversation));
  });

  router.patch(item, async (req, res) => {
    const { title } = parseRequest(RenameBody, req.body);
    res.json(toSummaryResponse(await store.rename(owner(res), req.params.id, title)));
  });

  router.delete(item, async (req, res) => {
    await store.remove(owner(res), req.params.id);
    res.status(204).end();
  });

  router.post(`${item}/messages`, async (req, res) => {
    const { messages } = parseRequest(AppendBody, req.body);
    res.json(await store.append(owner(res), req.params.id, messages));
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
export function lazyConversationsRouter(ready: Promise<GatewayStores>, admitCall?: AdmitCall): RequestHandler {
  return lazyRouter(ready, (stores) => conversationsRouter(stores.conversations, admitCall));
}
