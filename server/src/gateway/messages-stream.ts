import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { MessagesRun } from './messages.js';
import { deltaTextOf, HELD_DELTA, MESSAGES_STREAM_FORMAT } from './messages-events.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { ByteSearch, stringAfter, type FoundString, type RawTypedEvent } from './typed-event-scan.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader, type TypedEventWrite } from './typed-event-stream.js';

/**
 * Streams a Messages API request from OpenRouter to the client, its named events forwarded as they came
 * (`message_start`, `content_block_delta`, … `message_stop`), as `proxyTypedEventStream` does. The usage is
 * `message_start`'s (the input) updated by `message_delta`'s (the output, and OpenRouter's cost); the stream is
 * complete at `message_stop`. An upstream `error` event, a stall or a connection that ends before it becomes the
 * Messages API's `error` event (`{type:"error", error:{type, message}}`), which Anthropic's SDKs throw. The request's
 * answer taps (output guardrails, the response cache) see each event before it is written: a guardrail may hold text back, which is sent
 * as one more delta before its block's `content_block_stop` (`HELD_DELTA`), or stop the stream with its error event.
 */
export function proxyMessagesStream(context: GatewayContext, run: MessagesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  // Untapped, events are sent as they came, with no writer of the reader's own in the way.
  const reader = meter.answerTaps.length > 0 ? new TappedMessagesEventReader() : new MessagesEventReader();
  return proxyTypedEventStream(context, run, meter, res, reader);
}

class MessagesEventReader implements TypedEventReader {
  readonly path = '/messages';
  readonly #text: FoundString = { length: 0, quote: 0, start: 0 };
  /** The field of the delta `plain` took last (`plainAgain`). */
  #field: string | undefined;
  #usage: Record<string, unknown> | undefined;
  #model: string | undefined;
  #provider: string | undefined;

  read(event: UpstreamChunk, type: string | undefined): TypedEventFacts {
    if (type === 'message_start' && isRecord(event['message'])) {
      const message = event['message'];
      if (typeof message['model'] === 'string') this.#model = message['model'];
      if (typeof message['provider'] === 'string') this.#provider = message['provider'];
      if (isRecord(message['usage'])) this.#usage = { ...message['usage'] };
      return {};
    }
    if (type === 'message_delta') {
      // Anthropic's counts here are cumulative: each replaces the one before, the input's included when sent.
      if (isRecord(event['usage'])) this.#usage = { ...this.#usage, ...event['usage'] };
      return {};
    }
    if (type === 'content_block_delta') return { text: deltaTextOf(event['delta']) };
    return { terminal: type === 'message_stop' };
  }

  /**
   * Takes a `content_block_delta` of text, thinking or tool input (the bulk of a stream) as it came, its text counted
   * as `read` would; every other event (the usage, the model, the end, an error) is parsed.
   */
  plain(event: RawTypedEvent): number | undefined {
    const { bytes, type, from, to, watch } = event;
    if (type !== 'content_block_delta') return undefined;
    const text = this.#text;
    for (const [field, key] of DELTA_TEXTS) {
      // The delta holds its text and nothing else (so no other of its fields is read first), and the event ends there.
      if (!stringAfter(bytes, key, from, to, text) || text.quote + 3 !== to || bytes[text.quote + 1] !== 125 || bytes[text.quote + 2] !== 125) continue;
      // A client joins each of these across events: the sent key's watch follows it, as it does when it is parsed.
      if (watch && !watch.passesRaw(bytes, text.start, text.quote, field)) return undefined;
      this.#field = field;
      event.textStart = text.start;
      event.textEnd = text.quote;
      return text.length;
    }
    return undefined;
  }

  /** A delta that is the last one but for its text: of the same field, which the sent key's watch follows as `plain` does. */
  plainAgain({ bytes, watch, textStart, textEnd }: RawTypedEvent): boolean {
    return !watch || this.#field === undefined || watch.passesRaw(bytes, textStart, textEnd, this.#field);
  }

  summary() {
    return { usage: this.#usage, model: this.#model, provider: this.#provider };
  }

  errorEvent(error: GatewayError): string {
    return MESSAGES_STREAM_FORMAT.error(error);
  }

  errorBody(error: GatewayError): unknown {
    return error.toAnthropicBody();
  }
}

/** A reader of a stream whose answer taps may change its events (see `write`). */
class TappedMessagesEventReader extends MessagesEventReader {
  /**
   * As it came, but for what a tap changed: a delta whose text it held all of is left out, and the text it held and
   * then let through is sent in a delta of its own before the block's stop (`MessagesStreamFormat`, which a cache hit
   * writes through too).
   */
  write(event: UpstreamChunk, data: string): TypedEventWrite {
    const text = MESSAGES_STREAM_FORMAT.chunk(event, data);
    if (event['type'] === 'content_block_delta') return { text, characters: text === undefined ? undefined : deltaTextOf(event['delta'])?.length };
    if (event['type'] === 'content_block_stop' && event[HELD_DELTA] !== undefined) return { text, characters: deltaTextOf(event[HELD_DELTA])?.length };
    return { text };
  }
}

const DELTA_TEXTS = (['text', 'thinking', 'partial_json'] as const).map((field) => {
  const delta = { text: 'text_delta', thinking: 'thinking_delta', partial_json: 'input_json_delta' }[field];
  return [field, new ByteSearch(Buffer.from(`"delta":{"type":"${delta}","${field}":"`))] as const;
});
