import type { ServerResponse } from 'node:http';
import { GatewayError, redactedError, sendGatewayError, toGatewayError } from '../errors.js';
import { setHeaders, untilDrained } from '../plain-http.js';
import { toTransportError } from '../upstream/openrouter-client.js';
import type { KeyWatch } from '../upstream/key-watch.js';
import type { RawEvents, SseItem } from '../upstream/sse-events.js';
import { classifyUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import { forgetPrompt, type ChatRun } from './chat.js';
import type { GatewayContext } from './context.js';
import { endTaps, type ForwardResult, type MeteredRequest } from './metered-request.js';
import { openChatStream, type OpenedStream } from './open-chat-stream.js';
import { PlainChunks } from './stream-chunk-scan.js';

/** One parsed upstream chunk; fields the gateway reads are typed. */
export interface UpstreamChunk {
  id?: string;
  model?: string;
  provider?: string;
  created?: number;
  choices?: Array<{ index?: number; delta?: Record<string, unknown>; finish_reason?: string | null }>;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown; type?: unknown; metadata?: Record<string, unknown> };
  [field: string]: unknown;
}

/** How a client protocol writes a stream: the OpenAI chunks, or the InsForge `{chunk}`…`{done}` events. */
export interface StreamFormat {
  /** The text for one upstream chunk, or undefined to send nothing for it. */
  /** `raw` is the event's text as the upstream sent it, which a format may forward as is. */
  chunk(chunk: UpstreamChunk, raw: string): string | undefined;
  /**
   * The text for an ordinary content chunk known only by its raw text (`PlainChunks`), with no parse; absent, every
   * chunk is parsed and given to `chunk`.
   */
  plain?(raw: string): string;
  /**
   * True when `plain(raw)` is the event as the upstream framed it (`data: <raw>\n\n`): then a read of the upstream
   * body made only of plain chunks leaves as the bytes that came, neither decoded nor parsed.
   */
  plainAsSent?: boolean;
  error(error: GatewayError): string;
  /** The closing events after a complete answer (a usage chunk, `[DONE]`, `{done}`…). */
  end(summary: StreamSummary): string;
}

export interface StreamSummary {
  id: string | undefined;
  model: string | undefined;
  provider: string | undefined;
  created: number | undefined;
  usage: unknown;
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/**
 * Streams a chat from OpenRouter to the client. Until the first chunk is forwarded, upstream failures are retried
 * and fall back to the next model. Nothing is committed before OpenRouter answered 200: a refusal before that
 * (a rate limit, a bad request) is answered with its real HTTP status and `Retry-After`; heartbeats (SSE comments)
 * start only once the status is known. Afterwards nothing is retried: a mid-stream error, a stall or a connection
 * that ends without `[DONE]` becomes an error event (with `retry_after` when the upstream gave one), so no stream
 * ever ends looking like success when it was not. A client that hangs up aborts the upstream request at once; a
 * deadline or a shutdown ends the stream with an error event.
 */
export function proxyChatStream(context: GatewayContext, run: ChatRun, meter: MeteredRequest, res: ServerResponse, format: StreamFormat): Promise<ForwardResult> {
  return new ChatStream(context, run, meter, res, format).proxy();
}

/**
 * One stream's state, in one object with its steps as methods: an open stream holds it for minutes, and a dozen
 * closures over the same variables (with their shared context) held about 1 KB more per stream.
 */
class ChatStream {
  #committed = false;
  /** Heartbeats may commit the response only once OpenRouter answered 200. */
  #statusKnown = false;
  #lastWrite = performance.now();
  #timeToFirstTokenMs: number | undefined;
  #forwardedCharacters = 0;
  /** The generation of the latest attempt, known from its headers even if the client leaves before any chunk. */
  #latestGenerationId: string | undefined;
  readonly #summary: StreamSummary = { id: undefined, model: undefined, provider: undefined, created: undefined, usage: undefined };
  readonly #out: TickWriter;
  readonly #heartbeat: NodeJS.Timeout;
  /**
   * Plain pieces of text are read without a parse when nothing reads them (a guardrail, the cache), and leave as the
   * bytes that came when the format sends them as the upstream did (`#rawEvents`).
   */
  readonly #plainChunks: PlainChunks | undefined;
  readonly #rawEvents: RawEvents | undefined;
  #failure: GatewayError | undefined;
  #sawDone = false;

  constructor(
    private readonly context: GatewayContext,
    private readonly run: ChatRun,
    private readonly meter: MeteredRequest,
    private readonly res: ServerResponse,
    private readonly format: StreamFormat,
  ) {
    this.#out = new TickWriter(res);
    this.#heartbeat = setInterval(sendHeartbeat, context.heartbeatMs, this);
    this.#plainChunks = format.plain && meter.answerTaps.every((tap) => tap.skipsPlainText === true) ? new PlainChunks() : undefined;
    this.#rawEvents = this.#plainChunks && format.plainAsSent ? new PlainRuns(this.#plainChunks, this) : undefined;
  }

  async proxy(): Promise<ForwardResult> {
    const { signal } = this.meter;
    let opened: OpenedStream;
    try {
      opened = await this.#open();
    } catch (error) {
      clearInterval(this.#heartbeat);
      const failure = openFailure(this.meter, error);
      if (failure) this.#fail(failure);
      return this.#result(failure ? 'error' : 'cancelled', signal.aborted ? this.#latestGenerationId : undefined, failure);
    }

    // Answered 200 with a first chunk: nothing is retried from here, so the prompt is not needed again.
    forgetPrompt(this.run);
    this.#sawDone = opened.first === undefined;
    try {
      if (await this.#forwardStart(opened)) {
        for await (const batch of opened.batches) {
          if (!(await this.#forwardBatch(batch))) break;
          const backlog = this.clientCaughtUp();
          if (backlog) await backlog;
        }
      }
      // What a tap held back until the end (an output guardrail's undecided text) leaves before the closing events.
      if (this.#sawDone && this.meter.answerTaps.length > 0) for (const chunk of await endTaps(this.meter.answerTaps)) this.#send(chunk, undefined);
    } catch (error) {
      this.#failure = midAnswerFailure(error);
    } finally {
      clearInterval(this.#heartbeat);
      await opened.batches.return(undefined);
    }
    const ending = streamEnding(this.meter, this.#failure, this.#sawDone);
    if (ending === 'cancelled') return this.#result('cancelled', opened.generationId);
    this.#failure = ending;
    if (this.#failure) this.#fail(this.#failure);
    else this.#end(this.format.end(this.#summary));
    return this.#result(this.#failure ? 'error' : 'ok', opened.generationId, this.#failure);
  }

  /** Calls OpenRouter through retries and fallbacks, up to a 200 with its first chunk. */
  #open(): Promise<OpenedStream> {
    return openChatStream(this.context, this.run, this.meter, {
      raw: this.#rawEvents,
      answered: (generationId) => {
        this.#statusKnown = true;
        this.#latestGenerationId = generationId;
      },
      abandoned: () => {
        this.#latestGenerationId = undefined;
      },
    });
  }

  /**
   * Forwards the first chunk and the items of its read, and lets go of them (the stream goes on for minutes without
   * them); false once the stream is over.
   */
  async #forwardStart(opened: OpenedStream): Promise<boolean> {
    const { first, rest } = opened;
    opened.first = undefined;
    opened.rest = [];
    if (first) {
      this.#plainChunks?.learn(first.chunk, first.raw);
      await this.#forward(first.chunk, first.raw);
    }
    return this.#forwardBatch(rest);
  }

  /** Forwards one batch of items; false once the stream is over (`[DONE]` or an error event). */
  async #forwardBatch(items: SseItem[]): Promise<boolean> {
    const plainChunks = this.#plainChunks;
    const { format } = this;
    for (const item of items) {
      if (item.kind === 'comment') continue;
      if (item.data === '[DONE]') {
        this.#sawDone = true;
        return false;
      }
      // An ordinary piece of text leaves as it came, unparsed, when it is shaped as one already parsed and nothing
      // (a guardrail, the cache) reads the chunks.
      const plain = plainChunks?.length(item.data);
      if (plain !== undefined && format.plain) {
        this.#forwardedCharacters += plain;
        this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
        this.#write(format.plain(item.data));
        continue;
      }
      const chunk = JSON.parse(item.data) as UpstreamChunk;
      if (chunk.error) {
        this.#failure = classifyUpstreamError(statusOfErrorCode(chunk.error.code), chunk.error).error;
        return false;
      }
      plainChunks?.learn(chunk, item.data);
      await this.#forward(chunk, item.data);
    }
    return true;
  }

  async #forward(chunk: UpstreamChunk, raw: string): Promise<void> {
    // Output guardrails and a cache see each chunk before it is written; a guardrail may stop the stream here, or
    // hold part of its text back (then the chunk it answers is written instead, serialized again).
    // The loop of `passTaps` written out: one promise less per chunk for a stream whose taps change nothing.
    let rewritten: UpstreamChunk | undefined;
    for (const tap of this.meter.answerTaps) rewritten = (await tap.chunk?.(rewritten ?? chunk)) ?? rewritten;
    this.#send(rewritten ?? chunk, rewritten ? undefined : raw);
  }

  /** Writes a chunk in the client's format; `raw` is its text as the upstream sent it, unless a tap changed it. */
  #send(chunk: UpstreamChunk, raw: string | undefined): void {
    const summary = this.#summary;
    summary.id ??= chunk.id;
    summary.model ??= chunk.model;
    summary.provider ??= chunk.provider;
    summary.created ??= chunk.created;
    if (chunk.usage) summary.usage = chunk.usage;
    const delta = chunk.choices?.[0]?.delta;
    for (const field of ['content', 'reasoning'] as const) {
      const piece = delta?.[field];
      if (typeof piece === 'string') this.#forwardedCharacters += piece.length;
    }
    const text = this.format.chunk(chunk, raw ?? JSON.stringify(chunk));
    if (text === undefined) return;
    this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
    this.#write(text);
  }

  /** A run of plain events forwarded as the bytes that came (see `PlainRuns`). */
  forwardRaw(bytes: Buffer, characters: number): void {
    this.#forwardedCharacters += characters;
    this.#timeToFirstTokenMs ??= performance.now() - this.run.startedAt;
    this.#writeBytes(bytes);
  }

  heartbeat(): void {
    if (this.#statusKnown && performance.now() - this.#lastWrite >= this.context.heartbeatMs - 1 && !this.res.writableEnded) this.#write(': heartbeat\n\n');
  }

  /**
   * Resolves once the client has taken what its connection holds beyond its buffer, or is gone; undefined while it
   * keeps up. Meanwhile the upstream body is read no further, so a client that reads slowly (or not at all) leaves the
   * rest of the answer upstream, not in the gateway's memory.
   */
  clientCaughtUp(): Promise<void> | undefined {
    this.#out.flush();
    return untilDrained(this.res, this.meter.signal);
  }

  #commit(): void {
    if (this.#committed) return;
    this.#committed = true;
    this.res.statusCode = 200;
    setHeaders(this.res, SSE_HEADERS);
  }

  #write(text: string): void {
    this.#commit();
    this.#lastWrite = performance.now();
    this.#out.write(text);
  }

  /** A read of the upstream body forwarded as it came, after what is pending (so the order holds). */
  #writeBytes(bytes: Buffer): void {
    this.#commit();
    this.#lastWrite = performance.now();
    this.#out.write(bytes);
  }

  #end(text: string): void {
    this.#out.end(text);
  }

  /** Ends the response with an error: an event once committed, else the real status. */
  #fail(error: GatewayError): void {
    const safe = redactedError(error, this.context.redact);
    if (this.#committed) this.#end(this.format.error(safe));
    else sendGatewayError(this.res, safe);
  }

  #result(status: ForwardResult['status'], generationId: string | undefined, error?: GatewayError): ForwardResult {
    return {
      status,
      usage: this.#summary.usage,
      servedModel: this.#summary.model,
      provider: this.#summary.provider,
      generationId,
      timeToFirstTokenMs: this.#timeToFirstTokenMs,
      completionCharacters: this.#forwardedCharacters,
      ...(error ? { errorCode: error.code } : {}),
    };
  }
}

/** Module functions rather than a closure per stream: the timer and the tick get the stream as their argument. */
const sendHeartbeat = (stream: ChatStream) => stream.heartbeat();

/** The runs of plain events `readSseBatches` may forward as they came: those `PlainChunks` knows, to the stream. */
class PlainRuns implements RawEvents {
  constructor(
    private readonly plainChunks: PlainChunks,
    private readonly stream: ChatStream,
  ) {}

  run(bytes: Buffer, from: number, watch?: KeyWatch): { end: number; count: number } {
    return this.plainChunks.plainRun(bytes, from, watch);
  }

  get learning(): boolean {
    return !this.plainChunks.learned;
  }

  forward(bytes: Buffer, characters: number): void {
    this.stream.forwardRaw(bytes, characters);
  }

  textOf(data: string): readonly [start: number, end: number] | undefined {
    return this.plainChunks.textOf(data);
  }

  caughtUp(): Promise<void> | undefined {
    return this.stream.clientCaughtUp();
  }
}

/**
 * What a stream that failed before its first event ends with: the failure, or nothing when its client left (then the
 * record keeps the generation of the latest attempt, the request's own). Chat, Responses and Messages streams alike.
 */
export function openFailure(meter: MeteredRequest, error: unknown): GatewayError | undefined {
  return meter.signal.aborted ? meter.abortError() : toGatewayError(error);
}

/**
 * How a stream ended once the upstream's answer stopped being read: `cancelled` (its client left), the error it ends
 * with (the gateway ended it, a failure met while reading, or an answer that never came to its end), or nothing (it is
 * complete). Chat and Responses streams alike.
 */
export function streamEnding(meter: MeteredRequest, failure: GatewayError | undefined, complete: boolean): 'cancelled' | GatewayError | undefined {
  if (meter.signal.aborted) return meter.abortError() ?? 'cancelled';
  if (failure || complete) return failure;
  return new GatewayError('upstream_stream_truncated', 'The model provider ended the answer without finishing it.');
}

/**
 * What a stream that broke while reading the upstream's answer ends with: a tap's refusal (an output guardrail) as it
 * is, a stall past the between-chunks timeout, or a dropped connection (chat, Responses and Messages streams alike).
 * Once its client left, `streamEnding` says `cancelled` whatever this said.
 */
export function midAnswerFailure(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return toTransportError(error).kind === 'timeout'
    ? new GatewayError('upstream_timeout', 'The model stopped sending the answer mid-way.')
    : new GatewayError('upstream_stream_truncated', 'The connection to the model provider dropped mid-answer.');
}

/**
 * A stream's writes to its response, gathered within a turn of the event loop and sent together on the next tick: the
 * events parsed from one upstream read leave in one write, where a write each would become three chunks of the socket
 * write (chunked encoding), each converted on its own. Bytes (a run forwarded as it came) go at once, after what is
 * gathered, so the order holds; with `gatherBytes` they are gathered too, and joined with the text around them into
 * one write (a typed stream's runs of deltas lie between parsed events of the same read, where a chat stream's run is
 * most of its read).
 * @example
 * const out = new TickWriter(res);
 * out.write('data: {…}\n\n'); // sent on the next tick, with what else is written in this one
 * out.end('data: [DONE]\n\n');
 */
export class TickWriter {
  #pending = '';
  /** What is gathered before `#pending`, in order, once it holds bytes (`gatherBytes`); empty otherwise. */
  #pieces: Array<string | Buffer> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly gatherBytes = false,
  ) {}

  write(data: string | Buffer): void {
    if (typeof data !== 'string' && !this.gatherBytes) {
      this.flush();
      if (!this.res.writableEnded && !this.res.destroyed) writeAfterHeaders(this.res, data);
      return;
    }
    if (this.#pending === '' && this.#pieces.length === 0) process.nextTick(flushOf, this);
    if (typeof data === 'string') {
      this.#pending += data;
      return;
    }
    if (this.#pending !== '') this.#pieces.push(this.#pending);
    this.#pending = '';
    this.#pieces.push(data);
  }

  /** Sends what is gathered now (before the client's backlog is read, say). */
  flush(): void {
    const { res } = this;
    const data = this.#take('');
    if (data !== '' && !res.writableEnded && !res.destroyed) writeAfterHeaders(res, data);
  }

  /** Ends the response with what is gathered and `text`. */
  end(text: string): void {
    this.res.end(this.#take(text));
  }

  /** What is gathered, then `text`, as one string or one Buffer; nothing is gathered after. */
  #take(text: string): string | Buffer {
    const rest = this.#pending + text;
    this.#pending = '';
    if (this.#pieces.length === 0) return rest;
    const pieces = this.#pieces;
    this.#pieces = [];
    if (rest !== '') pieces.push(rest);
    if (pieces.length === 1) return pieces[0] as Buffer;
    return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
  }
}

const flushOf = (writer: TickWriter) => writer.flush();

/**
 * Writes to a stream's response; the first write sends the header block on its own, in the same packet (corked). Sent
 * with the first data, the block stays the rope of its ~40 pieces Node joined it from, which the response keeps for
 * the stream's life (about 1 KB per open stream); written alone it is flattened as it is sent.
 */
function writeAfterHeaders(res: ServerResponse, data: string | Buffer): void {
  if (res.headersSent) {
    res.write(data);
    return;
  }
  res.cork();
  res.flushHeaders();
  res.write(data);
  res.uncork();
}
