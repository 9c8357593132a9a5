import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * What the gateway's hot path reads of a request: node:http's own, with the parsed body and the URL as it came (the
 * body parser and the hot-route dispatcher set both). An Express request is one, so the same handlers serve a request
 * that went through an Express app and one that came straight from node:http (`insforge-ai serve`), which never gets
 * Express's prototypes: swapping them in costs more CPU per request than the router's walk.
 */
export interface PlainRequest extends IncomingMessage {
  body?: unknown;
  /**
   * Set on a request that nothing but the gateway sees (served by `hotRoutesListener`, with no app around it): its
   * parsed body is let go once the route has read it, rather than held until the answer ends. An Express request
   * keeps its body, which the host's own code may read after the gateway's.
   */
  bodyIsGateways?: true;
  /** The URL before any mount path was taken off it (Express's `originalUrl`). */
  originalUrl: string;
}

/** node:http's response with the per-request `locals` Express gives one (the caller's identity lives there). */
export interface PlainResponse extends ServerResponse {
  locals: Record<string, unknown>;
}

/** Sets each header of `headers` (Express's `res.set(object)` on node:http alone; names and values as given). */
export function setHeaders(res: ServerResponse, headers: OutgoingHttpHeaders): void {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) res.setHeader(name, value);
  }
}

/**
 * Answers JSON text as it is, with `status`: an upstream body as OpenRouter sent it (no parse-and-stringify round
 * trip), or what `sendJson` serialised. No ETag, which Express's `res.json` hashes every body for: answers to POSTs
 * are not cached by validators.
 */
export function sendJsonText(res: ServerResponse, status: number, text: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength);
  res.end(text);
}

/** Answers `body` as JSON with `status` (what Express's `res.status(status).json(body)` sends, without the ETag). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/**
 * Calls `listener` when the response closes (the client hung up, or the answer ended), or at once when it closed
 * already: a client may hang up while a stage before this one awaits (an `authenticate` hook, a key lookup), and a
 * response emits 'close' only once.
 * @example
 * whenClosed(res, () => admission.release());
 */
export function whenClosed(res: ServerResponse, listener: () => void): void {
  if (res.closed) listener();
  // `on`, not `once`: it closes once, and `once` would keep a wrapper for every open stream.
  else res.on('close', listener);
}

/**
 * Waits while a response holds more than its buffer's worth unsent (a client reading slower than the answer comes):
 * until it drains, closes, or `signal` aborts (the deadline, a shutdown). Undefined when there is nothing to wait for.
 * @example
 * const backlog = untilDrained(res, meter.signal);
 * if (backlog) await backlog;
 */
export function untilDrained(res: ServerResponse, signal?: AbortSignal): Promise<void> | undefined {
  if (!res.writableNeedDrain || res.writableEnded || res.destroyed || signal?.aborted) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    signal?.addEventListener('abort', done);
  });
}

/** Passes a request on (no argument) or an error to the next error handler (Express's `next`). */
export type Next = (error?: unknown) => void;
/** A handler of the hot path: Express calls it as a `RequestHandler`, the hot-route dispatcher on node:http alone. */
export type PlainHandler<Req extends PlainRequest = PlainRequest> = (req: Req, res: PlainResponse, next: Next) => unknown;
/** An error handler of the hot path (Express's `ErrorRequestHandler`, on node:http's objects). */
export type PlainErrorHandler = (error: unknown, req: PlainRequest, res: PlainResponse, next: Next) => unknown;
