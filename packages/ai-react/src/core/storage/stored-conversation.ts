import type { ConversationMessage, ConversationSummary, StoredConversation } from '../chat-messages.js';

// What storage gives back is JSON anyone may have written: another version of this library, another script, a server
// answering an older shape. The readers below check it field by field where an adapter reads it, so a conversation
// reaches the page only in the shape it renders.

type Json = Record<string, unknown>;

/**
 * Each field's type as `typeOf` names it: `'string'` must be one, `'number?'` may be absent, `'string|null'` either;
 * a nested shape is an object fitted to it, left out when it does not fit.
 */
interface Shape {
  readonly [field: string]: string | Shape;
}

/** JSON's type of a value; a number that is not finite (NaN from an unreadable date) is not one. */
const typeOf = (value: unknown): string => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' && !Number.isFinite(value) ? 'NaN' : typeof value);

/**
 * The object with every field of its shape's type, or undefined when it is not an object or a required field is
 * wrong. A wrong optional field is left out, and one in `repairs` takes the value given there. The object itself comes
 * back when nothing needed changing.
 */
function fit(value: unknown, shape: Shape, repairs: Json = {}): Json | undefined {
  if (typeOf(value) !== 'object') return undefined;
  let fitted = value as Json;
  for (const [field, type] of Object.entries(shape)) {
    const given = fitted[field];
    const nested = typeof type === 'string' ? undefined : fit(given, type);
    if (typeof type === 'string' ? type.replace('?', '|undefined').split('|').includes(typeOf(given)) : nested === given) continue;
    if (typeof type === 'string' && !type.endsWith('?') && !(field in repairs)) return undefined;
    const repaired = nested ?? repairs[field];
    const { [field]: _wrong, ...others } = fitted;
    fitted = repaired === undefined ? others : { ...others, [field]: repaired };
  }
  return fitted;
}

/** The items that read as something (`read` answers undefined for the others); the same array when all do as they were. */
function readEach<T>(items: unknown, read: (item: unknown) => T | undefined): T[] {
  const given: unknown[] = Array.isArray(items) ? items : [];
  const kept = given.flatMap((item) => read(item) ?? []);
  return kept.length === given.length && kept.every((item, index) => item === given[index]) ? (given as T[]) : kept;
}

const PARTS: Readonly<Record<string, Shape>> = {
  text: { text: 'string' },
  file: { kind: 'string', mediaType: 'string', size: 'number', url: 'string', name: 'string?', width: 'number?', height: 'number?' },
  reasoning: { text: 'string', details: 'array', startedAt: 'number?', finishedAt: 'number?' },
  'tool-call': { toolCallId: 'string', index: 'number', name: 'string', input: 'string', state: 'string', errorText: 'string?', server: 'boolean?' },
  source: { number: 'number', url: 'string', title: 'string?', content: 'string?' },
  image: { url: 'string' },
  'step-start': {},
};
const USER_PART_TYPES = ['text', 'file'];

const readPart = (types?: readonly string[]) => (part: unknown) => {
  const type = (part as Json | null)?.['type'];
  return typeof type === 'string' && Object.hasOwn(PARTS, type) && (types ?? [type]).includes(type) ? fit(part, PARTS[type] as Shape) : undefined;
};

const ANSWER: Shape = {
  id: 'string',
  content: 'string',
  reasoning: 'string',
  parts: 'array?',
  toolCalls: 'array',
  images: 'array',
  timing: { startedAt: 'number', deltas: 'number', firstTokenAt: 'number?', finishedAt: 'number?', ttftMs: 'number?', tokensPerSecond: 'number?' },
  usage: { promptTokens: 'number', completionTokens: 'number', totalTokens: 'number', reasoningTokens: 'number?', cachedTokens: 'number?' },
  error: { code: 'string', message: 'string', userMessage: 'string' },
  costUsd: 'number?',
  model: 'string?',
  provider: 'string?',
  finishReason: 'string?',
  stepLimitReached: 'boolean?',
};
const ANSWER_STATUSES = ['pending', 'streaming', 'done', 'stopped', 'error'];

function readAnswer(value: unknown): Json | undefined {
  const answer = fit(value, ANSWER, { content: '', reasoning: '', toolCalls: [], images: [], timing: { startedAt: 0, deltas: 0 } });
  if (!answer) return undefined;
  const status = ANSWER_STATUSES.includes(answer['status'] as string) ? answer['status'] : 'stopped';
  const parts = answer['parts'] && readEach(answer['parts'], readPart());
  const toolCalls = readEach(answer['toolCalls'], (call) => fit(call, { index: 'number', id: 'string', name: 'string', arguments: 'string' }));
  const images = readEach(answer['images'], (url) => (typeof url === 'string' ? url : undefined));
  return status === answer['status'] && parts === answer['parts'] && toolCalls === answer['toolCalls'] && images === answer['images']
    ? answer
    : { ...answer, status, toolCalls, images, ...(parts ? { parts } : {}) };
}

function readMessage(value: unknown): ConversationMessage | undefined {
  const role = (value as Json | null)?.['role'];
  if (role === 'assistant') {
    const turn = fit(value, { id: 'string', versions: 'array' });
    const versions = turn && readEach(turn['versions'], readAnswer);
    if (!turn || !versions?.length) return undefined;
    const selected = turn['selected'];
    const shown = Number.isInteger(selected) && (selected as number) >= 0 && (selected as number) < versions.length ? selected : versions.length - 1;
    return (versions === turn['versions'] && shown === selected ? turn : { ...turn, versions, selected: shown }) as unknown as ConversationMessage;
  }
  if (role !== 'user') return undefined;
  const message = fit(value, { id: 'string', content: 'string', createdAt: 'number', parts: 'array?', branches: 'array?', branch: 'number?' }, { content: '', createdAt: 0 });
  if (!message) return undefined;
  const parts = message['parts'] && readEach(message['parts'], readPart(USER_PART_TYPES));
  const branches =
    message['branches'] &&
    readEach(message['branches'], (branch) => {
      const fitted = fit(branch, { content: 'string', createdAt: 'number', following: 'array' }, { content: '', createdAt: 0, following: [] });
      const following = fitted && readMessages(fitted['following']);
      return fitted && (following === fitted['following'] ? fitted : { ...fitted, following });
    });
  return (parts === message['parts'] && branches === message['branches'] ? message : { ...message, ...(parts ? { parts } : {}), ...(branches ? { branches } : {}) }) as unknown as ConversationMessage;
}

/** Messages as storage gave them, without those that cannot be shown; the same array when all can as they are. */
const readMessages = (messages: unknown): ConversationMessage[] => readEach(messages, readMessage);

const CONVERSATION: Shape = { id: 'string', title: 'string|null', feature: 'string|null', createdAt: 'number', updatedAt: 'number' };
const CONVERSATION_REPAIRS = { title: null, feature: null, createdAt: 0, updatedAt: 0 };

/**
 * A conversation as storage gave it, in the shape the chat renders: undefined when it is not one (no messages list,
 * not an object); otherwise a title or feature of another type reads as none, a missing time as 0, and the messages,
 * parts and answers that cannot be shown (no id, an unknown type, a field of another type) are left out, the rest
 * kept. `id` is the id it is stored under, when the storage knows it apart from the JSON.
 *
 * @example
 * const conversation = readStoredConversation(JSON.parse(text), id);
 */
export function readStoredConversation(value: unknown, id?: string): StoredConversation | undefined {
  if (!Array.isArray((value as Json | null)?.['messages'])) return undefined;
  const conversation = fit(id === undefined ? value : { ...(value as Json), id }, CONVERSATION, CONVERSATION_REPAIRS);
  if (!conversation) return undefined;
  const messages = readMessages(conversation['messages']);
  return (messages === conversation['messages'] ? conversation : { ...conversation, messages }) as unknown as StoredConversation;
}

/**
 * A listed conversation as storage gave it: undefined without an id; a title or feature of another type reads as
 * none, a missing time or count as 0.
 *
 * @example
 * const summaries = page.data.flatMap((entry) => readConversationSummary(entry) ?? []);
 */
export function readConversationSummary(value: unknown): ConversationSummary | undefined {
  return fit(value, { ...CONVERSATION, messageCount: 'number' }, { ...CONVERSATION_REPAIRS, messageCount: 0 }) as ConversationSummary | undefined;
}
