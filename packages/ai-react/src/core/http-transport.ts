import { AiError, readAiError, toAiError } from './errors.js';

/** How the client reaches the gateway. */
export interface AiClientOptions {
  /** Where the gateway is mounted, e.g. `https://app.example/ai` (its routes are `/v1/…` and `/api/ai/…`). */
  baseUrl: string;
  /** Sent with every request (e.g. `{ authorization: 'Bearer ik_…' }`). */
  headers?: Record<string, string>;
  /** Called before every request, for headers that change (the host app's JWT); merged over `headers`. */
  getHeaders?: () => Promise<Record<string, string>> | Record<string, string>;
  /** A fetch to use instead of the global one (tests, proxies, React Native). */
  fetch?: typeof fetch;
  /**
   * How long a chat stream may send nothing once its headers came before it fails as a `timeout` (a keep-alive
   * comment counts); default 120 000 ms, `0` waits forever. A call's `idleTimeoutMs` overrides it.
   */
  streamIdleTimeoutMs?: number;
  /** The most bytes one event of a chat stream may hold before the answer fails; default 32 MiB. */
  maxStreamEventBytes?: number;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /**
   * Let the request outlive the page (a save as the page goes away). Browsers refuse such a request with a body over
   * 64 KB, so a larger body is sent as an ordinary request, which the page's end may cancel.
   */
  keepalive?: boolean | undefined;
}

/** The most a browser lets requests with `keepalive` carry (the Fetch standard's quota, in bytes). */
const KEEPALIVE_QUOTA = 64 * 1024;

export interface JsonRequest extends RequestOptions {
  /** Read the body as text instead of JSON (CSV downloads). */
  as?: 'json' | 'text';
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** An admin route: a missing route is `admin_unavailable`. */
  admin?: boolean;
  /** Headers of this request alone (an `Idempotency-Key`), over the client's. */
  headers?: Record<string, string>;
}

/** The options read once, and the two things every request needs: a URL and headers. */
export interface Transport {
  url(path: string, query?: Record<string, string | number | undefined>): string;
  headers(extra?: Record<string, string>): Promise<Record<string, string>>;
  fetch: typeof fetch;
}

/**
 * Checks the client options once and returns the transport every method shares.
 *
 * @example
 * const transport = createTransport({ baseUrl: '/ai', headers: { authorization: 'Bearer ik_…' } });
 */
export function createTransport(options: AiClientOptions): Transport {
  if (typeof options.baseUrl !== 'string') throw new TypeError('createAiClient: baseUrl is required (where the gateway is mounted, e.g. "/ai").');
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createAiClient: no fetch here; pass `fetch`.');
  return {
    url(path, query) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== '') search.set(name, String(value));
      const text = search.toString();
      return `${baseUrl}${path}${text ? `?${text}` : ''}`;
    },
    async headers(extra) {
      const dynamic = options.getHeaders ? await options.getHeaders() : {};
      return { ...options.headers, ...dynamic, ...extra };
    },
    // Called through a wrapper: some fetch implementations throw "Illegal invocation" when detached from window.
    fetch: (input, init) => fetchImpl(input, init),
  };
}

/**
 * One JSON request: headers added, the body sent as JSON, a failure thrown as an AiError; `undefined` for 204.
 *
 * @example
 * const config = await requestJson<FeatureConfig>(transport, '/api/ai/configurations/chat', { admin: true });
 */
export async function requestJson<T>(transport: Transport, path: string, request: JsonRequest = {}): Promise<T> {
  const { method = request.body === undefined ? 'GET' : 'POST', body, query, signal, admin } = request;
  const own = body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' };
  const init: RequestInit = { method, headers: await transport.headers(request.headers ? { ...own, ...request.headers } : own) };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (signal) init.signal = signal;
  if (request.keepalive && utf8Length(init.body ?? '') <= KEEPALIVE_QUOTA) init.keepalive = true;
  let response: Response;
  try {
    response = await transport.fetch(transport.url(path, query), init);
  } catch (thrown) {
    throw networkError(thrown, signal);
  }
  if (!response.ok) throw await readAiError(response, admin ? { admin } : {});
  if (response.status === 204) return undefined as T;
  const text = await response.text().catch((thrown: unknown) => {
    throw networkError(thrown, signal);
  });
  if (request.as === 'text') return text as T;
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new AiError({ code: 'unknown', status: response.status, message: `The server answered ${path} with something that is not JSON.`, cause });
  }
}

/** Bytes of a string as UTF-8, counted only when its length alone does not settle it. */
function utf8Length(text: BodyInit): number {
  if (typeof text !== 'string') return Number.POSITIVE_INFINITY;
  return text.length * 3 <= KEEPALIVE_QUOTA ? text.length : new TextEncoder().encode(text).length;
}

/**
 * A fetch that threw: aborted when the caller's signal fired, else offline (no answer came at all).
 *
 * @example
 * try { response = await fetch(url, { signal }); } catch (thrown) { throw networkError(thrown, signal); }
 */
export function networkError(thrown: unknown, signal: AbortSignal | undefined): AiError {
  if (signal?.aborted) return new AiError({ code: 'aborted', message: 'The request was aborted.', cause: thrown });
  const error = toAiError(thrown);
  return error.code === 'unknown' ? new AiError({ code: 'offline', message: `The server could not be reached: ${error.message}`, cause: thrown }) : error;
}
