import type { ServerResponse } from 'node:http';
import { errorBody, GATEWAY_ERROR_STATUS, type ErrorMetadata, type GatewayErrorCode, type OpenAIErrorBody } from '@insforge/ai-protocol';
import { isRedisUnavailableError } from './net/redis-client.js';
import { lingerOnClose } from './net/lingering-close.js';
import { sendJson, setHeaders, type PlainErrorHandler, type PlainRequest } from './plain-http.js';

// The wire's error codes and body are the protocol's: the server and its clients compile against one definition.
export type { ErrorMetadata, GatewayErrorCode, OpenAIErrorBody } from '@insforge/ai-protocol';

/**
 * Failures that sending the same request again cannot cure until someone acts (an administrator, the user), though
 * their status is one OpenAI's SDKs retry by default (409, 5xx): the gateway's key or credit, a model with no
 * endpoint left after the fallbacks, a missing master key, a full conversation list, a stale version.
 */
const NOT_CURED_BY_RETRYING: ReadonlySet<GatewayErrorCode> = new Set<GatewayErrorCode>([
  'upstream_auth',
  'upstream_insufficient_credits',
  'upstream_model_unavailable',
  'encryption_key_missing',
  'conversation_limit_exceeded',
  'version_conflict',
]);

/** A failure with a stable code, mapped to its HTTP status and the OpenAI error shape in one place. */
export class GatewayError extends Error {
  readonly status: number;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** `retryable: false` marks a failure that trying again cannot cure, whatever its code (an administrator's stop). */
    readonly options: { param?: string; retryAfterSeconds?: number; retryable?: false; headers?: Record<string, string>; metadata?: ErrorMetadata; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.status = GATEWAY_ERROR_STATUS[code];
  }

  /** `{error:{message,type,code,param,metadata?}}`. */
  toBody(): OpenAIErrorBody {
    return errorBody(this.code, this.message, { param: this.options.param ?? null, ...(this.options.metadata ? { metadata: this.options.metadata } : {}) });
  }

  /**
   * The Anthropic Messages API's error body, for the route that speaks it: `{type:"error", error:{type, message}}`,
   * the type Anthropic gives the status (`invalid_request_error`, `rate_limit_error`, `api_error`…), plus the gateway's
   * stable `code` and `param`, which Anthropic's SDKs carry through on the error they throw.
   */
  toAnthropicBody(): AnthropicErrorBody {
    return { type: 'error', error: { type: anthropicErrorType(this.status), message: this.message, code: this.code, param: this.options.param ?? null } };
  }

  /** Whole seconds to wait before trying again, when the error says: `Retry-After`, and a stream's error event's. */
  get retryAfterWholeSeconds(): number | undefined {
    const seconds = this.options.retryAfterSeconds;
    return seconds === undefined ? undefined : Math.max(0, Math.ceil(seconds));
  }

  headers(): Record<string, string> {
    const headers = { ...this.options.headers };
    const retryAfter = this.retryAfterWholeSeconds;
    if (retryAfter !== undefined) headers['Retry-After'] = String(retryAfter);
    // OpenAI's SDKs (and every SDK generated like them) obey this header before their own status rules.
    if (this.options.retryable === false || NOT_CURED_BY_RETRYING.has(this.code)) headers['x-should-retry'] = 'false';
    return headers;
  }
}

/** An error as Anthropic's Messages API writes it (a response's body, or a stream's `error` event). */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string; code: GatewayErrorCode; param: string | null };
}

/** Anthropic's error types by HTTP status; another 5xx is an `api_error`. */
const ANTHROPIC_ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

const anthropicErrorType = (status: number): string => ANTHROPIC_ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');

/**
 * A client's error (4xx) named as an enclosing request names the field: its `param`, and the `param: ` its message
 * starts with, become `rename(param)`. Anything else is returned as it is.
 * @example
 * throw renameParam(error, (param) => `items.${index}${param ? `.${param}` : ''}`);
 */
export function renameParam(error: unknown, rename: (param: string | undefined) => string): unknown {
  if (!(error instanceof GatewayError) || error.status >= 500) return error;
  const own = error.options.param;
  const param = rename(own);
  if (param === own) return error;
  // "stop must be…" becomes "stop_sequences must be…"; a message that names no field gets the new name before it.
  if (own !== undefined && error.message.startsWith(`${own} `)) return new GatewayError(error.code, `${param}${error.message.slice(own.length)}`, { ...error.options, param });
  const message = own !== undefined && error.message.startsWith(`${own}: `) ? error.message.slice(`${own}: `.length) : error.message;
  return new GatewayError(error.code, `${param}: ${message}`, { ...error.options, param });
}

/**
 * Any thrown value as a GatewayError: an unknown failure is a 500 whose message says nothing internal, and Redis out of
 * reach (the cache, the error log, the circuits, the job queue, wherever a route met it) a 503 to try again.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isRedisUnavailableError(error)) {
    return new GatewayError('service_unavailable', 'The gateway cannot reach its shared store (Redis) right now. Please try again in a moment.', { cause: error, retryAfterSeconds: 5 });
  }
  if (isDatabaseWriteRefused(error)) {
    return new GatewayError('service_unavailable', 'The gateway cannot save anything right now: its database is full or read-only. Nothing was saved; please try again later.', { cause: error, retryAfterSeconds: 30 });
  }
  const status = (error as { status?: unknown; type?: unknown } | null)?.status;
  const type = (error as { type?: unknown } | null)?.type;
  if (status === 413 || type === 'entity.too.large') return new GatewayError('request_too_large', 'The request body is too large.', { cause: error });
  if (type === 'entity.parse.failed') return new GatewayError('invalid_request', unparsedBody(error).message, { cause: error });
  if (type === 'charset.unsupported') return new GatewayError('unsupported_media_type', 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8).', { cause: error });
  if (type === 'encoding.unsupported') return new GatewayError('unsupported_media_type', 'The request body is in a Content-Encoding the gateway does not read (use gzip, deflate, br or none).', { cause: error });
  // Errors the HTTP layer raised about the request itself (a body that does not decode as its Content-Encoding says,
  // a path that is not valid percent-encoding): the client's fault, never a 500.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError(status === 415 ? 'unsupported_media_type' : 'invalid_request', status === 415 ? 'The request body is in a format the gateway does not read.' : 'The request is malformed: its body or its path cannot be decoded.', { cause: error });
  }
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', { cause: error });
}

/**
 * A write the database refused for the operator to cure, not the request: SQLite's disk full or read-only file,
 * Postgres's `disk_full` (53100) and `read_only_sql_transaction` (25006, a standby after a failover).
 */
function isDatabaseWriteRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_READONLY') || code === '53100' || code === '25006';
}

/** The JSON types a body that parses but is no object or array can be, as a message names them. */
const jsonKind = (value: unknown) => (value === null ? 'JSON null' : `a JSON ${typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean'}`);

/**
 * What is wrong with a body the JSON parser refused: not JSON at all, or JSON that is no object or array (`null`,
 * `42`, `"text"`), which the gateway's routes never take. Both parsers leave the body's text on the error.
 */
export function unparsedBody(error: unknown): { json: boolean; message: string } {
  const text = (error as { body?: unknown } | null)?.body;
  const notJson = { json: false, message: 'The request body is not valid JSON.' };
  if (typeof text !== 'string') return notJson;
  try {
    return { json: true, message: `The request body is ${jsonKind(JSON.parse(text))}; it must be a JSON object (or an array, where a route takes a batch).` };
  } catch {
    return notJson;
  }
}

/**
 * Sends an error with its real status and headers; never a 200, never after headers went out. `body` replaces the
 * OpenAI error body where a route answers in a protocol of its own (MCP's JSON-RPC).
 */
export function sendGatewayError(res: ServerResponse, error: GatewayError, body: unknown = error.toBody()): void {
  if (res.headersSent) return;
  // Answered before the body was read (a body the route does not take): Node would read all of it after the answer
  // to keep the connection, however large it is announced; the connection closes instead, once the client could read
  // the answer (`lingerOnClose`).
  if (res.req?.complete === false) {
    res.setHeader('Connection', 'close');
    lingerOnClose(res);
  }
  setHeaders(res, error.headers());
  sendJson(res, error.status, body);
}

/** The same error with every secret removed from its message (an upstream's text may repeat what it was sent). */
export function redactedError(error: GatewayError, redact: (text: string) => string): GatewayError {
  const message = redact(error.message);
  return message === error.message ? error : new GatewayError(error.code, message, { ...error.options, cause: error });
}

/**
 * The router's one error handler: everything thrown in a route ends here as an OpenAI error body, or as the body
 * `bodyOf` gives for a route that speaks another protocol (Anthropic's Messages API).
 */
export function gatewayErrorHandler(
  onInternalError: (error: unknown) => void,
  redact: (text: string) => string = (text) => text,
  bodyOf: (req: PlainRequest, error: GatewayError) => unknown = () => undefined,
): PlainErrorHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const gatewayError = toGatewayError(error);
    // A database that refuses writes is the operator's to cure: the log says so, while the caller is told to wait.
    if (gatewayError.code === 'internal_error' || isDatabaseWriteRefused(error)) onInternalError(error);
    const safe = redactedError(gatewayError, redact);
    sendGatewayError(res, safe, bodyOf(req, safe) ?? safe.toBody());
  };
}
