import type { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import type { StreamFormat, UpstreamChunk } from './stream-proxy.js';

type Json = Record<string, unknown>;

/**
 * The texts a Responses stream sends in pieces, by the name of their events (`response.<kind>.delta` and
 * `response.<kind>.done`): the field of the `.done` event that repeats the whole text.
 */
export const RESPONSES_TEXT_KINDS = {
  output_text: 'text',
  refusal: 'refusal',
  reasoning_text: 'text',
  reasoning_summary_text: 'text',
  function_call_arguments: 'arguments',
} as const;

export type ResponsesTextKind = keyof typeof RESPONSES_TEXT_KINDS;

const TEXT_EVENT = /^response\.(output_text|refusal|reasoning_text|reasoning_summary_text|function_call_arguments)\.(delta|done)$/;

/** The events that end a Responses stream with its whole response. */
export const TERMINAL_RESPONSE_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete']);

/**
 * What a Responses stream event says of one text of the answer: which text (`key`: its kind, output item and part),
 * whether it is a piece (`delta`) or the whole (`done`), and that piece or whole; undefined for any other event.
 * @example
 * responsesTextOf({ type: 'response.output_text.delta', output_index: 1, content_index: 0, delta: 'Hi' }); // { key: 'output_text:1:0', kind: 'output_text', step: 'delta', text: 'Hi' }
 */
export function responsesTextOf(event: Json): { key: string; kind: ResponsesTextKind; step: 'delta' | 'done'; text: string } | undefined {
  const match = typeof event['type'] === 'string' ? TEXT_EVENT.exec(event['type']) : null;
  if (!match) return undefined;
  const kind = match[1] as ResponsesTextKind;
  const step = match[2] as 'delta' | 'done';
  const text = event[step === 'delta' ? 'delta' : RESPONSES_TEXT_KINDS[kind]];
  return { key: responsesTextKey(kind, event['output_index'], event['content_index'] ?? event['summary_index']), kind, step, text: typeof text === 'string' ? text : '' };
}

/** The key of one text of a Responses answer: its kind, its output item's index and its part's (content or summary). */
export function responsesTextKey(kind: ResponsesTextKind, outputIndex: unknown, partIndex: unknown): string {
  return `${kind}:${String(outputIndex ?? 0)}:${String(partIndex ?? 0)}`;
}

/**
 * How a Responses stream is written: each event as `event: <type>` and its data, forwarded as it came unless a stage
 * changed it. A `.done` event repeats the whole of its text: where that is more than its deltas carried (an output
 * guardrail held the end back until the text was decided), the rest is sent first as one more delta, and every event
 * after it is numbered on (`sequence_number`), so a client that joins the deltas reads what the `.done` event says;
 * a delta that carries nothing (all of it held) is left out, and the events after it numbered back.
 * A failure is the `error` event (`{type:"error", code, message, error:{…}}`), numbered after the last one, which
 * OpenAI's SDKs throw as an APIError. Stateful: one per stream (`responsesStreamFormatOf`).
 */
export class ResponsesStreamFormat implements StreamFormat {
  /**
   * How much the client read of each text of the answer, from its deltas (a length: a stream keeps no copy of its
   * answer; a stage that changes a text sends its `.done` event with the text as sent, deltas and all).
   */
  readonly #sent = new Map<string, number>();
  /** Events written beyond the upstream's, less those left out: each later event's number moves by as many. */
  #shift = 0;
  /** The last `sequence_number` written. */
  #sequence = -1;
  /** Characters of answer text written in deltas, the gateway's own included (the record's `completionCharacters`). */
  deltaCharacters = 0;

  chunk(chunk: UpstreamChunk, raw: string): string | undefined {
    const type = typeof chunk['type'] === 'string' ? chunk['type'] : undefined;
    let text = '';
    const piece = responsesTextOf(chunk);
    if (piece?.step === 'delta') {
      this.#sent.set(piece.key, (this.#sent.get(piece.key) ?? 0) + piece.text.length);
      this.deltaCharacters += piece.text.length;
      // A delta a guardrail held all of carries nothing: it is not sent, and the events after it are numbered back.
      if (piece.text === '') {
        if (typeof chunk['sequence_number'] === 'number') this.#shift -= 1;
        return undefined;
      }
    } else if (piece?.step === 'done') {
      const sent = this.#sent.get(piece.key);
      this.#sent.delete(piece.key);
      // Only a text that came in deltas gets one more: one that came whole (in its item) is not sent twice.
      if (sent !== undefined && piece.text.length > sent) {
        this.deltaCharacters += piece.text.length - sent;
        const { type: _type, sequence_number: sequence, [RESPONSES_TEXT_KINDS[piece.kind]]: _whole, ...at } = chunk;
        text += this.#event({ type: `response.${piece.kind}.delta`, ...at, delta: piece.text.slice(sent), ...(piece.kind === 'output_text' ? { logprobs: [] } : {}), sequence_number: sequence }, true);
      }
    }
    if (this.#shift === 0 && typeof chunk['sequence_number'] === 'number') this.#sequence = chunk['sequence_number'];
    const data = this.#shift !== 0 && typeof chunk['sequence_number'] === 'number' ? this.#event(chunk, false) : undefined;
    return text + (data ?? `${type === undefined ? '' : `event: ${type}\n`}data: ${raw.includes('\n') ? JSON.stringify(chunk) : raw}\n\n`);
  }

  /** True while events are numbered anew (the gateway added or left out one): then each is parsed and written by `chunk`. */
  get renumbering(): boolean {
    return this.#shift !== 0;
  }

  /**
   * Notes deltas of one text (`key`) forwarded as they came, unparsed, as `chunk` would have: their characters, and
   * the number of the last that had one (`sequence`; -1 for none).
   */
  plainDeltas(key: string, characters: number, sequence: number): void {
    this.#sent.set(key, (this.#sent.get(key) ?? 0) + characters);
    this.deltaCharacters += characters;
    if (sequence !== -1) this.#sequence = sequence;
  }

  /** An event written with its number moved past those the gateway added (`added`: one more, of its own). */
  #event(event: Json, added: boolean): string {
    const sequence = typeof event['sequence_number'] === 'number' ? event['sequence_number'] + this.#shift : this.#sequence + 1;
    if (added) this.#shift += 1;
    this.#sequence = sequence;
    const type = typeof event['type'] === 'string' ? event['type'] : undefined;
    return `${type === undefined ? '' : `event: ${type}\n`}data: ${JSON.stringify({ ...event, sequence_number: sequence })}\n\n`;
  }

  error(error: GatewayError): string {
    const body = error.toBody();
    const retryAfter = error.retryAfterWholeSeconds;
    const event = {
      type: 'error',
      code: error.code,
      message: error.message,
      param: body.error.param ?? null,
      sequence_number: this.#sequence + 1,
      // OpenAI's SDKs throw an event's `error` as an APIError, as they do a chat stream's.
      error: retryAfter === undefined ? body.error : { ...body.error, retry_after: retryAfter },
    };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }

  /** The stream's last event (`response.completed`) closes it: nothing follows. */
  end(): string {
    return '';
  }
}

const formats = new WeakMap<object, ResponsesStreamFormat>();

/**
 * The one format of a request's stream (`ResponsesStreamFormat` keeps what it wrote): the proxy and a stage that
 * answers in its place (the cache) write through the same one.
 */
export function responsesStreamFormatOf(run: object): ResponsesStreamFormat {
  let format = formats.get(run);
  if (!format) formats.set(run, (format = new ResponsesStreamFormat()));
  return format;
}

/** The whole response a Responses stream ended with (its `response.completed` or `response.incomplete`). */
export function responseOfEvents(events: readonly Json[]): Json | undefined {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    if (event && typeof event['type'] === 'string' && TERMINAL_RESPONSE_EVENTS.has(event['type']) && isRecord(event['response'])) return event['response'];
  }
  return undefined;
}

/**
 * The stream of events a client reads for a whole response (a cached JSON answer served to a streamed request): as
 * OpenRouter streams one, each output item added, its text in one delta and its `.done` events, then the response
 * whole in `response.completed` (`response.incomplete`), so nothing of it is lost.
 * @example
 * responseEventsOf(response).map((event) => event.type); // ['response.created', 'response.in_progress', 'response.output_item.added', …, 'response.completed']
 */
export function responseEventsOf(response: Json): UpstreamChunk[] {
  const events: UpstreamChunk[] = [];
  const add = (type: string, payload: Json) => events.push({ type, ...payload, sequence_number: events.length });
  const { output: _output, usage: _usage, ...head } = response;
  const started = { ...head, status: 'in_progress', output: [], usage: null };
  add('response.created', { response: started });
  add('response.in_progress', { response: started });
  const output = Array.isArray(response['output']) ? (response['output'] as unknown[]) : [];
  output.forEach((item: unknown, index) => {
    if (!isRecord(item)) return;
    const id = item['id'];
    const at = { item_id: id, output_index: index };
    if (item['type'] === 'message') {
      const content = Array.isArray(item['content']) ? (item['content'] as unknown[]) : [];
      add('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } });
      content.forEach((part: unknown, partIndex) => {
        if (!isRecord(part)) return;
        const kind = part['type'] === 'refusal' ? 'refusal' : 'output_text';
        const field = RESPONSES_TEXT_KINDS[kind];
        const whole = typeof part[field] === 'string' ? part[field] : '';
        add('response.content_part.added', { ...at, content_index: partIndex, part: { ...part, [field]: '', ...(kind === 'output_text' ? { annotations: [] } : {}) } });
        if (whole !== '') add(`response.${kind}.delta`, { ...at, content_index: partIndex, delta: whole, ...(kind === 'output_text' ? { logprobs: [] } : {}) });
        add(`response.${kind}.done`, { ...at, content_index: partIndex, [field]: whole, ...(kind === 'output_text' ? { logprobs: [] } : {}) });
        add('response.content_part.done', { ...at, content_index: partIndex, part });
      });
    } else if (item['type'] === 'function_call') {
      const whole = typeof item['arguments'] === 'string' ? item['arguments'] : '';
      add('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } });
      if (whole !== '') add('response.function_call_arguments.delta', { ...at, delta: whole });
      add('response.function_call_arguments.done', { ...at, arguments: whole });
    } else {
      // Reasoning and any other item: added and done whole, as its text needs no deltas to be read.
      add('response.output_item.added', { output_index: index, item });
    }
    add('response.output_item.done', { output_index: index, item });
  });
  add(response['status'] === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  return events;
}
