/**
 * The gateway's error codes: stable, each with a fixed HTTP status on the server, each read into a client code by
 * `@insforge/ai-react`. Adding one here fails the compile of both until each says what it means.
 */
export const GATEWAY_ERROR_CODES = [
  'invalid_request',
  'invalid_parameter',
  'parameter_not_allowed',
  'web_search_unbounded',
  'model_not_found',
  'unauthorized',
  'forbidden',
  'not_found',
  'version_conflict',
  'conversation_limit_exceeded',
  'invalid_provider_key',
  'encryption_key_missing',
  'request_too_large',
  'unsupported_media_type',
  'quota_exceeded',
  'rate_limit_exceeded',
  'context_length_exceeded',
  'content_policy_violation',
  'upstream_auth',
  'upstream_insufficient_credits',
  'upstream_model_unavailable',
  'upstream_error',
  'upstream_timeout',
  'upstream_stream_truncated',
  'service_unavailable',
  'internal_error',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** The HTTP status each code is answered with, always. */
export const GATEWAY_ERROR_STATUS: Readonly<Record<GatewayErrorCode, number>> = {
  invalid_request: 400,
  invalid_parameter: 400,
  parameter_not_allowed: 400,
  web_search_unbounded: 400,
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
const TYPE_OF_STATUS: Readonly<Record<number, string>> = {
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  429: 'rate_limit_error',
};

/**
 * What an error says of where it came from, as OpenRouter's errors carry `metadata`. A refusal by one of the
 * gateway's guardrails says `source: "guardrail"` (and which one): its message is the feature's own words for users.
 */
export interface ErrorMetadata {
  source?: 'guardrail';
  guardrail?: string;
}

/** The OpenAI error body every failure of the gateway is answered with. */
export interface OpenAIErrorBody {
  error: {
    message: string;
    /** OpenAI's error type: `invalid_request_error`, `authentication_error`, `rate_limit_error`, `server_error`… */
    type: string;
    code: GatewayErrorCode | null;
    param: string | null;
    metadata?: ErrorMetadata;
  };
}

/** OpenAI's error `type` for a status: `server_error` from 500 up, else `invalid_request_error` unless named. */
export const errorTypeOf = (status: number): string => TYPE_OF_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');

/**
 * The body the gateway answers a failure with.
 *
 * @example
 * errorBody('quota_exceeded', 'The daily budget is spent.'); // { error: { type: 'insufficient_quota', code: 'quota_exceeded', … } }
 */
export function errorBody(code: GatewayErrorCode, message: string, options: { param?: string | null; metadata?: ErrorMetadata } = {}): OpenAIErrorBody {
  const { param = null, metadata } = options;
  return { error: { message, type: errorTypeOf(GATEWAY_ERROR_STATUS[code]), code, param, ...(metadata ? { metadata } : {}) } };
}
