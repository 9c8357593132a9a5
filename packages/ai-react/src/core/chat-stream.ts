// The wire parser (bytes → lines → SSE messages) is fetch-event-source's own; the request around it is ours.
// `fetchEventSource()` itself cannot run outside a page: its dispose() calls `document.removeEventListener` and
// `window.clearTimeout` on every way out, whatever `openWhenHidden` says, so in Node a finished stream never
// settles and an abort throws an uncaught ReferenceError. Its defaults are also the ones that double-bill
// (re-POST on tab focus, retry every second on error). Owning the small loop makes those mistakes impossible:
// there is no visibility listener and no retry at all, a JSON error answer is read before any parsing, and an
// abort ends the stream as an `aborted` error instead of resolving quietly.
import type { ChatCompletionChunk, ChatCompletionRequest } from './chat-types.js';
import { AiError, isAiError, readAiError, toAiError } from './errors.js';
import { DEFAULT_MAX_EVENT_BYTES, readEventStream } from './event-stream.js';
import { networkError, type Transport } from './http-transport.js';
import { isRecord } from './json-records.js';

/**
 * What a chat stream yields, each with the time it arrived (epoch ms) so the reducer stays pure. A stream ends
 * with exactly one `done` or `error` (an abort is an `error` whose code is `aborted`).
 */
export type ChatStreamEvent =
  | { type: 'chunk'; chunk: ChatCompletionChunk; at: number }
  | { type: 'error'; error: AiError; at: number }
  | { type: 'done'; at: number };

export interface ChatStreamOptions {
  signal?: AbortSignal | undefined;
  onEvent?: (event: ChatStreamEvent) => void;
  /** The clock stamped on events; default `Date.now`. */
  now?: () => number;
  /**
   * How long the answer may send nothing once it started (its headers came) before it fails as a `timeout`; a
   * keep-alive comment counts. Default 120 000 ms (the gateway sends one every 15 s); `0` waits forever.
   */
  idleTimeoutMs?: number | undefined;
  /** The most bytes one event of the answer may hold; a larger one fails the answer. Default 32 MiB. */
  maxEventBytes?: number | undefined;
}

const EVENT_STREAM = 'text/event-stream';
/** The default `idleTimeoutMs`: well past the gateway's heartbeat (15 s) and its own upstream timeouts (60 s). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 120_000;

/**
 * Checks the stream limits of client or call options, once: each a whole number, `idleTimeoutMs` at least 0 (off),
 * `maxEventBytes` at least 1.
 *
 * @example
 * checkStreamLimits({ idleTimeoutMs: 30_000 });
 */
export function checkStreamLimits({ idleTimeoutMs, maxEventBytes }: Pick<ChatStreamOptions, 'idleTimeoutMs' | 'maxEventBytes'>): void {
  if (idleTimeoutMs !== undefined && !(Number.isInteger(idleTimeoutMs) && idleTimeoutMs >= 0)) throw new RangeError(`idleTimeoutMs must be a whole number of milliseconds, 0 for none, got ${idleTimeoutMs}.`);
  if (maxEventBytes !== undefined && !(Number.isInteger(maxEventBytes) && maxEventBytes >= 1)) throw new RangeError(`maxEventBytes must be a whole number of at least 1, got ${maxEventBytes}.`);
}

/**
 * Streams one chat completion. Every event goes to `onEvent`; the promise resolves after `done` and rejects with
 * the AiError of the final `error` event. Never retried: a POST that reached the model may already be billed.
 *
 * @example
 * await streamChat(transport, { model: 'chat', messages }, { signal, onEvent: (event) => (answer = reduceChatEvent(answer, event)) });
 */
export async function streamChat(transport: Transport, request: ChatCompletionRequest, options: ChatStreamOptions = {}): Promise<void> {
  const { signal, onEvent, now = Date.now, idleTimeoutMs = DEFAULT_STREAM_IDLE_TIMEOUT_MS, maxEventBytes = DEFAULT_MAX_EVENT_BYTES } = options;
  checkStreamLimits(options);
  // Our own controller ends the connection once a final event arrived; the caller's signal aborts it too.
  const connection = new AbortController();
  const abortConnection = () => connection.abort(signal?.reason);
  if (signal?.aborted) abortConnection();
  else signal?.addEventListener('abort', abortConnection, { once: true });
  let ended: AiError | 'done' | undefined;
  let handlerFailure: { error: unknown } | undefined;
  const emit = (event: ChatStreamEvent) => {
    try {
      onEvent?.(event);
    } catch (error) {
      handlerFailure ??= { error };
      throw error;
    }
  };
  const finish = (outcome: AiError | 'done') => {
    if (ended) return;
    ended = outcome;
    emit(outcome === 'done' ? { type: 'done', at: now() } : { type: 'error', error: outcome, at: now() });
  };
  const onMessage = (message: { data: string; event: string }) => {
    if (ended || message.data === '') return;
    if (message.data === '[DONE]') return finish('done');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch (cause) {
      if (message.event === 'error') return finish(toAiError({ message: message.data.slice(0, 300) }));
      return finish(new AiError({ code: 'upstream_unavailable', message: 'The server sent an event that is not JSON.', cause }));
    }
    // A mid-stream failure: the gateway's `{error:{…}}`, OpenRouter's chunk with `error` and finish "error", or any
    // event named `error`.
    if (message.event === 'error') return finish(toAiError(parsed));
    // Not a chunk (`null`, a number): nothing to show.
    if (typeof parsed !== 'object' || parsed === null) return;
    const chunk = parsed as ChatCompletionChunk;
    if ('error' in parsed && chunk.error) return finish(toAiError(parsed));
    emit({ type: 'chunk', chunk: Array.isArray(chunk.choices) ? chunk : { ...chunk, choices: [] }, at: now() });
  };
  // Once the headers came, a connection that sends nothing for `idleTimeoutMs` is given up.
  let stalled: AiError | undefined;
  let lastRead = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const watchIdle = () => {
    const left = lastRead + idleTimeoutMs - Date.now();
    if (left > 0) {
      idleTimer = setTimeout(watchIdle, left);
      return;
    }
    stalled = new AiError({ code: 'timeout', message: `The answer sent nothing for ${idleTimeoutMs} ms (idleTimeoutMs).` });
    connection.abort(stalled);
  };

  let reading = false;
  try {
    const body = JSON.stringify({ ...request, stream: true, stream_options: { ...request.stream_options, include_usage: true } });
    const headers = await transport.headers({ accept: EVENT_STREAM, 'content-type': 'application/json' });
    let response: Response;
    try {
      response = await transport.fetch(transport.url('/v1/chat/completions'), { method: 'POST', headers, body, signal: connection.signal });
    } catch (thrown) {
      throw networkError(thrown, connection.signal);
    }
    // From the headers on (an error's body included), the server must keep sending something.
    if (idleTimeoutMs > 0) {
      lastRead = Date.now();
      idleTimer = setTimeout(watchIdle, idleTimeoutMs);
    }
    // A JSON error (429, 402, 502…) is read as one; a 200 that is not a stream is not treated as success.
    if (!response.ok) throw await readAiError(response);
    const contentType = response.headers.get('content-type')?.toLowerCase();
    if (!contentType?.startsWith(EVENT_STREAM) || !response.body) {
      // A proxy's or a server's JSON error sent with a 200 is that error.
      const answer = contentType?.includes('json') ? await response.text().then((text) => JSON.parse(text) as unknown).catch(() => undefined) : undefined;
      if (isRecord(answer) && answer['error']) throw toAiError(answer, { headers: response.headers });
      throw new AiError({ code: 'unknown', status: response.status, message: `Expected a ${EVENT_STREAM} answer, got ${response.headers.get('content-type') ?? 'no content type'}.` });
    }
    reading = true;
    await readEventStream(response.body, { onMessage, onRead: () => (lastRead = Date.now()), maxEventBytes });
    if (!ended) finish(new AiError({ code: 'upstream_unavailable', message: 'The answer ended before it was complete.' }));
  } catch (thrown) {
    if (handlerFailure) {
      connection.abort();
      throw handlerFailure.error;
    }
    if (!ended) {
      const error = signal?.aborted
        ? new AiError({ code: 'aborted', message: 'The answer was stopped.', cause: thrown })
        : (stalled ??
          (isAiError(thrown)
            ? thrown
            : reading
              ? new AiError({ code: 'upstream_unavailable', message: 'The connection dropped before the answer was complete.', cause: thrown })
              : toAiError(thrown)));
      finish(error);
    }
  } finally {
    clearTimeout(idleTimer);
    signal?.removeEventListener('abort', abortConnection);
    // Closes the socket if the server kept it open after the final event; a no-op once the body was read.
    if (ended) connection.abort();
  }
  if (handlerFailure) throw handlerFailure.error;
  if (ended instanceof AiError) throw ended;
}
