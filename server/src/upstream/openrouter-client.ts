import { createSecureContext, rootCertificates, TLSSocket } from 'node:tls';
import { Agent, buildConnector, Client, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError } from '../errors.js';
import { SentKey } from './sent-key.js';

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

/** Requests one HTTP/2 connection carries at once before the pool opens another. */
const STREAMS_PER_HTTP2_CONNECTION = 100;

export interface UpstreamTimeouts {
  /** TCP/TLS connect. Default 10 s. */
  connectMs: number;
  /** From sending the request to the response headers (OpenRouter sends them when generation starts). Default 60 s. */
  firstByteMs: number;
  /** Longest silence between two chunks of a body (keep-alive comments count). Default 60 s. */
  betweenChunksMs: number;
}

export interface UpstreamOptions {
  baseUrl: string;
  /** The OpenRouter key, or a function that reads the current one (stored keys can change at run time). */
  apiKey: string | (() => string | undefined | Promise<string | undefined>) | undefined;
  /** Attribution headers OpenRouter shows in its rankings. */
  referer?: string;
  title?: string;
  timeouts: UpstreamTimeouts;
  /**
   * Offer HTTP/2 to the upstream, as OpenRouter speaks it: over https the protocol is agreed in the TLS handshake
   * (ALPN), so a server without it still gets HTTP/1.1; plain http stays HTTP/1.1. Default false: measured over TLS,
   * HTTP/2 holds an open stream in less than half the memory but costs ~15% more CPU per request
   * (bench/findings.md).
   */
  http2?: boolean;
  /** Certificates (PEM) to trust for the upstream besides Node's bundled roots, e.g. the emulator's `ca`. */
  ca?: string | string[];
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** An upstream call that failed before producing a usable response. */
export class UpstreamTransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'connection' | 'aborted',
    message: string,
    options?: { cause?: unknown; reachedUpstream?: boolean },
  ) {
    super(message, options);
    this.reachedUpstream = options?.reachedUpstream ?? false;
  }

  /**
   * Whether OpenRouter had the whole request when it failed (it timed out waiting for the answer's headers or its
   * next bytes): the model may be generating, and billing, though no answer comes of it.
   */
  readonly reachedUpstream: boolean;
}

/** Pooled keep-alive connections to OpenRouter, with connect, first-byte and between-chunk timeouts. */
export class OpenRouterClient {
  readonly #agent: Agent;
  /** The base URL taken apart once: each request goes to the agent with its origin and path, no URL to parse. */
  readonly #origin: string;
  readonly #basePath: string;

  constructor(readonly options: UpstreamOptions) {
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    // Built once: given as `ca`, the certificates would be parsed again for every connection.
    const secureContext = options.ca === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, ...[options.ca].flat()] });
    const http2 = options.http2 ?? false;
    const connector = buildConnector({ timeout: options.timeouts.connectMs, allowH2: http2, ...(secureContext ? { secureContext } : {}) });
    // The protocol of the connection being set up: undici's callback sets the client up and emits 'connect' at once,
    // so the listener below reads the value of its own connection.
    let negotiated: string | false | null = null;
    this.#agent = new Agent({
      connections: 512,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: (connectOptions, callback) =>
        connector(connectOptions, (...result) => {
          negotiated = result[1] instanceof TLSSocket ? result[1].alpnProtocol : null;
          callback(...result);
        }),
      headersTimeout: options.timeouts.firstByteMs,
      bodyTimeout: options.timeouts.betweenChunksMs,
    });
    // undici sends one request at a time on any connection unless told otherwise: an HTTP/2 connection is told to
    // carry many. HTTP/1.1 keeps one (pipelining would queue a request behind a long stream).
    this.#agent.on('connect', (_origin, targets) => {
      const client = targets.at(-1);
      if (negotiated === 'h2' && client instanceof Client) client.pipelining = STREAMS_PER_HTTP2_CONNECTION;
    });
  }

  /** The key in use, or a 502 `upstream_auth` when none is configured. */
  async apiKey(): Promise<string> {
    const { apiKey } = this.options;
    const key = typeof apiKey === 'function' ? await apiKey() : apiKey;
    if (!key) throw new GatewayError('upstream_auth', 'No OpenRouter key is configured on the gateway. An administrator must set one.');
    return key;
  }

  /** Sends one request; transport failures become `UpstreamTransportError`, HTTP errors are the caller's to read. */
  async send(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal; apiKey?: string }): Promise<UpstreamResponse> {
    const key = init.apiKey ?? (await this.apiKey());
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json, text/event-stream' };
    let body: Iterable<Buffer> | Buffer | null = null;
    if (init.body !== undefined) {
      const bytes = Buffer.from(JSON.stringify(init.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(bytes.length);
      // A stream lets go of its prompt once sent (`sentOnce`); an answer read whole is short-lived, and its run keeps
      // the body for the next attempt anyway, so its bytes go as a Buffer, which undici writes at once, where an
      // iterable costs a promise and a drain check per chunk (0.955–0.983× the instructions per JSON chat, 3 pairs).
      body = (init.body as { stream?: unknown }).stream === true ? sentOnce(bytes) : bytes;
    }
    if (this.options.referer) headers['http-referer'] = this.options.referer;
    if (this.options.title) {
      headers['x-title'] = this.options.title;
      headers['x-openrouter-title'] = this.options.title;
    }
    try {
      const response = await this.#agent.request({
        origin: this.#origin,
        path: `${this.#basePath}${path}`,
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        // undici takes an iterable body (its documentation says so; its types do not list it yet).
        body: body as Exclude<Dispatcher.DispatchOptions['body'], undefined>,
        signal: init.signal ?? null,
        // undici never retries on its own; this flag only lets HTTP/2 carry a POST beside others on one connection
        // (without it each POST in flight takes a connection of its own). HTTP/1.1 is unchanged: no pipelining.
        idempotent: true,
      });
      return { status: response.statusCode, headers: withoutKeyInGenerationId(response.headers, key), body: response.body };
    } catch (error) {
      throw toTransportError(error, init.signal);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/**
 * A request body that undici lets go of once written. Given a string or a Buffer, undici keeps it (and a string's
 * copy as bytes) until the answer has ended — a stream's whole life, so every open stream held its prompt, however
 * long the conversation or large its images. The length travels in `content-length`, so it is not sent chunked.
 */
function sentOnce(bytes: Buffer): Iterable<Buffer> {
  return new SentOnce(bytes);
}

/** `sentOnce`'s iterable as one small object (undici holds it until the answer ends): its own iterator, read once. */
class SentOnce implements Iterable<Buffer>, Iterator<Buffer> {
  constructor(private unsent: Buffer | undefined) {}

  [Symbol.iterator](): Iterator<Buffer> {
    return this;
  }

  next(): IteratorResult<Buffer> {
    const value = this.unsent;
    this.unsent = undefined;
    return value === undefined ? { done: true, value: undefined } : { done: false, value };
  }
}

/** Names the failure without echoing request details (the key travels in a header, never in these messages). */
export function toTransportError(error: unknown, signal?: AbortSignal): UpstreamTransportError {
  if (error instanceof UpstreamTransportError) return error;
  if (signal?.aborted) return new UpstreamTransportError('aborted', 'The request was cancelled.', { cause: error });
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return new UpstreamTransportError('timeout', 'OpenRouter did not answer in time.', { cause: error, reachedUpstream: true });
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) return new UpstreamTransportError('timeout', 'OpenRouter did not answer in time.', { cause: error });
  return new UpstreamTransportError('connection', 'The connection to OpenRouter failed.', { cause: error });
}

/** A response header as one string. */
export function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The headers with the key the request was sent with replaced in the one every reader puts into its record, the
 * generation id: an upstream that echoes its request (a debugging proxy) must not get the key into a record.
 */
function withoutKeyInGenerationId(headers: UpstreamResponse['headers'], key: string): UpstreamResponse['headers'] {
  const generationId = headers['x-generation-id'];
  if (typeof generationId !== 'string') return headers;
  const safe = SentKey.of(key)?.replaceIn(generationId) ?? generationId;
  return safe === generationId ? headers : { ...headers, 'x-generation-id': safe };
}
