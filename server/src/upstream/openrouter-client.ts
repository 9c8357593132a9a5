import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError } from '../errors.js';

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';

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
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
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
    this.#agent = new Agent({
      connections: 512,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: options.timeouts.connectMs },
      headersTimeout: options.timeouts.firstByteMs,
      bodyTimeout: options.timeouts.betweenChunksMs,
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
    if (init.body !== undefined) headers['content-type'] = 'application/json';
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
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: init.signal ?? null,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw toTransportError(error, init.signal);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** Names the failure without echoing request details (the key travels in a header, never in these messages). */
export function toTransportError(error: unknown, signal?: AbortSignal): UpstreamTransportError {
  if (error instanceof UpstreamTransportError) return error;
  if (signal?.aborted) return new UpstreamTransportError('aborted', 'The request was cancelled.', { cause: error });
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new UpstreamTransportError('timeout', 'OpenRouter did not answer in time.', { cause: error });
  }
  return new UpstreamTransportError('connection', 'The connection to OpenRouter failed.', { cause: error });
}

/** A response header as one string. */
export function headerValue(headers: UpstreamResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
