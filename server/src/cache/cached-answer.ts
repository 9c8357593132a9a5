import type { StreamSummary, UpstreamChunk } from '../gateway/stream-proxy.js';
import { isRecord } from '../records.js';
import { usageFigures } from '../upstream/usage-figures.js';
import { eventsAsSent, messageEventsOf, messageOfEvents } from '../gateway/messages-events.js';
import { responseEventsOf, responseOfEvents } from '../gateway/responses-events.js';
import { assembleChunks, chunksFromCompletion, completionFromChunks } from './chat-answer-forms.js';

/**
 * An answer as the cache keeps it: OpenRouter's JSON body, or the chunks of its stream (usage chunk included), as
 * they came. Either serves both kinds of request: a stream is rebuilt from a body and a body from a stream, whole
 * (see `answerAs`). A Responses API answer (`responses`) is kept as its response object (`storedFormOf`), which its
 * stream ends with whole, and its events are the stream's `chunks` while it runs; a Messages API answer (`messages`) as
 * its message, which its events add up to (`messageOfEvents`). Neither is ever served as a chat's, nor a chat's as
 * one, nor one as the other (the kind is part of the key).
 */
export interface CachedAnswer {
  kind: 'chat' | 'responses' | 'messages' | 'embeddings' | 'images';
  body?: Record<string, unknown>;
  chunks?: UpstreamChunk[];
}

/** OpenRouter's `usage` of an answer: the body's, else the last chunk that carried one. */
export function usageOfAnswer(answer: CachedAnswer): unknown {
  if (answer.kind === 'responses' || answer.kind === 'messages') return wholeAnswerOf(answer)?.['usage'];
  if (answer.body) return answer.body['usage'];
  let usage: unknown;
  for (const chunk of answer.chunks ?? []) if (chunk.usage) usage = chunk.usage;
  return usage;
}

/** What the answer cost when it was generated, when OpenRouter said. */
export function costOfAnswer(answer: CachedAnswer): number | undefined {
  return usageFigures(usageOfAnswer(answer)).costUsd;
}

/**
 * The chunks a client read for one chunk of an answer as the request's taps left it: a Messages event an output
 * guardrail changed may stand for none (a delta it held all of) or two (the text it held, before its block's stop).
 */
export function chunksAsSent(kind: CachedAnswer['kind'], chunk: UpstreamChunk): UpstreamChunk[] {
  return kind === 'messages' ? eventsAsSent(chunk) : [chunk];
}

/** An answer in the form one request takes: a stream's chunks, or a JSON body. */
export type AnswerForm = { stream: true; chunks: UpstreamChunk[] } | { stream: false; body: Record<string, unknown> };

/**
 * The answer as a stream or as a body, rebuilt from the other form where it was kept in that one; undefined when
 * the other form would lose a part of it (a field it has no place for), so the request is not served from it.
 * @example
 * const form = answerAs(cached, meter.streamed);
 * if (!form) return miss();
 */
export function answerAs(answer: CachedAnswer, stream: boolean): AnswerForm | undefined {
  if (answer.kind === 'responses' || answer.kind === 'messages') {
    if (stream) {
      const chunks = answer.chunks ?? (answer.body ? (answer.kind === 'responses' ? responseEventsOf : messageEventsOf)(answer.body) : undefined);
      return chunks && { stream, chunks };
    }
    const body = wholeAnswerOf(answer);
    return body && { stream, body };
  }
  if (stream) {
    const chunks = answer.chunks ?? (answer.body ? chunksFromCompletion(answer.body) : undefined);
    return chunks && { stream, chunks };
  }
  const body = answer.body ?? completionFromChunks(answer.chunks ?? []);
  return body && { stream, body };
}

/**
 * The `usage` of an answer served again, which nothing was billed for: OpenRouter's fields as they were, every token
 * count and cost 0 (what this request used and cost, as `usage` says of any answer).
 * @example
 * unbilledUsage({ prompt_tokens: 9, cost: 0.00001, is_byok: false }); // { prompt_tokens: 0, cost: 0, is_byok: false }
 */
export function unbilledUsage(usage: unknown): unknown {
  if (typeof usage === 'number') return 0;
  if (Array.isArray(usage)) return usage.map(unbilledUsage);
  if (!isRecord(usage)) return usage;
  return Object.fromEntries(Object.entries(usage).map(([key, value]) => [key, unbilledUsage(value)]));
}

/** Characters of answer text (`content`), as the ledger counts them for a completion. */
export function contentCharactersOf(answer: CachedAnswer): number {
  let characters = 0;
  if (answer.kind === 'responses') {
    for (const item of outputOf(responseOf(answer))) {
      const content = isRecord(item) && Array.isArray(item['content']) ? (item['content'] as unknown[]) : [];
      for (const part of content) if (isRecord(part) && part['type'] === 'output_text' && typeof part['text'] === 'string') characters += part['text'].length;
    }
    return characters;
  }
  if (answer.kind === 'messages') {
    for (const block of contentOf(messageOf(answer))) if (isRecord(block) && block['type'] === 'text' && typeof block['text'] === 'string') characters += block['text'].length;
    return characters;
  }
  for (const chunk of answer.chunks ?? []) {
    for (const choice of chunk.choices ?? []) if (typeof choice.delta?.['content'] === 'string') characters += choice.delta['content'].length;
  }
  const choices = Array.isArray(answer.body?.['choices']) ? (answer.body['choices'] as unknown[]) : [];
  for (const choice of choices) {
    const message = isRecord(choice) ? choice['message'] : undefined;
    if (isRecord(message) && typeof message['content'] === 'string') characters += message['content'].length;
  }
  return characters;
}

/** The summary a stream format closes with, from the chunks that were written. */
export function summaryOfChunks(chunks: readonly UpstreamChunk[]): StreamSummary {
  const summary: StreamSummary = { id: undefined, model: undefined, provider: undefined, created: undefined, usage: undefined };
  for (const chunk of chunks) {
    summary.id ??= chunk.id;
    summary.model ??= chunk.model;
    summary.provider ??= chunk.provider;
    summary.created ??= chunk.created;
    if (chunk.usage) summary.usage = chunk.usage;
  }
  return summary;
}

/** The stop reasons of a message that ended by itself: its turn over, or at a stop sequence the request named. */
const FINISHED_MESSAGE = new Set(['end_turn', 'stop_sequence']);

/**
 * Why an answer must not be cached, or undefined when it may be: a chat answer that asks the client to run tools,
 * or that did not end by itself (cut at `max_tokens`, filtered, refused, failed).
 */
export function uncacheableReason(answer: CachedAnswer): string | undefined {
  if (answer.kind === 'messages') {
    const message = messageOf(answer);
    if (message?.['type'] !== 'message') return 'no answer';
    if (contentOf(message).some((block) => isRecord(block) && block['type'] === 'tool_use')) return 'tool calls';
    return FINISHED_MESSAGE.has(String(message['stop_reason'])) ? undefined : `stop reason ${String(message['stop_reason'])}`;
  }
  if (answer.kind === 'responses') {
    const response = responseOf(answer);
    if (!response) return 'no answer';
    if (outputOf(response).some((item) => isRecord(item) && item['type'] === 'function_call')) return 'tool calls';
    return response['status'] === 'completed' ? undefined : `status ${String(response['status'])}`;
  }
  if (answer.kind !== 'chat') return undefined;
  const completion = answer.body ?? assembleChunks(answer.chunks ?? []).body;
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as Array<Record<string, unknown>>) : [];
  for (const choice of choices) {
    const message = (choice['message'] ?? {}) as Record<string, unknown>;
    if (Array.isArray(message['tool_calls']) && message['tool_calls'].length > 0) return 'tool calls';
    if (choice['finish_reason'] !== 'stop') return `finish reason ${String(choice['finish_reason'])}`;
  }
  for (const chunk of answer.chunks ?? []) if (chunk.choices?.some((choice) => choice.delta?.['tool_calls'] !== undefined)) return 'tool calls';
  return choices.length === 0 ? 'no answer' : undefined;
}

/** A Responses API answer's response object: the body, or the one its stream ended with. */
function responseOf(answer: CachedAnswer): Record<string, unknown> | undefined {
  return answer.body ?? responseOfEvents(answer.chunks ?? []);
}

/** A Messages API answer's message: the body, or the one its stream's events add up to. */
function messageOf(answer: CachedAnswer): Record<string, unknown> | undefined {
  return answer.body ?? messageOfEvents(answer.chunks ?? []);
}

/** The whole answer of an API whose stream is typed events: a Responses API answer's response, a message. */
function wholeAnswerOf(answer: CachedAnswer): Record<string, unknown> | undefined {
  return answer.kind === 'messages' ? messageOf(answer) : responseOf(answer);
}

const contentOf = (message: Record<string, unknown> | undefined): unknown[] => (Array.isArray(message?.['content']) ? (message['content'] as unknown[]) : []);

const outputOf = (response: Record<string, unknown> | undefined): unknown[] => (Array.isArray(response?.['output']) ? (response['output'] as unknown[]) : []);

/**
 * The form an answer is stored in: as it came, but a Responses stream as the response it ended with (its events are
 * written again from it, `responseEventsOf`, and its ids and sequence are the stream's own), and a Messages stream as
 * the message it adds up to (written again with `messageEventsOf`).
 * @example
 * store.set(key, JSON.stringify(storedFormOf(answer)), ttlMs);
 */
export function storedFormOf(answer: CachedAnswer): CachedAnswer {
  if ((answer.kind !== 'responses' && answer.kind !== 'messages') || !answer.chunks) return answer;
  const body = wholeAnswerOf(answer);
  return body ? { kind: answer.kind, body } : answer;
}
