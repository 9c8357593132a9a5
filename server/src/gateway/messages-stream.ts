import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { MessagesRun } from './messages.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader, type TypedEventWrite } from './typed-event-stream.js';

/**
 * The field an answer tap (an output guardrail) sets on a `content_block_stop` to send the block's text it held back,
 * now decided: the delta written before the stop. The client never reads the field itself.
 */
export const HELD_DELTA = 'gateway_held_delta';

/** The answer text a `content_block_delta`'s delta carries. */
function deltaTextOf(delta: unknown): string | undefined {
  if (!isRecord(delta)) return undefined;
  const text = delta['text'] ?? delta['thinking'] ?? delta['partial_json'];
  return typeof text === 'string' ? text : undefined;
}

/**
 * Streams a Messages API request from OpenRouter to the client, its named events forwarded as they came
 * (`message_start`, `content_block_delta`, … `message_stop`), as `proxyTypedEventStream` does. The usage is
 * `message_start`'s (the input) updated by `message_delta`'s (the output, and OpenRouter's cost); the stream is
 * complete at `message_stop`. An upstream `error` event, a stall or a connection that ends before it becomes the
 * Messages API's `error` event (`{type:"error", error:{type, message}}`), which Anthropic's SDKs throw. The request's
 * answer taps (output guardrails) see each event before it is written: a guardrail may hold text back, which is sent
 * as one more delta before its block's `content_block_stop` (`HELD_DELTA`), or stop the stream with its error event.
 */
export function proxyMessagesStream(context: GatewayContext, run: MessagesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  // Untapped, events are sent as they came, with no writer of the reader's own in the way.
  const reader = meter.answerTaps.length > 0 ? new TappedMessagesEventReader() : new MessagesEventReader();
  return proxyTypedEventStream(context, run, meter, res, reader);
}

class MessagesEventReader implements TypedEventReader {
  readonly path = '/messages';
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

  summary() {
    return { usage: this.#usage, model: this.#model, provider: this.#provider };
  }

  errorEvent(error: GatewayError): string {
    return `event: error\ndata: ${JSON.stringify(error.toAnthropicBody())}\n\n`;
  }

  errorBody(error: GatewayError): unknown {
    return error.toAnthropicBody();
  }
}

/** A reader of a stream whose answer taps may change its events (see `write`). */
class TappedMessagesEventReader extends MessagesEventReader {
  /**
   * As it came, but for what a tap changed: a delta whose text it held all of is left out, and the text it held and
   * then let through is sent in a delta of its own before the block's stop.
   */
  write(event: UpstreamChunk, data: string): TypedEventWrite {
    const type = event['type'];
    if (type === 'content_block_delta') {
      const text = deltaTextOf(event['delta']);
      if (text === '') return { text: undefined };
      return { text: `event: content_block_delta\ndata: ${data}\n\n`, characters: text?.length };
    }
    if (type === 'content_block_stop' && event[HELD_DELTA] !== undefined) {
      const { [HELD_DELTA]: delta, ...stop } = event;
      const held = { type: 'content_block_delta', index: event['index'], delta };
      return { text: `event: content_block_delta\ndata: ${JSON.stringify(held)}\n\nevent: content_block_stop\ndata: ${JSON.stringify(stop)}\n\n`, characters: deltaTextOf(delta)?.length };
    }
    return { text: `${typeof type === 'string' ? `event: ${type}\n` : ''}data: ${data}\n\n` };
  }
}
