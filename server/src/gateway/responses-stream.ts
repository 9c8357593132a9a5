import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { ResponsesRun } from './responses.js';
import { responsesStreamFormatOf, TERMINAL_RESPONSE_EVENTS, type ResponsesStreamFormat } from './responses-events.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader, type TypedEventWrite } from './typed-event-stream.js';

/**
 * Streams a Responses API request from OpenRouter to the client, its typed events forwarded as they came
 * (`event: <type>` and its data), as `proxyTypedEventStream` does. The stream is complete at `response.completed` (or
 * `response.incomplete`), whose response carries the usage the request is settled with; a `response.failed` or
 * `error` event, a stall or a connection that ends before it becomes the gateway's `error` event
 * (`{type:"error", code, message, error:{…}}`), numbered after the last event sent. The request's answer taps (output
 * guardrails, the cache) see each event before it is written: a guardrail may hold text back, which is sent before its
 * `.done` event with the events after it numbered on (`ResponsesStreamFormat`), or stop the stream with its error event.
 */
export function proxyResponsesStream(context: GatewayContext, run: ResponsesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  return proxyTypedEventStream(context, run, meter, res, new ResponsesEventReader(responsesStreamFormatOf(run)));
}

class ResponsesEventReader implements TypedEventReader {
  readonly path = '/responses';
  #usage: unknown;
  #model: string | undefined;
  #provider: string | undefined;

  /** `format`: the request's one format, which a stage answering in the stream's place (the cache) writes through too. */
  constructor(private readonly format: ResponsesStreamFormat) {}

  read(event: UpstreamChunk, type: string | undefined): TypedEventFacts {
    const response = event['response'] as { model?: unknown; provider?: unknown; usage?: unknown } | undefined;
    if (typeof response?.model === 'string') this.#model = response.model;
    if (typeof response?.provider === 'string') this.#provider = response.provider;
    const terminal = type !== undefined && TERMINAL_RESPONSE_EVENTS.has(type);
    if (terminal) this.#usage = response?.usage;
    return { terminal };
  }

  /**
   * Through the format, which numbers the events after any it adds. The answer text sent (counted for an estimate when
   * no usage arrives) is the format's, which may send held text in a delta of its own before a `.done` event.
   */
  write(event: UpstreamChunk, data: string): TypedEventWrite {
    const before = this.format.deltaCharacters;
    const text = this.format.chunk(event, data);
    const characters = this.format.deltaCharacters - before;
    return { text, characters: characters > 0 ? characters : undefined };
  }

  summary() {
    return { usage: this.#usage, model: this.#model, provider: this.#provider };
  }

  errorEvent(error: GatewayError): string {
    return this.format.error(error);
  }
}
