import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { isRecord } from '../records.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { MessagesRun } from './messages.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader } from './typed-event-stream.js';

/**
 * Streams a Messages API request from OpenRouter to the client, its named events forwarded as they came
 * (`message_start`, `content_block_delta`, … `message_stop`), as `proxyTypedEventStream` does. The usage is
 * `message_start`'s (the input) updated by `message_delta`'s (the output, and OpenRouter's cost); the stream is
 * complete at `message_stop`. An upstream `error` event, a stall or a connection that ends before it becomes the
 * Messages API's `error` event (`{type:"error", error:{type, message}}`), which Anthropic's SDKs throw.
 */
export function proxyMessagesStream(context: GatewayContext, run: MessagesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  return proxyTypedEventStream(context, run, meter, res, new MessagesEventReader());
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
    if (type === 'content_block_delta' && isRecord(event['delta'])) {
      const delta = event['delta'];
      const text = delta['text'] ?? delta['thinking'] ?? delta['partial_json'];
      return { text: typeof text === 'string' ? text : undefined };
    }
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
