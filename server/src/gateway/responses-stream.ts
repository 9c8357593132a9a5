import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import type { ResponsesRun } from './responses.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { proxyTypedEventStream, type TypedEventFacts, type TypedEventReader } from './typed-event-stream.js';

/** The events that end a Responses stream with its whole response (and its usage). */
const TERMINAL = new Set(['response.completed', 'response.incomplete']);
/** The events whose `delta` is answer text, counted for an estimate when no usage arrives. */
const TEXT_DELTAS = new Set(['response.output_text.delta', 'response.reasoning_text.delta', 'response.reasoning_summary_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta']);

/**
 * Streams a Responses API request from OpenRouter to the client, its typed events forwarded as they came
 * (`event: <type>` and its data), as `proxyTypedEventStream` does. The stream is complete at `response.completed` (or
 * `response.incomplete`), whose response carries the usage the request is settled with; a `response.failed` or
 * `error` event, a stall or a connection that ends before it becomes the gateway's `error` event
 * (`{type:"error", code, message, error:{…}}`), numbered after the last event forwarded.
 */
export function proxyResponsesStream(context: GatewayContext, run: ResponsesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  return proxyTypedEventStream(context, run, meter, res, new ResponsesEventReader());
}

class ResponsesEventReader implements TypedEventReader {
  readonly path = '/responses';
  /** The last `sequence_number` forwarded: the gateway's own error event follows it. */
  #sequence = -1;
  #usage: unknown;
  #model: string | undefined;
  #provider: string | undefined;

  read(event: UpstreamChunk, type: string | undefined): TypedEventFacts {
    if (typeof event['sequence_number'] === 'number') this.#sequence = event['sequence_number'];
    const response = event['response'] as { model?: unknown; provider?: unknown; usage?: unknown } | undefined;
    if (typeof response?.model === 'string') this.#model = response.model;
    if (typeof response?.provider === 'string') this.#provider = response.provider;
    const terminal = type !== undefined && TERMINAL.has(type);
    if (terminal) this.#usage = response?.usage;
    const text = type !== undefined && TEXT_DELTAS.has(type) && typeof event['delta'] === 'string' ? event['delta'] : undefined;
    return { text, terminal };
  }

  summary() {
    return { usage: this.#usage, model: this.#model, provider: this.#provider };
  }

  errorEvent(error: GatewayError): string {
    const body = error.toBody();
    const retryAfter = error.options.retryAfterSeconds;
    const event = {
      type: 'error',
      code: error.code,
      message: error.message,
      param: body.error.param ?? null,
      sequence_number: this.#sequence + 1,
      // OpenAI's SDKs throw an event's `error` as an APIError, as they do a chat stream's.
      error: retryAfter === undefined ? body.error : { ...body.error, retry_after: Math.max(0, Math.ceil(retryAfter)) },
    };
    return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
  }
}
