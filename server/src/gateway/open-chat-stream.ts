import { GatewayError } from '../errors.js';
import { headerValue, toTransportError } from '../upstream/openrouter-client.js';
import { SentKey } from '../upstream/sent-key.js';
import { readSseBatches, type RawEvents, type SseItem } from '../upstream/sse-events.js';
import { UpstreamFailure, classifyUpstreamError, readUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import type { ChatRun } from './chat.js';
import type { GatewayContext } from './context.js';
import type { MeteredRequest } from './metered-request.js';
import type { UpstreamChunk } from './stream-proxy.js';
import { sendAttempt } from './upstream-json.js';
import { withFallbacks } from './with-fallbacks.js';

/** A chat stream OpenRouter answered 200, read up to its first chunk. */
export interface OpenedStream {
  batches: AsyncGenerator<SseItem[]>;
  /** The first chunk, parsed and as the upstream sent it (undefined when `[DONE]` came first); let go of once read. */
  first: { chunk: UpstreamChunk; raw: string } | undefined;
  /** The items that came in the same read as the first chunk, after it; let go of once read. */
  rest: SseItem[];
  /** From the headers, else the first chunk's id. */
  generationId: string | undefined;
}

/** What the reader of a stream (a client's route, a job item) does at each step of opening it. */
export interface StreamOpening {
  /** The API the stream is asked of: chat (the default), or the Responses or Messages API, whose events are typed. */
  path?: '/chat/completions' | '/responses' | '/messages';
  /** The runs of plain events `readSseBatches` forwards as they came (a route's); absent, every event is an item. */
  raw?: RawEvents | undefined;
  /** Right before each attempt leaves, awaited: from here OpenRouter may bill it (a job item stores that it was sent). */
  sending?(): Promise<void>;
  /** OpenRouter answered the attempt 200, with the generation id of its headers: awaited before its body is read. */
  answered?(generationId: string | undefined): void | Promise<void>;
  /** The answered attempt failed before its first chunk: its generation counts as a failed one, not the request's. */
  abandoned?(): void;
}

/**
 * Calls OpenRouter for a chat stream through retries and fallbacks, up to a 200 with its first chunk: the stage
 * after which nothing is retried. Every attempt goes through the request's meter, so one that may be billed and
 * failed before its first chunk (no answer in time to a request OpenRouter had whole, an error inside the 200, a
 * body that broke off) is counted, and the next attempt reserves its worst case before it is sent.
 *
 * @example
 * const opened = await openChatStream(context, run, meter, { answered: (id) => saveGeneration(id) });
 */
export function openChatStream(context: GatewayContext, run: Pick<ChatRun, 'target' | 'body' | 'apiKey'>, meter: MeteredRequest, opening: StreamOpening = {}): Promise<OpenedStream> {
  const { signal } = meter;
  // An upstream that echoes the request's key (a debugging proxy) never gets it to the client, a tap or the record.
  const sentKey = SentKey.of(run.apiKey);
  return withFallbacks(run.target.models, context.retry, signal, async ({ model }) => {
    meter.attempt();
    await opening.sending?.();
    const response = await sendAttempt(context, opening.path ?? '/chat/completions', { body: { ...run.body, model, stream: true }, signal, apiKey: run.apiKey }, meter);
    if (response.status !== 200) throw classifyUpstreamError(response.status, await readUpstreamError(response), response.headers);
    const generationId = headerValue(response.headers, 'x-generation-id');
    let reading = false;
    try {
      await opening.answered?.(generationId);
      reading = true;
      const batches = readSseBatches(response.body, { raw: opening.raw, sentKey });
      const { first, rest } = await firstChunk(batches);
      const named = generationId ?? first?.chunk.id;
      // Noted with the request in flight, off its path, should it last: a crash then leaves a record that can be
      // reconciled.
      void meter.named(named, 'soon');
      return { batches, first, rest, generationId: named };
    } catch (error) {
      response.body.destroy();
      // Failed before its first chunk, after OpenRouter answered 200: a generation that may be billed, which the
      // next attempt does not replace (and which a cancel from here on must not count twice). A cancel that ended
      // it keeps it as the request's own.
      if (!signal.aborted) {
        meter.failedAfterSending(generationId);
        opening.abandoned?.();
      }
      // What `answered` threw is the reader's own failure (its store), not the upstream's: never retried.
      if (!reading || error instanceof UpstreamFailure) throw error;
      throw toTransportError(error, signal);
    }
  }, meter.observer.attempts, meter);
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
      const error = streamErrorOf(chunk);
      if (error) throw classifyUpstreamError(statusOfErrorCode(error.code), error);
      return { first: { chunk, raw: item.data }, rest: next.value.slice(index + 1) };
    }
  }
}

/**
 * The error a stream's event carries, whichever API's: a chat chunk's `error`, the Responses API's `error` event
 * (`{type:"error", code, message}`) and `response.failed` (its response's `error`), or the Messages API's `error` event
 * (`{type:"error", error:{type, message}}`, its type standing for the code).
 */
export function streamErrorOf(chunk: UpstreamChunk): NonNullable<UpstreamChunk['error']> | undefined {
  if (chunk.error) return chunk.error.code === undefined && typeof chunk.error.type === 'string' ? { ...chunk.error, code: chunk.error.type } : chunk.error;
  if (chunk['type'] === 'error') return { code: chunk['code'], message: chunk['message'] };
  if (chunk['type'] !== 'response.failed') return undefined;
  const failed = (chunk['response'] as { error?: UpstreamChunk['error'] | null } | undefined)?.error;
  return failed ?? { code: 502, message: 'The model provider failed the response.' };
}
