import type { ServerResponse } from 'node:http';
import { GatewayError, redactedError, sendGatewayError, toGatewayError } from '../errors.js';
import { setHeaders } from '../plain-http.js';
import { headerValue, toTransportError } from '../upstream/openrouter-client.js';
import { SentKey } from '../upstream/sent-key.js';
import { readSseBatches, type RawEvents, type SseItem } from '../upstream/sse-events.js';
import { UpstreamFailure, classifyUpstreamError, readUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import { forgetPrompt, type ChatRun } from './chat.js';
import type { GatewayContext } from './context.js';
import type { ForwardResult, MeteredRequest } from './metered-request.js';
import { PlainChunks } from './stream-chunk-scan.js';
import { withFallbacks } from './with-fallbacks.js';

/** One parsed upstream chunk; fields the gateway reads are typed. */
export interface UpstreamChunk {
  id?: string;
  model?: string;
  provider?: string;
  created?: number;
  choices?: Array<{ index?: number; delta?: Record<string, unknown>; finish_reason?: string | null }>;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown; metadata?: Record<string, unknown> };
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

interface OpenedStream {
  batches: AsyncGenerator<SseItem[]>;
  /** The first chunk, parsed and as the upstream sent it. */
  first: { chunk: UpstreamChunk; raw: string } | undefined;
  /** The items that came in the same read as the first chunk, after it. */
  rest: SseItem[];
  generationId: string | undefined;
}

/**
 * Streams a chat from OpenRouter to the client. Until the first chunk is forwarded, upstream failures are retried
 * and fall back to the next model. Nothing is committed before OpenRouter answered 200: a refusal before that
 * (a rate limit, a bad request) is answered with its real HTTP status and `Retry-After`; heartbeats (SSE comments)
 * start only once the status is known. Afterwards nothing is retried: a mid-stream error, a stall or a connection
 * that ends without `[DONE]` becomes an error event (with `retry_after` when the upstream gave one), so no stream
 * ever ends looking like success when it was not. A client that hangs up aborts the upstream request at once; a
 * deadline or a shutdown ends the stream with an error event.
 */
export async function proxyChatStream(context: GatewayContext, run: ChatRun, meter: MeteredRequest, res: ServerResponse, format: StreamFormat): Promise<ForwardResult> {
  const { signal } = meter;
  let committed = false;
  // Heartbeats may commit the response only once OpenRouter answered 200.
  let statusKnown = false;
  let lastWrite = performance.now();
  let timeToFirstTokenMs: number | undefined;
  let forwardedCharacters = 0;
  // The generation of the latest attempt, known from its headers even if the client leaves before any chunk.
  let latestGenerationId: string | undefined;
  const summary: StreamSummary = { id: undefined, model: undefined, provider: undefined, created: undefined, usage: undefined };
  // Events parsed from one upstream read leave in one write (one HTTP chunk), not one write per token.
  let pending = '';
  const flushPending = () => {
    if (pending !== '' && !res.writableEnded && !res.destroyed) res.write(pending);
    pending = '';
  };
  const commit = () => {
    if (committed) return;
    committed = true;
    res.statusCode = 200;
    setHeaders(res, SSE_HEADERS);
  };
  const write = (text: string) => {
    commit();
    lastWrite = performance.now();
    if (pending === '') process.nextTick(flushPending);
    pending += text;
  };
  /** A read of the upstream body forwarded as it came, after what is pending (so the order holds). */
  const writeBytes = (bytes: Buffer) => {
    commit();
    lastWrite = performance.now();
    flushPending();
    if (!res.writableEnded && !res.destroyed) res.write(bytes);
  };
  const end = (text: string) => {
    const rest = pending + text;
    pending = '';
    res.end(rest);
  };
  const heartbeat = setInterval(() => {
    if (statusKnown && performance.now() - lastWrite >= context.heartbeatMs - 1 && !res.writableEnded) write(': heartbeat\n\n');
  }, context.heartbeatMs);
  const result = (status: ForwardResult['status'], generationId: string | undefined, error?: GatewayError): ForwardResult => ({
    status,
    usage: summary.usage,
    servedModel: summary.model,
    provider: summary.provider,
    generationId,
    timeToFirstTokenMs,
    completionCharacters: forwardedCharacters,
    ...(error ? { errorCode: error.code } : {}),
  });
  /** Ends the response with an error: an event once committed, else the real status. */
  const fail = (error: GatewayError) => {
    const safe = redactedError(error, context.redact);
    if (committed) end(format.error(safe));
    else sendGatewayError(res, safe);
  };
  const forward = async (chunk: UpstreamChunk, raw: string) => {
    // Output guardrails and a cache see each chunk before it is written; a guardrail may stop the stream here.
    for (const tap of meter.answerTaps) await tap.chunk?.(chunk);
    summary.id ??= chunk.id;
    summary.model ??= chunk.model;
    summary.provider ??= chunk.provider;
    summary.created ??= chunk.created;
    if (chunk.usage) summary.usage = chunk.usage;
    const delta = chunk.choices?.[0]?.delta;
    for (const field of ['content', 'reasoning'] as const) {
      const piece = delta?.[field];
      if (typeof piece === 'string') forwardedCharacters += piece.length;
    }
    const text = format.chunk(chunk, raw);
    if (text === undefined) return;
    timeToFirstTokenMs ??= performance.now() - run.startedAt;
    write(text);
  };

  // Plain pieces of text are read without a parse when nothing reads them (a guardrail, the cache), and leave as the
  // bytes that came when the format sends them as the upstream did.
  const plainChunks = format.plain && meter.answerTaps.every((tap) => tap.skipsPlainText === true) ? new PlainChunks() : undefined;
  const rawEvents: RawEvents | undefined = plainChunks && format.plainAsSent
    ? {
        run: (bytes, from) => plainChunks.plainRun(bytes, from),
        get learning() {
          return !plainChunks.learned;
        },
        forward: (bytes, characters) => {
          forwardedCharacters += characters;
          timeToFirstTokenMs ??= performance.now() - run.startedAt;
          writeBytes(bytes);
        },
      }
    : undefined;
  // An upstream that echoes the request's key (a debugging proxy) never gets it to the client, a tap or the record.
  const sentKey = SentKey.of(run.apiKey);
  let opened: OpenedStream;
  try {
    opened = await withFallbacks(run.target.models, context.retry, signal, async ({ model }) => {
      meter.attempt();
      const response = await context.upstream.send('/chat/completions', { body: { ...run.body, model, stream: true }, signal, apiKey: run.apiKey });
      if (response.status !== 200) throw classifyUpstreamError(response.status, await readUpstreamError(response), response.headers);
      statusKnown = true;
      const generationId = headerValue(response.headers, 'x-generation-id');
      latestGenerationId = generationId;
      const batches = readSseBatches(response.body, { raw: rawEvents, sentKey });
      try {
        const { first, rest } = await firstChunk(batches);
        return { batches, first, rest, generationId: generationId ?? first?.chunk.id };
      } catch (error) {
        response.body.destroy();
        // Failed before its first chunk, after OpenRouter answered 200: a generation that may be billed, which the
        // next attempt does not replace (and which a cancel from here on must not count twice). A cancel that ended
        // it keeps it as the request's own.
        if (!signal.aborted) {
          meter.answeredThenFailed(generationId);
          latestGenerationId = undefined;
        }
        throw error instanceof UpstreamFailure ? error : toTransportError(error, signal);
      }
    }, meter.observer.attempts, meter);
  } catch (error) {
    clearInterval(heartbeat);
    if (signal.aborted) {
      const ended = meter.abortError();
      if (ended) fail(ended);
      return result(ended ? 'error' : 'cancelled', latestGenerationId, ended);
    }
    const gatewayError = toGatewayError(error);
    fail(gatewayError);
    return result('error', undefined, gatewayError);
  }

  // Answered 200 with a first chunk: nothing is retried from here, so the prompt is not needed again.
  forgetPrompt(run);
  let failure: GatewayError | undefined;
  let sawDone = opened.first === undefined;
  try {
    if (opened.first) {
      plainChunks?.learn(opened.first.chunk, opened.first.raw);
      await forward(opened.first.chunk, opened.first.raw);
    }
    /** Forwards one batch of items; false once the stream is over (`[DONE]` or an error event). */
    const forwardBatch = async (items: SseItem[]): Promise<boolean> => {
      for (const item of items) {
        if (item.kind === 'comment') continue;
        if (item.data === '[DONE]') {
          sawDone = true;
          return false;
        }
        // An ordinary piece of text leaves as it came, unparsed, when it is shaped as one already parsed and nothing
        // (a guardrail, the cache) reads the chunks.
        const plain = plainChunks?.length(item.data);
        if (plain !== undefined && format.plain) {
          forwardedCharacters += plain;
          timeToFirstTokenMs ??= performance.now() - run.startedAt;
          write(format.plain(item.data));
          continue;
        }
        const chunk = JSON.parse(item.data) as UpstreamChunk;
        if (chunk.error) {
          failure = classifyUpstreamError(statusOfErrorCode(chunk.error.code), chunk.error).error;
          return false;
        }
        plainChunks?.learn(chunk, item.data);
        await forward(chunk, item.data);
      }
      return true;
    };
    if (await forwardBatch(opened.rest)) {
      for await (const batch of opened.batches) if (!(await forwardBatch(batch))) break;
    }
    if (sawDone) for (const tap of meter.answerTaps) await tap.streamEnd?.();
  } catch (error) {
    // A tap refused the answer (an output guardrail): the stream ends with its error.
    if (error instanceof GatewayError) failure = error;
    else if (!signal.aborted) {
      failure = toTransportError(error).kind === 'timeout'
        ? new GatewayError('upstream_timeout', 'The model stopped sending the answer mid-way.')
        : new GatewayError('upstream_stream_truncated', 'The connection to the model provider dropped mid-answer.');
    }
  } finally {
    clearInterval(heartbeat);
    await opened.batches.return(undefined);
  }
  if (signal.aborted) {
    const ended = meter.abortError();
    if (!ended) return result('cancelled', opened.generationId);
    failure = ended;
  }
  if (!failure && !sawDone) failure = new GatewayError('upstream_stream_truncated', 'The model provider ended the answer without finishing it.');
  if (failure) fail(failure);
  else end(format.end(summary));
  return result(failure ? 'error' : 'ok', opened.generationId, failure);
}

/**
 * Reads up to the first data event, and keeps what came after it in the same read: keep-alives are skipped, an error
 * event is a failure still worth retrying.
 */
async function firstChunk(batches: AsyncGenerator<SseItem[]>): Promise<Pick<OpenedStream, 'first' | 'rest'>> {
  for (;;) {
    const next = await batches.next();
    if (next.done) throw new UpstreamFailure(new GatewayError('upstream_stream_truncated', 'The model provider closed the stream before answering.'), true, true);
    for (const [index, item] of next.value.entries()) {
      if (item.kind === 'comment') continue;
      if (item.data === '[DONE]') return { first: undefined, rest: [] };
      const chunk = JSON.parse(item.data) as UpstreamChunk;
      if (chunk.error) throw classifyUpstreamError(statusOfErrorCode(chunk.error.code), chunk.error);
      return { first: { chunk, raw: item.data }, rest: next.value.slice(index + 1) };
    }
  }
}
