// The caller's conversations (`/api/ai/conversations…`): what the server answers and what it takes. Times travel as
// ISO 8601 strings; a message is any JSON object with a string `id`, kept and returned as sent.

/** A stored message: any JSON object with a string `id`. */
export type ConversationMessageBody = { id: string } & Record<string, unknown>;

/** One conversation in the list. */
export interface ConversationSummaryBody {
  id: string;
  title: string | null;
  feature: string | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
}

/** A conversation with its messages: what `POST`, `PUT` answer (every message sent). */
export interface ConversationBody<M extends ConversationMessageBody = ConversationMessageBody> extends Omit<ConversationSummaryBody, 'messageCount'> {
  messages: M[];
}

/** `GET /api/ai/conversations/:id`: one page of messages, the latest by default. */
export interface ConversationPageBody<M extends ConversationMessageBody = ConversationMessageBody> extends ConversationBody<M> {
  messageCount: number;
  /** Pass as `?before=` for the messages before this page; `null` when this page starts at the first message. */
  earlier: number | null;
}

/** `GET /api/ai/conversations`: newest updated first. */
export interface ConversationListBody {
  data: ConversationSummaryBody[];
  /** Pass as `?before=` for the next page; `null` on the last one. */
  next: string | null;
}

/**
 * A write's place among one writer's writes (a chat in one open page): a save or a removal that arrives after a
 * later one of the same writer is refused (409 `version_conflict`, `param: order`).
 */
export interface WriteOrder {
  /** Who writes: any stable string of theirs, e.g. a random id per open page (1–200 characters). */
  writer: string;
  /** Grows with each write of this writer (a whole number from 0). */
  sequence: number;
}

/** `POST /api/ai/conversations`. */
export interface ConversationCreateRequest<M extends ConversationMessageBody = ConversationMessageBody> {
  id?: string;
  title?: string | null;
  feature?: string | null;
  messages?: M[];
}

/** `PUT /api/ai/conversations/:id`: creates the conversation or replaces it whole; a title or feature left out keeps the stored one. */
export interface ConversationSaveRequest<M extends ConversationMessageBody = ConversationMessageBody> {
  title?: string | null;
  feature?: string | null;
  messages: M[];
  order?: WriteOrder;
  /**
   * Replace it only if it is stored (a save that continues what the writer already wrote): when it was removed
   * meanwhile, from another tab or device, nothing is written and the answer is 404 `not_found` (`param: ifPresent`).
   */
  ifPresent?: boolean;
}

/** `POST /api/ai/conversations/:id/messages`: adds messages at the end; one whose id is stored is skipped. */
export interface ConversationAppendResponse {
  appended: number;
  messageCount: number;
}

/** `DELETE /api/ai/conversations/:id?writer=…&sequence=…`: the removal's place, both or neither. */
export type ConversationRemoveQuery = WriteOrder;
