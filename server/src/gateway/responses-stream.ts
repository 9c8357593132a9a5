import type { ServerResponse } from 'node:http';
import type { GatewayError} from '../errors.js';
import { redactedError, sendGatewayError, toGatewayError } from '../errors.js';
import { setHeaders, untilDrained } from '../plain-http.js';
import type { SseItem } from '../upstream/sse-events.js';
import { classifyUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import { openChatStream, streamErrorOf, type OpenedStream } from './open-chat-stream.js';
import type { ResponsesRun } from './responses.js';
import { midAnswerFailure, SSE_HEADERS, streamEnding, type UpstreamChunk } from './stream-proxy.js';

/** The events that end a Responses stream with its whole response (and its usage). */
const TERMINAL = new Set(['response.completed', 'response.incomplete']);
/** The events whose `delta` is answer text, counted for an estimate when no usage arrives. */
const TEXT_DELTAS = new Set(['response.output_text.delta', 'response.reasoning_text.delta', 'response.reasoning_summary_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta']);

/**
 * Streams a Responses API request from OpenRouter to the client, its typed events forwarded as they came
 * (`event: <type>` and its data). Until the first event, upstream failures are retried and fall back to the next
 * model, and a refusal is answered with its real status; afterwards nothing is retried. The stream is complete at
 * `response.completed` (or `response.incomplete`), whose response carries the usage the request is settled with; a
 * `response.failed` or `error` event, a stall or a connection that ends before it becomes the gateway's `error` event
 * (`{type:"error", code, message, error:{…}}`), so no stream ends looking like success when it was not. A client that
 * hangs up aborts the upstream request at once; a deadline or a shutdown ends the stream with an error event.
 */
export function proxyResponsesStream(context: GatewayContext, run: ResponsesRun, meter: MeteredRequest, res: ServerResponse): Promise<ForwardResult> {
  return new ResponsesStream(context, run, meter, res).proxy();
}

class ResponsesStream {
  #committed = false;
  #statusKnown = false;
  #lastWrite = performance.now();
  #timeToFirstTokenMs: number | undefined;
  #forwardedCharacters = 0;
  #latestGenerationId: string | undefined;
  /** The last `sequence_number` forwarded: the gateway's own error event follows it. */
  #sequence = -1;
  #usage: unknown;
  #model: string | undefined;
  #provider: string | undefined;
  #complete = false;
  #failure: GatewayError | undefined;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly context: GatewayContext,
    private readonly run: ResponsesRun,
    private readonly meter: MeteredRequest,
    private readonly res: ServerResponse,
  ) {
    this.#heartbeat = setInterval(() => this.#beat(), context.heartbeatMs);
  }

  async proxy(): Promise<ForwardResult> {
    const { signal } = this.meter;
    let opened: OpenedStream;
    try {
      opened = await openChatStream(this.context, this.run, this.meter, {
        path: '/responses',
        answered: (generationId) => {
          this.#statusKnown = true;
          this.#latestGenerationId = generationId;
        },
        abandoned: () => {
          this.#latestGenerationId = undefined;
        },
      });
    } catch (error) {
      clearInterval(this.#heartbeat);
      if (signal.aborted) {
        const ended = this.meter.abortError();
        if (ended) this.#fail(ended);
        return this.#result(ended ? 'error' : 'cancelled', this.#latestGenerationId, ended);
      }
      const failure = toGatewayError(error);
      this.#fail(failure);
      return this.#result('error', undefined, failure);
    }
    // Answered 200 with a first event: nothing is retried from here, so the prompt is not needed again.
    this.run.body = {};
    try {
      const { first, rest } = opened;
      opened.first = undefined;
      opened.rest = [];
      let going = first ? this.#forward(first.chunk, first.raw, 'response.created') : false;
      if (going) going = this.#forwardBatch(rest);
      if (going) {
        for await (const batch of opened.batches) {
          if (!this.#forwardBatch(batch)) break;
          const backlog = untilDrained(this.res, signal);
          if (backlog) await backlog;
        }
      }
    } catch (error) {
      if (!signal.aborted) this.#failure = midAnswerFailure(error);
    } finally {
      clearInterval(this.#heartbeat);
      await opened.batches.return(undefined);
    }
    const ending = streamEnding(this.meter, this.#failure, this.#complete);
    if (ending === 'cancelled') return this.#result('cancelled', opened.generationId);
    this.#failure = ending;
    if (this.#failure) this.#fail(this.#failure);
    else this.res.end();
    return this.#result(this.#failure ? 'error' : 'ok', opened.generationId, this.#failure);
  }

  /** Forwards one batch of items; false once the stream is over (its terminal event, `[DONE]` or an error). */
  #forwardBatch(items: SseItem[]): boolean {
    for (const item of items) {
      if (item.kind === 'comment') continue;
      if (item.data === '[DONE]') return false;
      if (!this.#forward(JSON.parse(item.data) as UpstreamChunk, item.data, item.event)) return false;
    }
    return true;
  }

  /** Forwards one event; false once the stream is over. */
  #forward(event: UpstreamChunk, raw: string, name: string | undefined): boolean {
    const error = streamErrorOf(event);
    if (error) {
      this.#failure = classifyUpstreamError(statusOfErrorCode(error.code), error).error;
      return false;
    }
    const type = typeof event['type'] === 'string' ? event['type'] : name;
    if (typeof event['sequence_number'] === 'number') this.#sequence = event['sequence_number'];
    const response = event['response'] as { model?: unknown; provider?: unknown; usage?: unknown } | undefined;
    if (typeof response?.model === 'string') this.#model = response.model;
    if (typeof response?.provider === 'string') this.#provider = response.provider;
    if (type !== undefined && TEXT_DELTAS.has(type) && typeof event['delta'] === 'string') {
      this.#forwardedCharacters += event['delta'].length;
      this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
    }
    const data = raw.includes('\n') ? JSON.stringify(event) : raw;
    this.#write(`${type === undefined ? '' : `event: ${type}\n`}data: ${data}\n\n`);
    if (type !== undefined && TERMINAL.has(type)) {
      this.#usage = response?.usage;
      this.#complete = true;
      return false;
    }
    return true;
  }

  /** Once OpenRouter answered 200, a quiet stream (a long time to the first event) keeps the client's connection open. */
  #beat(): void {
    if (this.#statusKnown && performance.now() - this.#lastWrite >= this.context.heartbeatMs - 1 && !this.res.writableEnded) this.#write(': heartbeat\n\n');
  }

  #write(text: string): void {
    if (!this.#committed) {
      this.#committed = true;
      this.res.statusCode = 200;
      setHeaders(this.res, SSE_HEADERS);
    }
    this.#lastWrite = performance.now();
    if (!this.res.writableEnded && !this.res.destroyed) this.res.write(text);
  }

  /** Ends the response with an error: the Responses API's `error` event once committed, else the real status. */
  #fail(error: GatewayError): void {
    const safe = redactedError(error, this.context.redact);
    if (!this.#committed) return sendGatewayError(this.res, safe);
    const body = safe.toBody();
    const retryAfter = safe.options.retryAfterSeconds;
    const event = {
      type: 'error',
      code: safe.code,
      message: safe.message,
      param: body.error.param ?? null,
      sequence_number: this.#sequence + 1,
      // OpenAI's SDKs throw an event's `error` as an APIError, as they do a chat stream's.
      error: retryAfter === undefined ? body.error : { ...body.error, retry_after: Math.max(0, Math.ceil(retryAfter)) },
    };
    if (!this.res.writableEnded && !this.res.destroyed) this.res.end(`event: error\ndata: ${JSON.stringify(event)}\n\n`);
  }

  #result(status: ForwardResult['status'], generationId: string | undefined, error?: GatewayError): ForwardResult {
    return {
      status,
      usage: this.#usage,
      servedModel: this.#model,
      provider: this.#provider,
      generationId,
      timeToFirstTokenMs: this.#timeToFirstTokenMs,
      completionCharacters: this.#forwardedCharacters,
      ...(error ? { errorCode: error.code } : {}),
    };
  }
}
