// The wire parser (bytes → lines → SSE messages) is fetch-event-source's own; the request around it is ours.
// `fetchEventSource()` itself cannot run outside a page: its dispose() calls `document.removeEventListener` and
// `window.clearTimeout` on every way out, whatever `openWhenHidden` says, so in Node a finished stream never
// settles and an abort throws an uncaught ReferenceError. Its defaults are also the ones that double-bill
// (re-POST on tab focus, retry every second on error). Owning the small loop makes those mistakes impossible:
// there is no visibility listener and no retry at all, a JSON error answer is read before any parsing, and an
// abort ends the stream as an `aborted` error instead of resolving quietly.
import { getBytes, getLines, getMessages } from '@microsoft/fetch-event-source/lib/esm/parse.js';
import type { ChatCompletionChunk, ChatCompletionRequest } from './chat-types.js';
import { AiError, isAiError, readAiError, toAiError } from './errors.js';
import { networkError, type Transport } from './http-transport.js';

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
}

const EVENT_STREAM = 'text/event-stream';

/**
 * Streams one chat completion. Every event goes to `onEvent`; the promise resolves after `done` and rejects with
 * the AiError of the final `error` event. Never retried: a POST that reached the model may already be billed.
 *
 * @example
 * await streamChat(transport, { model: 'chat', messages }, { signal, onEvent: (event) => (answer = reduceChatEvent(answer, event)) });
 */
export async function streamChat(transport: Transport, request: ChatCompletionRequest, options: ChatStreamOptions = {}): Promise<void> {
  const { signal, onEvent, now = Date.now } = options;
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
  const onMessage = (message: { data: string }) => {
    if (ended || message.data === '') return;
    if (message.data === '[DONE]') return finish('done');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch (cause) {
      return finish(new AiError({ code: 'upstream_unavailable', message: 'The server sent an event that is not JSON.', cause }));
    }
    const chunk = parsed as ChatCompletionChunk;
    // A mid-stream failure: the gateway's `{error:{…}}`, or OpenRouter's chunk with `error` and finish "error".
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed && chunk.error) return finish(toAiError(parsed));
    emit({ type: 'chunk', chunk: Array.isArray(chunk.choices) ? chunk : { ...chunk, choices: [] }, at: now() });
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
    // A JSON error (429, 402, 502…) is read as one; a 200 that is not a stream is not treated as success.
    if (!response.ok) throw await readAiError(response);
    if (!response.headers.get('content-type')?.startsWith(EVENT_STREAM) || !response.body) {
      throw new AiError({ code: 'unknown', status: response.status, message: `Expected a ${EVENT_STREAM} answer, got ${response.headers.get('content-type') ?? 'no content type'}.` });
    }
    reading = true;
    await getBytes(response.body, getLines(getMessages(() => undefined, () => undefined, onMessage)));
    if (!ended) finish(new AiError({ code: 'upstream_unavailable', message: 'The answer ended before it was complete.' }));
  } catch (thrown) {
    if (handlerFailure) {
      connection.abort();
      throw handlerFailure.error;
    }
    if (!ended) {
      const error = signal?.aborted
        ? new AiError({ code: 'aborted', message: 'The answer was stopped.', cause: thrown })
        : isAiError(thrown)
          ? thrown
          : reading
            ? new AiError({ code: 'upstream_unavailable', message: 'The connection dropped before the answer was complete.', cause: thrown })
            : toAiError(thrown);
      finish(error);
    }
  } finally {
    signal?.removeEventListener('abort', abortConnection);
    // Closes the socket if the server kept it open after the final event; a no-op once the body was read.
    if (ended) connection.abort();
  }
  if (handlerFailure) throw handlerFailure.error;
  if (ended instanceof AiError) throw ended;
}
