import type { UpstreamChunk } from '../gateway/stream-proxy.js';
import { isRecord } from '../records.js';

type Fields = Record<string, unknown>;

/**
 * The two forms of one chat answer, OpenRouter's completion body and the chunks of its stream, each rebuilt from the
 * other. A stream adds up as a client adds it up: text pieces (`content`, `refusal`, `reasoning`) joined, `images`
 * and `annotations` appended, `tool_calls` and `reasoning_details` gathered by their `index` (a call's `arguments`
 * and a detail's `text`, `summary` and `data` joined), `logprobs` lists joined; a body streams as one delta per part.
 * A field neither form has a rule for makes the conversion undefined: the answer then serves only its own protocol,
 * so nothing is dropped silently.
 */

/** Body and chunk fields that are not the answer's head (the id, model, provider… repeated on every chunk). */
const NOT_HEAD = new Set(['object', 'choices', 'usage']);
const TEXT_FIELDS = new Set(['content', 'refusal', 'reasoning']);
const LIST_FIELDS = new Set(['images', 'annotations']);
const MESSAGE_FIELDS = new Set(['role', ...TEXT_FIELDS, ...LIST_FIELDS, 'reasoning_details', 'tool_calls']);
const CHOICE_FIELDS = new Set(['index', 'message', 'delta', 'finish_reason', 'native_finish_reason', 'logprobs']);
/** Strings an indexed entry streams in pieces, joined when pieces of the same `index` meet. */
const JOINED_IN_DETAILS = new Set(['text', 'summary', 'data']);
const JOINED_IN_CALLS = new Set(['arguments']);

const isAbsent = (value: unknown): value is null | undefined => value === null || value === undefined;

/** One choice of a stream, added up so far. */
interface ChoiceSum {
  role: unknown;
  texts: Map<string, string>;
  lists: Map<string, unknown[]>;
  reasoningDetails: Fields[];
  toolCalls: Fields[];
  logprobs: Fields | undefined;
  finishReason: unknown;
  nativeFinishReason: unknown;
}

/**
 * Merges streamed pieces of indexed entries (tool calls, reasoning details) into whole entries: a piece with a new
 * `index` starts an entry, one with a known `index` adds to it. False when two pieces disagree on a value that is
 * not joined (a second name, another signature): which one is right cannot be told.
 */
function mergeIndexed(entries: Fields[], pieces: readonly unknown[], joined: ReadonlySet<string>): boolean {
  for (const piece of pieces) {
    if (!isRecord(piece)) return false;
    const entry = typeof piece['index'] === 'number' ? entries.find((candidate) => candidate['index'] === piece['index']) : undefined;
    if (!entry) entries.push(structuredClone(piece));
    else if (!mergeFields(entry, piece, joined)) return false;
  }
  return true;
}

function mergeFields(into: Fields, piece: Fields, joined: ReadonlySet<string>): boolean {
  for (const [key, value] of Object.entries(piece)) {
    const held = into[key];
    if (joined.has(key) && typeof value === 'string' && (typeof held === 'string' || isAbsent(held))) into[key] = (held ?? '') + value;
    else if (isAbsent(value) || value === '' || value === held) continue;
    else if (isRecord(value) && isRecord(held)) {
      if (!mergeFields(held, value, joined)) return false;
    } else if (isAbsent(held) || held === '') into[key] = structuredClone(value);
    else return false;
  }
  return true;
}

/** Adds one streamed choice to its sum; false when it carries a field this cannot add up. */
function addChoice(sum: ChoiceSum, choice: Fields): boolean {
  for (const [key, value] of Object.entries(choice)) {
    if (key === 'finish_reason' && !isAbsent(value)) sum.finishReason = value;
    else if (key === 'native_finish_reason' && !isAbsent(value)) sum.nativeFinishReason = value;
    else if (key === 'logprobs' && !isAbsent(value)) {
      if (!isRecord(value)) return false;
      sum.logprobs ??= {};
      for (const [part, tokens] of Object.entries(value)) {
        const held = sum.logprobs[part];
        if (Array.isArray(tokens) && Array.isArray(held)) held.push(...(tokens as unknown[]));
        else if (Array.isArray(tokens)) sum.logprobs[part] = [...(tokens as unknown[])];
        else if (!isAbsent(tokens)) return false;
        else sum.logprobs[part] ??= null;
      }
    } else if (!CHOICE_FIELDS.has(key) && !isAbsent(value)) return false;
  }
  const delta = choice['delta'];
  if (isAbsent(delta)) return true;
  if (!isRecord(delta)) return false;
  for (const [key, value] of Object.entries(delta)) {
    if (isAbsent(value)) continue;
    if (key === 'role') sum.role ??= value;
    else if (TEXT_FIELDS.has(key) && typeof value === 'string') sum.texts.set(key, (sum.texts.get(key) ?? '') + value);
    else if (LIST_FIELDS.has(key) && Array.isArray(value)) {
      const list = sum.lists.get(key);
      if (list) list.push(...(value as unknown[]));
      else sum.lists.set(key, [...(value as unknown[])]);
    }
    else if (key === 'reasoning_details' && Array.isArray(value)) {
      if (!mergeIndexed(sum.reasoningDetails, value, JOINED_IN_DETAILS)) return false;
    } else if (key === 'tool_calls' && Array.isArray(value)) {
      if (!mergeIndexed(sum.toolCalls, value, JOINED_IN_CALLS)) return false;
    } else return false;
  }
  return true;
}

/** The message a choice's stream adds up to, its fields in the order of OpenRouter's JSON. */
function messageOf(sum: ChoiceSum): Fields {
  const content = sum.texts.get('content');
  const message: Fields = {
    role: sum.role ?? 'assistant',
    // An answer that only calls tools has no text: null, as the JSON form says.
    content: content === undefined || (content === '' && sum.toolCalls.length > 0) ? null : content,
    refusal: sum.texts.get('refusal') || null,
    reasoning: sum.texts.get('reasoning') || null,
  };
  if (sum.reasoningDetails.length > 0) message['reasoning_details'] = sum.reasoningDetails;
  if (sum.toolCalls.length > 0) message['tool_calls'] = sum.toolCalls;
  for (const [key, list] of sum.lists) if (list.length > 0) message[key] = list;
  return message;
}

/**
 * The completion body a stream adds up to, whether or not every field found a place in it (`complete` says), and
 * the usage of the last chunk that carried one.
 */
export function assembleChunks(chunks: readonly UpstreamChunk[]): { body: Fields; complete: boolean } {
  const head: Fields = {};
  const sums = new Map<number, ChoiceSum>();
  let usage: unknown;
  let complete = true;
  for (const chunk of chunks) {
    for (const [key, value] of Object.entries(chunk)) if (!NOT_HEAD.has(key) && !(key in head) && value !== undefined) head[key] = value;
    if (!isAbsent(chunk.usage)) usage = chunk.usage;
    for (const [position, choice] of (chunk.choices ?? []).entries()) {
      const index = typeof choice.index === 'number' ? choice.index : position;
      let sum = sums.get(index);
      if (!sum) {
        sum = { role: undefined, texts: new Map(), lists: new Map(), reasoningDetails: [], toolCalls: [], logprobs: undefined, finishReason: null, nativeFinishReason: undefined };
        sums.set(index, sum);
      }
      if (!addChoice(sum, choice)) complete = false;
    }
  }
  // A chunk that reports an error is no part of an answer.
  if ('error' in head) complete = false;
  const choices = [...sums.entries()].sort(([a], [b]) => a - b).map(([index, sum]) => ({
    index,
    logprobs: sum.logprobs ?? null,
    finish_reason: sum.finishReason,
    ...(sum.nativeFinishReason === undefined ? {} : { native_finish_reason: sum.nativeFinishReason }),
    message: messageOf(sum),
  }));
  return { body: { id: head['id'], object: 'chat.completion', ...head, choices, usage }, complete };
}

/**
 * The completion body a stream adds up to, every part of its deltas in its message; undefined when a delta holds
 * a field with no place in a body.
 * @example
 * completionFromChunks(chunks)?.choices[0].message.annotations; // the url citations streamed in a delta
 */
export function completionFromChunks(chunks: readonly UpstreamChunk[]): Fields | undefined {
  const { body, complete } = assembleChunks(chunks);
  return complete ? body : undefined;
}

/** The choice deltas one body choice streams as, or undefined when its message has a field no delta carries. */
function choiceDeltas(choice: Fields, position: number): Fields[] | undefined {
  for (const [key, value] of Object.entries(choice)) if (!CHOICE_FIELDS.has(key) && !isAbsent(value)) return undefined;
  const message = isAbsent(choice['message']) ? {} : choice['message'];
  if (!isRecord(message)) return undefined;
  for (const [key, value] of Object.entries(message)) {
    if (isAbsent(value)) continue;
    if (!MESSAGE_FIELDS.has(key)) return undefined;
    if (TEXT_FIELDS.has(key) && typeof value !== 'string') return undefined;
    if ((LIST_FIELDS.has(key) || key === 'reasoning_details' || key === 'tool_calls') && !Array.isArray(value)) return undefined;
  }
  const index = typeof choice['index'] === 'number' ? choice['index'] : position;
  const role = message['role'] ?? 'assistant';
  const content = message['content'] as string | null | undefined;
  // The text other deltas carry: empty, or null where the answer has none (it adds up to null again).
  const blank = typeof content === 'string' ? '' : null;
  const list = (key: string) => (Array.isArray(message[key]) && message[key].length > 0 ? (message[key] as unknown[]) : undefined);
  const deltas: Fields[] = [];
  const push = (delta: Fields, rest: Fields = {}) => deltas.push({ index, delta: { role, ...delta }, finish_reason: null, ...rest });

  const reasoning = message['reasoning'] as string | null | undefined;
  const details = list('reasoning_details');
  if (reasoning || details) push({ content: blank, reasoning: reasoning ?? '', ...(details ? { reasoning_details: details } : {}) });
  const images = list('images');
  if (images) push({ content: blank, images });
  const refusal = message['refusal'] as string | null | undefined;
  const logprobs = choice['logprobs'];
  if (content || typeof refusal === 'string' || !isAbsent(logprobs)) push({ content: content ?? blank, ...(typeof refusal === 'string' ? { refusal } : {}) }, isAbsent(logprobs) ? {} : { logprobs });
  const annotations = list('annotations');
  if (annotations) push({ content: blank, annotations });
  const calls = list('tool_calls');
  if (calls) {
    if (!calls.every(isRecord)) return undefined;
    push({ content: null, tool_calls: calls.map((call, position) => ({ index: position, ...call })) });
  }
  const native = choice['native_finish_reason'];
  push({ content: blank }, { finish_reason: choice['finish_reason'] ?? 'stop', ...(native === undefined ? {} : { native_finish_reason: native }) });
  return deltas;
}

/**
 * The chunks a completion body streams as: for each choice a delta per part of its message (reasoning and its
 * details, images, text with refusal and logprobs, annotations, tool calls as indexed pieces), the finish reason,
 * then the usage chunk. Undefined when the body holds a field no delta carries.
 * @example
 * chunksFromCompletion(body)?.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
 */
export function chunksFromCompletion(body: Fields): UpstreamChunk[] | undefined {
  const rest: Fields = {};
  for (const [key, value] of Object.entries(body)) if (!NOT_HEAD.has(key)) rest[key] = value;
  const head = { id: body['id'], provider: body['provider'], model: body['model'], object: 'chat.completion.chunk', created: body['created'], ...rest };
  const choices = Array.isArray(body['choices']) ? (body['choices'] as unknown[]) : [];
  const chunks: UpstreamChunk[] = [];
  for (const [position, choice] of choices.entries()) {
    const deltas = isRecord(choice) ? choiceDeltas(choice, position) : undefined;
    if (!deltas) return undefined;
    for (const delta of deltas) chunks.push({ ...head, choices: [delta] } as UpstreamChunk);
  }
  if (body['usage'] !== undefined) chunks.push({ ...head, choices: [], usage: body['usage'] } as UpstreamChunk);
  return chunks;
}
