import type { ErrorRequestHandler, Response } from 'express';

/** The OpenAI error body every failure of the gateway is answered with. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null; metadata?: ErrorMetadata };
}

/**
 * What an error says of where it came from, as OpenRouter's errors carry `metadata`. A refusal by one of the
 * gateway's guardrails says `source: "guardrail"` (and which one): its message is the feature's own words for users.
 */
export interface ErrorMetadata {
  source?: 'guardrail';
  guardrail?: string;
}

/** Stable codes a client can switch on; the HTTP status of each is fixed in `STATUS_OF`. */
export type GatewayErrorCode =
  | 'invalid_request'
  | 'invalid_parameter'
  | 'parameter_not_allowed'
  | 'model_not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'version_conflict'
  | 'conversation_limit_exceeded'
  | 'invalid_provider_key'
  | 'encryption_key_missing'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'quota_exceeded'
  | 'rate_limit_exceeded'
  | 'context_length_exceeded'
  | 'content_policy_violation'
  | 'upstream_auth'
  | 'upstream_insufficient_credits'
  | 'upstream_model_unavailable'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_stream_truncated'
  | 'service_unavailable'
  | 'internal_error';

const STATUS_OF: Record<GatewayErrorCode, number> = {
  invalid_request: 400,
  invalid_parameter: 400,
  parameter_not_allowed: 400,
  model_not_found: 400,
  context_length_exceeded: 400,
  unauthorized: 401,
  quota_exceeded: 402,
  forbidden: 403,
  content_policy_violation: 403,
  not_found: 404,
  version_conflict: 409,
  conversation_limit_exceeded: 409,
  invalid_provider_key: 400,
  encryption_key_missing: 500,
  request_too_large: 413,
  unsupported_media_type: 415,
  rate_limit_exceeded: 429,
  internal_error: 500,
  upstream_auth: 502,
  upstream_insufficient_credits: 502,
  upstream_model_unavailable: 502,
  upstream_error: 502,
  upstream_stream_truncated: 502,
  service_unavailable: 503,
  upstream_timeout: 504,
};

/** OpenAI's error `type` where it is not the default: `server_error` from 500 up, else `invalid_request_error`. */
const TYPE_OF_STATUS: Record<number, string> = {
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  429: 'rate_limit_error',
};

/** A failure with a stable code, mapped to its HTTP status and the OpenAI error shape in one place. */
export class GatewayError extends Error {
  readonly status: number;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly options: { param?: string; retryAfterSeconds?: number; headers?: Record<string, string>; metadata?: ErrorMetadata; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.status = STATUS_OF[code];
  }

  /** `{error:{message,type,code,param}}`. */
  toBody(): OpenAIErrorBody {
    return {
      error: {
        message: this.message,
        type: TYPE_OF_STATUS[this.status] ?? (this.status >= 500 ? 'server_error' : 'invalid_request_error'),
        code: this.code,
        param: this.options.param ?? null,
        ...(this.options.metadata ? { metadata: this.options.metadata } : {}),
      },
    };
  }

  headers(): Record<string, string> {
    const headers = { ...this.options.headers };
    if (this.options.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.max(0, Math.ceil(this.options.retryAfterSeconds)));
    return headers;
  }
}

/** Any thrown value as a GatewayError: an unknown failure is a 500 whose message says nothing internal. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const status = (error as { status?: unknown; type?: unknown } | null)?.status;
  const type = (error as { type?: unknown } | null)?.type;
  if (status === 413 || type === 'entity.too.large') return new GatewayError('request_too_large', 'The request body is too large.', { cause: error });
  if (type === 'entity.parse.failed') return new GatewayError('invalid_request', 'The request body is not valid JSON.', { cause: error });
  if (type === 'charset.unsupported') return new GatewayError('unsupported_media_type', 'The request body must be UTF-8 JSON (Content-Type: application/json; charset=utf-8).', { cause: error });
  if (type === 'encoding.unsupported') return new GatewayError('unsupported_media_type', 'The request body is in a Content-Encoding the gateway does not read (use gzip, deflate, br or none).', { cause: error });
  // Errors the HTTP layer raised about the request itself (a body that does not decode as its Content-Encoding says,
  // a path that is not valid percent-encoding): the client's fault, never a 500.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError(status === 415 ? 'unsupported_media_type' : 'invalid_request', status === 415 ? 'The request body is in a format the gateway does not read.' : 'The request is malformed: its body or its path cannot be decoded.', { cause: error });
  }
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', { cause: error });
}

/** Sends an error with its real status and headers; never a 200, never after headers went out. */
export function sendGatewayError(res: Response, error: GatewayError): void {
  if (res.headersSent) return;
  res.status(error.status).set(error.headers()).json(error.toBody());
}

/** The same error with every secret removed from its message (an upstream's text may repeat what it was sent). */
export function redactedError(error: GatewayError, redact: (text: string) => string): GatewayError {
  const message = redact(error.message);
  return message === error.message ? error : new GatewayError(error.code, message, { ...error.options, cause: error });
}

/** The router's one error handler: everything thrown in a route ends here as an OpenAI error body. */
export function gatewayErrorHandler(onInternalError: (error: unknown) => void, redact: (text: string) => string = (text) => text): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'internal_error') onInternalError(error);
    sendGatewayError(res, redactedError(gatewayError, redact));
  };
}
