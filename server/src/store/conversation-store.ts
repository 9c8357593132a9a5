import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { GatewayError } from '../errors.js';
import type { Database } from './schema.js';

/** Whose conversations: one project's caller (user id, else client key id, else `anonymous`). */
export interface ConversationOwner {
  projectId: string;
  owner: string;
}

/** A message as the client keeps it: any JSON object with a string `id`; stored and returned as sent. */
export type ConversationMessage = { id: string } & Record<string, unknown>;

export interface ConversationSummary {
  id: string;
  title: string | null;
  feature: string | null;
  createdAt: number;
  updatedAt: number;
  messageCount: number;
}

export interface Conversation extends Omit<ConversationSummary, 'messageCount'> {
  messages: ConversationMessage[];
}

export interface ConversationPage {
  data: ConversationSummary[];
  /** Pass as `before` for the next page; `null` on the last one. */
  next: string | null;
}

export interface NewConversation {
  /** Default: a random UUID. */
  id?: string | undefined;
  title?: string | null | undefined;
  feature?: string | null | undefined;
  messages?: ConversationMessage[] | undefined;
}

/** A whole conversation to save: a title or feature left out keeps the stored one. */
export interface ConversationSave {
  title?: string | null | undefined;
  feature?: string | null | undefined;
  messages: ConversationMessage[];
}

export const CONVERSATION_LIMITS = {
  messagesPerConversation: 5_000,
  /** Serialized as JSON, in bytes. */
  messageBytes: 256 * 1024,
  titleLength: 200,
  pageSize: { default: 20, max: 100 },
} as const;

/** Conversations per owner: list, read, create, save whole, rename, append messages, delete. */
export interface ConversationStore {
  list(owner: ConversationOwner, options?: { limit?: number | undefined; before?: string | undefined }): Promise<ConversationPage>;
  get(owner: ConversationOwner, id: string): Promise<Conversation | undefined>;
  create(owner: ConversationOwner, input: NewConversation): Promise<Conversation>;
  save(owner: ConversationOwner, id: string, input: ConversationSave): Promise<{ conversation: Conversation; created: boolean }>;
  rename(owner: ConversationOwner, id: string, title: string | null): Promise<ConversationSummary>;
  append(owner: ConversationOwner, id: string, messages: ConversationMessage[]): Promise<{ appended: number; messageCount: number }>;
  remove(owner: ConversationOwner, id: string): Promise<void>;
}

type Row = Database['conversations'];

/** Rows per INSERT: well under SQLite's and Postgres's limits on bound parameters. */
const INSERT_BATCH = 500;

/**
 * Conversations in SQLite or Postgres. Every query is scoped to the owner, so another caller's conversation is
 * simply not found. Messages keep their order through a position; the list pages by (updated_at, id).
 */
export class SqlConversationStore implements ConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Most recently updated first; `before` is a previous page's `next`, or an ISO time. */
  async list(owner: ConversationOwner, options: { limit?: number | undefined; before?: string | undefined } = {}): Promise<ConversationPage> {
    const limit = options.limit ?? CONVERSATION_LIMITS.pageSize.default;
    const cursor = options.before === undefined ? undefined : decodeCursor(options.before);
    let query = this.db.selectFrom('conversations').selectAll().where('project_id', '=', owner.projectId).where('owner', '=', owner.owner);
    if (cursor) {
      const { updatedAt, id } = cursor;
      query = query.where((eb) =>
        id === undefined ? eb('updated_at', '<', updatedAt) : eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]),
      );
    }
    // One row more than the page says whether another page follows.
    const rows = await query.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { data: page.map(toSummary), next: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async get(owner: ConversationOwner, id: string): Promise<Conversation | undefined> {
    // One statement, so a concurrent save is seen whole or not at all.
    const rows = await this.db
      .selectFrom('conversations as c')
      .leftJoin('conversation_messages as m', 'm.conversation_key', 'c.key')
      .select(['c.key', 'c.id', 'c.project_id', 'c.owner', 'c.title', 'c.feature', 'c.created_at', 'c.updated_at', 'c.message_count', 'm.body'])
      .where('c.project_id', '=', owner.projectId)
      .where('c.owner', '=', owner.owner)
      .where('c.id', '=', id)
      .orderBy('m.position')
      .execute();
    const first = rows[0];
    if (!first) return undefined;
    const messages = rows.flatMap((row) => (row.body === null ? [] : [JSON.parse(row.body) as ConversationMessage]));
    return toConversation(first, messages);
  }

  /** Creates a conversation; 409 `version_conflict` when this owner already has one with that id. */
  async create(owner: ConversationOwner, input: NewConversation): Promise<Conversation> {
    const messages = input.messages ?? [];
    checkMessages(messages);
    const now = Date.now();
    const row: Row = {
      key: randomUUID(),
      id: input.id ?? randomUUID(),
      project_id: owner.projectId,
      owner: owner.owner,
      title: input.title ?? null,
      feature: input.feature ?? null,
      created_at: now,
      updated_at: now,
      message_count: messages.length,
    };
    const created = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('conversations')
        .values(row)
        .onConflict((conflict) => conflict.columns(['project_id', 'owner', 'id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await insertMessages(trx, row.key, 0, messages, now);
      return true;
    });
    if (!created) throw new GatewayError('version_conflict', `A conversation with id "${row.id}" already exists.`, { param: 'id' });
    return toConversation(row, messages);
  }

  /** Creates the conversation or replaces its messages (and the title and feature given), in one transaction. */
  async save(owner: ConversationOwner, id: string, input: ConversationSave): Promise<{ conversation: Conversation; created: boolean }> {
    checkMessages(input.messages);
    const now = Date.now();
    const key = randomUUID();
    const kept = { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.feature !== undefined ? { feature: input.feature } : {}) };
    return this.db.transaction().execute(async (trx) => {
      // The upsert also locks an existing row on Postgres, so two saves of one conversation run one after the other.
      const row = await trx
        .insertInto('conversations')
        .values({ key, id, project_id: owner.projectId, owner: owner.owner, title: null, feature: null, ...kept, created_at: now, updated_at: now, message_count: input.messages.length })
        .onConflict((conflict) => conflict.columns(['project_id', 'owner', 'id']).doUpdateSet({ ...kept, updated_at: now, message_count: input.messages.length }))
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx.deleteFrom('conversation_messages').where('conversation_key', '=', row.key).execute();
      await insertMessages(trx, row.key, 0, input.messages, now);
      return { conversation: toConversation(row, input.messages), created: row.key === key };
    });
  }

  async rename(owner: ConversationOwner, id: string, title: string | null): Promise<ConversationSummary> {
    const row = await this.db
      .updateTable('conversations')
      .set({ title, updated_at: Date.now() })
      .where('project_id', '=', owner.projectId)
      .where('owner', '=', owner.owner)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound(id);
    return toSummary(row);
  }

  /**
   * Adds messages at the end. A message whose id the conversation already holds is skipped, so a retried append
   * adds nothing twice; `appended` counts the ones added.
   */
  async append(owner: ConversationOwner, id: string, messages: ConversationMessage[]): Promise<{ appended: number; messageCount: number }> {
    checkMessages(messages);
    const result = await this.db.transaction().execute(async (trx) => {
      // A no-op update takes the row lock on Postgres first, so concurrent appends take positions in turn.
      const row = await trx
        .updateTable('conversations')
        .set((eb) => ({ message_count: eb.ref('message_count') }))
        .where('project_id', '=', owner.projectId)
        .where('owner', '=', owner.owner)
        .where('id', '=', id)
        .returning(['key', 'message_count'])
        .executeTakeFirst();
      if (!row) return undefined;
      const ids = messages.map((message) => message.id);
      const stored = ids.length === 0 ? [] : await trx.selectFrom('conversation_messages').select('message_id').where('conversation_key', '=', row.key).where('message_id', 'in', ids).execute();
      const known = new Set(stored.map((entry) => entry.message_id));
      const fresh = messages.filter((message) => !known.has(message.id));
      const messageCount = row.message_count + fresh.length;
      if (messageCount > CONVERSATION_LIMITS.messagesPerConversation) {
        throw new GatewayError('invalid_parameter', `messages: a conversation holds at most ${CONVERSATION_LIMITS.messagesPerConversation} messages; this one has ${row.message_count}.`, { param: 'messages' });
      }
      if (fresh.length > 0) {
        const now = Date.now();
        await insertMessages(trx, row.key, row.message_count, fresh, now);
        await trx.updateTable('conversations').set({ message_count: messageCount, updated_at: now }).where('key', '=', row.key).execute();
      }
      return { appended: fresh.length, messageCount };
    });
    if (!result) throw notFound(id);
    return result;
  }

  async remove(owner: ConversationOwner, id: string): Promise<void> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('conversations').select('key').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('id', '=', id).executeTakeFirst();
      if (!row) return false;
      await trx.deleteFrom('conversation_messages').where('conversation_key', '=', row.key).execute();
      await trx.deleteFrom('conversations').where('key', '=', row.key).execute();
      return true;
    });
    if (!removed) throw notFound(id);
  }
}

const notFound = (id: string) => new GatewayError('not_found', `No conversation "${id}".`, { param: 'id' });

/** At most 5,000 messages, each id once (the table holds each id once per conversation). */
function checkMessages(messages: ConversationMessage[]): void {
  if (messages.length > CONVERSATION_LIMITS.messagesPerConversation) {
    throw new GatewayError('invalid_parameter', `messages: a conversation holds at most ${CONVERSATION_LIMITS.messagesPerConversation} messages.`, { param: 'messages' });
  }
  const seen = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (seen.has(message.id)) throw new GatewayError('invalid_parameter', `messages.${index}.id: the id "${message.id}" appears twice.`, { param: `messages.${index}.id` });
    seen.add(message.id);
  }
}

async function insertMessages(trx: Transaction<Database>, conversationKey: string, from: number, messages: ConversationMessage[], now: number): Promise<void> {
  for (let start = 0; start < messages.length; start += INSERT_BATCH) {
    const rows = messages.slice(start, start + INSERT_BATCH).map((message, offset) => ({
      conversation_key: conversationKey,
      position: from + start + offset,
      message_id: message.id,
      body: JSON.stringify(message),
      created_at: now,
    }));
    await trx.insertInto('conversation_messages').values(rows).execute();
  }
}

const toSummary = (row: Row): ConversationSummary => ({
  id: row.id,
  title: row.title,
  feature: row.feature,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  messageCount: row.message_count,
});

const toConversation = (row: Row, messages: ConversationMessage[]): Conversation => ({
  id: row.id,
  title: row.title,
  feature: row.feature,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  messages,
});

// The cursor is opaque to clients: the last row's update time and id, so equal times still page exactly.
function encodeCursor(row: Row): string {
  return Buffer.from(JSON.stringify([row.updated_at, row.id])).toString('base64url');
}

function decodeCursor(before: string): { updatedAt: number; id?: string } {
  if (/^\d{4}-\d{2}-\d{2}T/.test(before)) {
    const updatedAt = Date.parse(before);
    if (Number.isFinite(updatedAt)) return { updatedAt };
  }
  try {
    const value: unknown = JSON.parse(Buffer.from(before, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { updatedAt: value[0] as number, id: value[1] };
  } catch {
    // Not ours: answered below.
  }
  throw new GatewayError('invalid_parameter', 'before: pass the `next` value of the previous page (or an ISO time).', { param: 'before' });
}
