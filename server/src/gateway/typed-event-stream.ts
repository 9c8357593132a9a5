import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { redactedError, sendGatewayError } from '../errors.js';
import { setHeaders, untilDrained } from '../plain-http.js';
import type { SseItem } from '../upstream/sse-events.js';
import { classifyUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import type { ChatRun } from './chat.js';
import type { GatewayContext } from './context.js';
import { passTaps, type ForwardResult, type MeteredRequest } from './metered-request.js';
import { openChatStream, streamErrorOf, type OpenedStream } from './open-chat-stream.js';
import { midAnswerFailure, openFailure, SSE_HEADERS, streamEnding, TickWriter, type UpstreamChunk } from './stream-proxy.js';
import { RawTypedEvents, type PlainTypedEvents, type RawTypedEventSink } from './typed-event-scan.js';

/** What one event of a typed stream says, read before it is forwarded. */
export interface TypedEventFacts {
  /**
   * Answer text it carries (counted for an estimate when no usage arrives, and for the time to the first token), for
   * a reader that does not write its events itself (`write`).
   */
  text?: string | undefined;
  /** True when it completes the answer: nothing after it is read. */
  terminal?: boolean;
}

/** What is sent for one event, as a reader writes it (`TypedEventReader.write`). */
export interface TypedEventWrite {
  /** The text sent for it, or undefined to send nothing. */
  text: string | undefined;
  /** Characters of answer text it sends (counted for an estimate when no usage arrives, and for the time to the first token). */
  characters?: number | undefined;
}

/**
 * What differs between the APIs whose streams are typed SSE events (`event: <type>` and its JSON), the Responses API's
 * and the Messages API's: the path, what an event says, and how the gateway's own failure is written. One per stream.
 */
export interface TypedEventReader extends PlainTypedEvents {
  readonly path: '/responses' | '/messages';
  /** Reads one event as the upstream sent it, keeping what it says of the answer (usage, model, provider). */
  read(event: UpstreamChunk, type: string | undefined): TypedEventFacts;
  /**
   * Writes one event as the request's answer taps left it (`data`: its JSON, the upstream's text when no tap changed
   * it). Absent, an event is sent as it came (`event: <type>` and its data), its answer text the one `read` found.
   */
  write?(event: UpstreamChunk, data: string): TypedEventWrite;
  /** What the answer said of itself so far. */
  summary(): { usage: unknown; model: string | undefined; provider: string | undefined };
  /** The API's error event for a failure once the stream is committed (its message already redacted). */
  errorEvent(error: GatewayError): string;
  /** The error body of a failure before anything was sent, with its real status (absent: the OpenAI error body). */
  errorBody?(error: GatewayError): unknown;
}

/**
 * Streams a request of an API with typed events from OpenRouter to the client, each event forwarded as it came. Until
 * the first event, upstream failures are retried and fall back to the next model, and a refusal is answered with its
 * real status; afterwards nothing is retried. The stream is complete at the event the reader calls terminal, whose
 * usage settles the request; an upstream error event, a stall or a connection that ends before it becomes the API's
 * own error event, so no stream ends looking like success when it was not. A client that hangs up aborts the upstream
 * request at once; a deadline or a shutdown ends the stream with an error event. Upstream keep-alives are dropped; the
 * gateway's own heartbeats keep a quiet connection open. The request's answer taps (output guardrails, the response
 * cache, on a route whose stages read its API) see each event before it is written, as a chat's see its chunks: a tap
 * may change an event, and one that refuses the answer ends the stream with its error. With no tap, the events the
 * reader takes (`TypedEventReader.plain`: the deltas of the answer's text) leave as the bytes that came, unparsed.
 */
export function proxyTypedEventStream(context: GatewayContext, run: Pick<ChatRun, 'target' | 'body' | 'apiKey' | 'startedAt'>, meter: MeteredRequest, res: ServerResponse, reader: TypedEventReader): Promise<ForwardResult> {
  return new TypedEventStream(context, run, meter, res, reader).proxy();
}

class TypedEventStream implements RawTypedEventSink {
  #committed = false;
  /** Set once the first event was sent: from there events may leave as they came. */
  forwarding = false;
  #statusKnown = false;
  #lastWrite = performance.now();
  #timeToFirstTokenMs: number | undefined;
  #forwardedCharacters = 0;
  #latestGenerationId: string | undefined;
  #complete = false;
  #failure: GatewayError | undefined;
  readonly #out: TickWriter;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    private readonly context: GatewayContext,
    private readonly run: Pick<ChatRun, 'target' | 'body' | 'apiKey' | 'startedAt'>,
    private readonly meter: MeteredRequest,
    private readonly res: ServerResponse,
    private readonly reader: TypedEventReader,
  ) {
    this.#out = new TickWriter(res, true);
    this.#heartbeat = setInterval(() => this.#beat(), context.heartbeatMs);
  }

  async proxy(): Promise<ForwardResult> {
    const { signal } = this.meter;
    const { reader } = this;
    const raw = reader.plain && this.meter.answerTaps.length === 0 ? new RawTypedEvents(reader, this) : undefined;
    let opened: OpenedStream;
    try {
      opened = await openChatStream(this.context, this.run, this.meter, {
        path: reader.path,
        raw,
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
      const failure = openFailure(this.meter, error);
      if (failure) this.#fail(failure);
      return this.#result(failure ? 'error' : 'cancelled', signal.aborted ? this.#latestGenerationId : undefined, failure);
    }
    // Answered 200 with a first event: nothing is retried from here, so the prompt is not needed again.
    this.run.body = {};
    try {
      const { first, rest } = opened;
      opened.first = undefined;
      opened.rest = [];
      let going = first ? await this.#forward(first.chunk, first.raw, undefined) : false;
      this.forwarding = true;
      if (going) going = await this.#forwardBatch(rest);
      if (going) {
        for await (const batch of opened.batches) {
          if (!(await this.#forwardBatch(batch))) break;
          // With raw runs, the body's reader sends what was written and waits for the client before each read
          // (`caughtUp`), so that a read's events, parsed and raw, leave in one write.
          if (raw) continue;
          // What the batch wrote goes first, so that the client's backlog counts it.
          this.#out.flush();
          const backlog = untilDrained(this.res, signal);
          if (backlog) await backlog;
        }
      }
    } catch (error) {
      this.#failure = midAnswerFailure(error);
    } finally {
      clearInterval(this.#heartbeat);
      await opened.batches.return(undefined);
    }
    const ending = streamEnding(this.meter, this.#failure, this.#complete);
    if (ending === 'cancelled') return this.#result('cancelled', opened.generationId);
    this.#failure = ending;
    if (this.#failure) this.#fail(this.#failure);
    else this.#end('');
    return this.#result(this.#failure ? 'error' : 'ok', opened.generationId, this.#failure);
  }

  /** Forwards one batch of items; false once the stream is over (its terminal event, `[DONE]` or an error). */
  async #forwardBatch(items: SseItem[]): Promise<boolean> {
    for (const item of items) {
      if (item.kind === 'comment') continue;
      if (item.data === '[DONE]') return false;
      if (!(await this.#forward(JSON.parse(item.data) as UpstreamChunk, item.data, item.event))) return false;
    }
    return true;
  }

  /** Forwards one event, once the answer taps saw it (and maybe changed it); false once the stream is over. */
  async #forward(upstreamEvent: UpstreamChunk, raw: string, name: string | undefined): Promise<boolean> {
    // An event the upstream named only in its `event:` field is read (and written) under that name.
    const event = typeof upstreamEvent['type'] === 'string' || name === undefined ? upstreamEvent : { type: name, ...upstreamEvent };
    const error = streamErrorOf(event);
    if (error) {
      this.#failure = classifyUpstreamError(statusOfErrorCode(error.code), error).error;
      return false;
    }
    const type = typeof event['type'] === 'string' ? event['type'] : undefined;
    const facts = this.reader.read(event, type);
    const taps = this.meter.answerTaps;
    const rewritten = taps.length > 0 ? await passTaps(taps, event) : undefined;
    const written = rewritten ?? event;
    const data = rewritten || event !== upstreamEvent || raw.includes('\n') ? JSON.stringify(written) : raw;
    const sent = this.reader.write?.(written, data) ?? { text: `${type === undefined ? '' : `event: ${type}\n`}data: ${data}\n\n`, characters: facts.text?.length };
    if (sent.characters !== undefined) {
      this.#forwardedCharacters += sent.characters;
      this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
    }
    if (sent.text !== undefined) this.#write(sent.text);
    if (facts.terminal) {
      this.#complete = true;
      return false;
    }
    return true;
  }

  /** Once OpenRouter answered 200, a quiet stream (a long time to the first event) keeps the client's connection open. */
  #beat(): void {
    if (this.#statusKnown && performance.now() - this.#lastWrite >= this.context.heartbeatMs - 1 && !this.res.writableEnded) this.#write(': heartbeat\n\n');
  }

  /** A run of events the reader took as they came (see `RawTypedEvents`). */
  forwardRaw(bytes: Buffer, characters: number): void {
    this.#forwardedCharacters += characters;
    this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
    this.#write(bytes);
  }

  /** What is gathered goes first, so that the client's backlog counts it (see `RawEvents.caughtUp`). */
  caughtUp(): Promise<void> | undefined {
    this.#out.flush();
    return untilDrained(this.res, this.meter.signal);
  }

  #write(text: string | Buffer): void {
    if (!this.#committed) {
      this.#committed = true;
      this.res.statusCode = 200;
      setHeaders(this.res, SSE_HEADERS);
    }
    this.#lastWrite = performance.now();
    this.#out.write(text);
  }

  /** Ends the response with an error: the API's error event once committed, else the real status. */
  #fail(error: GatewayError): void {
    const safe = redactedError(error, this.context.redact);
    if (!this.#committed) return sendGatewayError(this.res, safe, this.reader.errorBody?.(safe) ?? safe.toBody());
    if (!this.res.writableEnded && !this.res.destroyed) this.#end(this.reader.errorEvent(safe));
  }

  #end(text: string): void {
    this.#out.end(text);
  }

  #result(status: ForwardResult['status'], generationId: string | undefined, error?: GatewayError): ForwardResult {
    const { usage, model, provider } = this.reader.summary();
    return {
      status,
      usage,
      servedModel: model,
      provider,
      generationId,
      timeToFirstTokenMs: this.#timeToFirstTokenMs,
      completionCharacters: this.#forwardedCharacters,
      ...(error ? { errorCode: error.code } : {}),
    };
  }
}
