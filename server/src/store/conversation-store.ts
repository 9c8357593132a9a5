import { randomUUID } from 'node:crypto';
import type { WriteOrder } from '@insforge/ai-protocol';
import { sql, type Kysely, type Transaction } from 'kysely';
import { GatewayError } from '../errors.js';
import { INTEGER_MAX, type Database } from './schema.js';

/** Whose conversations: one project's caller, by kind (`user:<id>`, `key:<client key id>` or `anonymous`). */
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

/** A conversation with one page of its messages: the latest ones, or those before a position. */
export interface ConversationMessagesPage extends Conversation {
  messageCount: number;
  /** Pass as `before` for the messages before this page; `null` when this page starts at the first message. */
  earlier: number | null;
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
  /**
   * This save's place among one writer's saves (a browser tab, say): a save that arrives after a later one of the
   * same writer is refused (409 `version_conflict`) instead of overwriting it. Saves of other writers, or without an
   * order, replace the conversation as they come.
   */
  order?: SaveOrder | undefined;
  /**
   * Replace the conversation only if it is stored: absent (removed since the writer last wrote it, from another tab
   * or device), the save writes nothing and is refused (404 `not_found`, `param: ifPresent`) rather than bringing it
   * back.
   */
  ifPresent?: boolean | undefined;
}

/** A save's or a removal's place among one writer's writes: the wire's `WriteOrder`. */
export type SaveOrder = WriteOrder;

/** What one owner (a user, a client key) may keep; `createAiGateway({ conversations })` changes them. */
export interface ConversationLimits {
  conversationsPerOwner: number;
  messagesPerConversation: number;
  /** One message serialized as JSON, in bytes. */
  messageBytes: number;
  /** Every message of every conversation of one owner, in bytes. */
  bytesPerOwner: number;
}

export const DEFAULT_CONVERSATION_LIMITS: ConversationLimits = {
  conversationsPerOwner: 1_000,
  messagesPerConversation: 5_000,
  messageBytes: 256 * 1024,
  bytesPerOwner: 50 * 1024 * 1024,
};

export const CONVERSATION_LIMITS = {
  titleLength: 200,
  /** Conversations per page of the list. */
  pageSize: { default: 20, max: 100 },
  /** Messages per page of one conversation: a read never loads a whole large conversation. */
  messagePage: { default: 100, max: 200 },
} as const;

/** Conversations per owner: list, read, create, save whole, rename, append messages, delete. */
export interface ConversationStore {
  list(owner: ConversationOwner, options?: { limit?: number | undefined; before?: string | undefined }): Promise<ConversationPage>;
  get(owner: ConversationOwner, id: string, page?: { limit?: number | undefined; before?: number | undefined }): Promise<ConversationMessagesPage | undefined>;
  create(owner: ConversationOwner, input: NewConversation): Promise<Conversation>;
  save(owner: ConversationOwner, id: string, input: ConversationSave): Promise<{ conversation: Conversation; created: boolean }>;
  rename(owner: ConversationOwner, id: string, title: string | null): Promise<ConversationSummary>;
  append(owner: ConversationOwner, id: string, messages: ConversationMessage[]): Promise<{ appended: number; messageCount: number }>;
  /**
   * Deletes the conversation. With an order, a save of the same writer that arrives later but was sent before this
   * removal is refused, and the removal is refused (409 `version_conflict`) when a later save of that writer is stored.
   */
  remove(owner: ConversationOwner, id: string, order?: SaveOrder): Promise<void>;
}

type Row = Database['conversations'];

/** How long a removal keeps a writer's place (`remove` with an order): far longer than any request is on the wire. */
const REMOVAL_KEPT_MS = 24 * 60 * 60 * 1000;

/** Rows per INSERT: well under SQLite's and Postgres's limits on bound parameters. */
const INSERT_BATCH = 500;

/**
 * Conversations in SQLite or Postgres. Every query is scoped to the owner, so another caller's conversation is
 * simply not found. Messages keep their order through a position; the list pages by (updated_at, id).
 */
export class SqlConversationStore implements ConversationStore {
  readonly limits: ConversationLimits;

  constructor(
    private readonly db: Kysely<Database>,
    limits: Partial<ConversationLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CONVERSATION_LIMITS, ...limits };
  }

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

  /** The conversation with its latest messages (or those before `before`, a position), a page at a time. */
  async get(owner: ConversationOwner, id: string, page: { limit?: number | undefined; before?: number | undefined } = {}): Promise<ConversationMessagesPage | undefined> {
    const limit = page.limit ?? CONVERSATION_LIMITS.messagePage.default;
    // One transaction, so a concurrent save is seen whole or not at all.
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('conversations').selectAll().where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      let query = trx.selectFrom('conversation_messages').select(['position', 'body']).where('conversation_key', '=', row.key);
      // A `before` past every position a column can hold is past them all: the latest page.
      if (page.before !== undefined && page.before <= INTEGER_MAX) query = query.where('position', '<', page.before);
      const rows = (await query.orderBy('position', 'desc').limit(limit).execute()).reverse();
      const first = rows[0];
      return {
        ...toConversation(row, rows.map((entry) => JSON.parse(entry.body) as ConversationMessage)),
        messageCount: row.message_count,
        earlier: first !== undefined && first.position > 0 ? first.position : null,
      };
    });
  }

  /** Creates a conversation; 409 `version_conflict` when this owner already has one with that id. */
  async create(owner: ConversationOwner, input: NewConversation): Promise<Conversation> {
    const messages = input.messages ?? [];
    const bodies = this.#bodies(messages);
    const bytes = sumBytes(bodies);
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
      byte_count: bytes,
      writer: null,
      writer_sequence: null,
    };
    const created = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('conversations')
        .values(row)
        .onConflict((conflict) => conflict.columns(['project_id', 'owner', 'id']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      await this.#account(trx, owner, 1, bytes);
      await insertMessages(trx, row.key, 0, messages, bodies, now);
      return true;
    });
    if (!created) throw new GatewayError('version_conflict', `A conversation with id "${row.id}" already exists.`, { param: 'id' });
    return toConversation(row, messages);
  }

  /** Creates the conversation or replaces its messages (and the title and feature given), in one transaction. */
  async save(owner: ConversationOwner, id: string, input: ConversationSave): Promise<{ conversation: Conversation; created: boolean }> {
    const bodies = this.#bodies(input.messages);
    const bytes = sumBytes(bodies);
    const now = Date.now();
    const key = randomUUID();
    const kept = { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.feature !== undefined ? { feature: input.feature } : {}) };
    const order = { writer: input.order?.writer ?? null, writer_sequence: input.order?.sequence ?? null };
    return this.db.transaction().execute(async (trx) => {
      if (input.order) {
        await this.#lockOwner(trx, owner);
        if (await removedAfter(trx, owner, id, input.order)) throw overtaken(id, input.order.writer);
      }
      // The upsert (or, with ifPresent, the update) also locks an existing row on Postgres, so two saves of one
      // conversation run one after the other. It leaves byte_count alone, so the row it returns still holds the bytes
      // this save replaces. It updates nothing (and returns no row) when the stored conversation is a later save of the
      // same writer, or, with ifPresent, when there is none.
      const update = { ...kept, updated_at: now, message_count: input.messages.length, ...order };
      const row = input.ifPresent
        ? await trx
            .updateTable('conversations')
            .set(update)
            .where('project_id', '=', owner.projectId)
            .where('owner', '=', owner.owner)
            .where('id', '=', id)
            .where(replaceable(input.order))
            .returningAll()
            .executeTakeFirst()
        : await trx
            .insertInto('conversations')
            .values({ key, id, project_id: owner.projectId, owner: owner.owner, title: null, feature: null, ...kept, created_at: now, updated_at: now, message_count: input.messages.length, byte_count: bytes, ...order })
            .onConflict((conflict) =>
              conflict
                .columns(['project_id', 'owner', 'id'])
                .doUpdateSet(update)
                .where(replaceable(input.order)),
            )
            .returningAll()
            .executeTakeFirst();
      if (!row) {
        if (input.ifPresent && !(await this.#exists(trx, owner, id))) throw notStored(id);
        throw overtaken(id, order.writer);
      }
      const created = row.key === key;
      if (!created) await trx.updateTable('conversations').set({ byte_count: bytes }).where('key', '=', row.key).execute();
      await this.#account(trx, owner, created ? 1 : 0, bytes - (created ? 0 : Number(row.byte_count)));
      await trx.deleteFrom('conversation_messages').where('conversation_key', '=', row.key).execute();
      await insertMessages(trx, row.key, 0, input.messages, bodies, now);
      return { conversation: toConversation(row, input.messages), created };
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
    this.#bodies(messages);
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
      if (messageCount > this.limits.messagesPerConversation) {
        throw new GatewayError('request_too_large', `messages: a conversation holds at most ${this.limits.messagesPerConversation} messages; this one has ${row.message_count}.`, { param: 'messages' });
      }
      if (fresh.length > 0) {
        const now = Date.now();
        const bodies = fresh.map((message) => JSON.stringify(message));
        const bytes = sumBytes(bodies);
        await this.#account(trx, owner, 0, bytes);
        await insertMessages(trx, row.key, row.message_count, fresh, bodies, now);
        await trx.updateTable('conversations').set((eb) => ({ message_count: messageCount, updated_at: now, byte_count: eb('byte_count', '+', bytes) })).where('key', '=', row.key).execute();
      }
      return { appended: fresh.length, messageCount };
    });
    if (!result) throw notFound(id);
    return result;
  }

  async remove(owner: ConversationOwner, id: string, order?: SaveOrder): Promise<void> {
    const removed = await this.db.transaction().execute(async (trx) => {
      if (order) await this.#lockOwner(trx, owner);
      const row = await trx.selectFrom('conversations').select(['key', 'byte_count', 'writer', 'writer_sequence']).where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('id', '=', id).executeTakeFirst();
      if (order) {
        if (row && row.writer === order.writer && Number(row.writer_sequence) > order.sequence) throw overtaken(id, order.writer);
        if (await removedAfter(trx, owner, id, order)) throw overtaken(id, order.writer);
        await this.#keepRemoval(trx, owner, id, order);
      }
      if (!row) return false;
      await trx.deleteFrom('conversation_messages').where('conversation_key', '=', row.key).execute();
      await trx.deleteFrom('conversations').where('key', '=', row.key).execute();
      await this.#account(trx, owner, -1, -Number(row.byte_count));
      return true;
    });
    if (!removed) throw notFound(id);
  }

  /**
   * Takes the owner's row lock (Postgres; SQLite runs one write at a time anyway) before an ordered save or removal
   * reads the other's place, so a save and a removal of one writer arriving together run one after the other.
   */
  async #lockOwner(trx: Transaction<Database>, owner: ConversationOwner): Promise<void> {
    await this.#account(trx, owner, 0, 0);
  }

  async #exists(trx: Transaction<Database>, owner: ConversationOwner, id: string): Promise<boolean> {
    const row = await trx.selectFrom('conversations').select('key').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Keeps the writer's place of a removal (its latest), and lets go of those past their day, and of an owner's oldest
   * beyond as many as the owner may have conversations (removals are not capped otherwise: a client could add one for
   * every id it makes up).
   */
  async #keepRemoval(trx: Transaction<Database>, owner: ConversationOwner, id: string, order: SaveOrder): Promise<void> {
    const now = Date.now();
    await trx.deleteFrom('conversation_removals').where('removed_at', '<', now - REMOVAL_KEPT_MS).execute();
    const oldestKept = await trx
      .selectFrom('conversation_removals')
      .select('removed_at')
      .where('project_id', '=', owner.projectId)
      .where('owner', '=', owner.owner)
      .orderBy('removed_at', 'desc')
      .offset(this.limits.conversationsPerOwner - 1)
      .limit(1)
      .executeTakeFirst();
    if (oldestKept) {
      await trx.deleteFrom('conversation_removals').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('removed_at', '<=', oldestKept.removed_at).execute();
    }
    await trx
      .insertInto('conversation_removals')
      .values({ project_id: owner.projectId, owner: owner.owner, id, writer: order.writer, writer_sequence: order.sequence, removed_at: now })
      .onConflict((conflict) => conflict.columns(['project_id', 'owner', 'id', 'writer']).doUpdateSet({ writer_sequence: order.sequence, removed_at: now }))
      .execute();
  }

  /** Checks a list of messages against the caps of one conversation; their JSON, for storing. */
  #bodies(messages: ConversationMessage[]): string[] {
    if (messages.length > this.limits.messagesPerConversation) {
      throw new GatewayError('request_too_large', `messages: a conversation holds at most ${this.limits.messagesPerConversation} messages (got ${messages.length}).`, { param: 'messages' });
    }
    const seen = new Set<string>();
    return messages.map((message, index) => {
      if (seen.has(message.id)) throw new GatewayError('invalid_parameter', `messages.${index}.id: the id "${message.id}" appears twice.`, { param: `messages.${index}.id` });
      seen.add(message.id);
      const body = JSON.stringify(message);
      const bytes = Buffer.byteLength(body);
      if (bytes > this.limits.messageBytes) {
        throw new GatewayError('request_too_large', `messages.${index}: a message is at most ${size(this.limits.messageBytes)} as JSON; this one is ${size(bytes)}.`, { param: `messages.${index}` });
      }
      return body;
    });
  }

  /**
   * Moves the owner's totals by the deltas, in the write's transaction, and refuses (rolling the write back) what
   * would pass a cap: the owner's conversations, or the bytes of all their messages.
   */
  async #account(trx: Transaction<Database>, owner: ConversationOwner, conversations: number, bytes: number): Promise<void> {
    const totals = await trx
      .insertInto('conversation_owners')
      .values({ project_id: owner.projectId, owner: owner.owner, conversation_count: Math.max(0, conversations), byte_count: Math.max(0, bytes) })
      .onConflict((conflict) =>
        conflict.columns(['project_id', 'owner']).doUpdateSet((eb) => ({
          conversation_count: eb('conversation_owners.conversation_count', '+', conversations),
          byte_count: eb('conversation_owners.byte_count', '+', bytes),
        })),
      )
      .returning(['conversation_count', 'byte_count'])
      .executeTakeFirstOrThrow();
    if (conversations > 0 && Number(totals.conversation_count) > this.limits.conversationsPerOwner) {
      throw new GatewayError('conversation_limit_exceeded', `You have ${Number(totals.conversation_count) - conversations} conversations; the most allowed is ${this.limits.conversationsPerOwner}. Delete one to start another.`);
    }
    if (bytes > 0 && Number(totals.byte_count) > this.limits.bytesPerOwner) {
      throw new GatewayError('request_too_large', `Your saved conversations would hold ${size(Number(totals.byte_count))}; the most allowed is ${size(this.limits.bytesPerOwner)}. Delete some conversations first.`);
    }
  }
}

/** A size as a person reads it: `900 bytes`, `4 KB`, `12.5 KB`, `50 MB`. */
function size(bytes: number): string {
  const [value, unit] = bytes < 1024 ? [bytes, 'bytes'] : bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

const sumBytes = (bodies: string[]) => bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);

const notFound = (id: string) => new GatewayError('not_found', `No conversation "${id}".`, { param: 'id' });

/** The stored row a save may replace: any, except a later save (or this very one) of the same writer (parenthesised: it is ANDed with the row's key). */
const replaceable = (order: SaveOrder | undefined) =>
  order ? sql<boolean>`(conversations.writer is null or conversations.writer <> ${order.writer} or conversations.writer_sequence < ${order.sequence})` : sql<boolean>`true`;

const notStored = (id: string) =>
  new GatewayError('not_found', `No conversation "${id}" is stored (it was removed, or never saved): this save (ifPresent) only updates a stored conversation.`, { param: 'ifPresent' });

const overtaken = (id: string, writer: string | null) =>
  new GatewayError('version_conflict', `Conversation "${id}" already holds a later save or removal of writer "${writer}"; this one was not carried out.`, { param: 'order' });

/** True when the writer removed the conversation after this place in its order. */
async function removedAfter(trx: Transaction<Database>, owner: ConversationOwner, id: string, order: SaveOrder): Promise<boolean> {
  const removal = await trx
    .selectFrom('conversation_removals')
    .select('writer_sequence')
    .where('project_id', '=', owner.projectId)
    .where('owner', '=', owner.owner)
    .where('id', '=', id)
    .where('writer', '=', order.writer)
    .executeTakeFirst();
  return removal !== undefined && Number(removal.writer_sequence) > order.sequence;
}

async function insertMessages(trx: Transaction<Database>, conversationKey: string, from: number, messages: ConversationMessage[], bodies: string[], now: number): Promise<void> {
  for (let start = 0; start < messages.length; start += INSERT_BATCH) {
    const rows = messages.slice(start, start + INSERT_BATCH).map((message, offset) => ({
      conversation_key: conversationKey,
      position: from + start + offset,
      message_id: message.id,
      body: bodies[start + offset] ?? JSON.stringify(message),
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
