import { GatewayError } from '../errors.js';
import { withoutKeyShapes } from '../logger.js';
import { headerValue, type UpstreamResponse, type UpstreamTransportError } from './openrouter-client.js';

/** An upstream failure, with what the retry policy needs to know about it. */
export class UpstreamFailure extends Error {
  constructor(
    readonly error: GatewayError,
    /** Worth trying again on the same model (408, 429, 5xx, timeouts before the first byte). */
    readonly retryable: boolean,
    /** Worth trying the next fallback model once retries are spent (everything but client errors). */
    readonly tryFallback: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 524, 529]);

interface UpstreamErrorBody {
  message?: unknown;
  code?: unknown;
  metadata?: { error_type?: unknown; retry_after_seconds?: unknown; raw?: unknown } & Record<string, unknown>;
}

/** The longest wait an upstream's Retry-After is passed on as: a day (a date in year 9999, or 1e308 s, says nothing more). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

function retryAfterMs(headerText: string | undefined, metadataSeconds: unknown): number | undefined {
  const seconds = headerText !== undefined ? Number(headerText) : typeof metadataSeconds === 'number' ? metadataSeconds : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  if (headerText) {
    const date = Date.parse(headerText);
    if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS);
  }
  return undefined;
}

/** Most of a provider's own message that a client is shown. */
const PROVIDER_WORDS_LIMIT = 1_000;

/**
 * OpenRouter's "Provider returned error" with the provider's own words (`metadata.raw`) after it: for a refused
 * request they say what to fix (a missing thought signature, a malformed tool turn). Keys are removed, length capped.
 */
function withProviderWords(message: string, metadata: UpstreamErrorBody['metadata']): string {
  const raw = typeof metadata?.raw === 'string' ? withoutKeyShapes(metadata.raw).trim() : '';
  if (raw === '') return message;
  const provider = typeof metadata?.['provider_name'] === 'string' ? withoutKeyShapes(metadata['provider_name']) : 'The provider';
  const words = raw.length > PROVIDER_WORDS_LIMIT ? `${raw.slice(0, PROVIDER_WORDS_LIMIT - 1)}…` : raw;
  return `${message} (${provider}: ${words})`;
}

/**
 * Maps an OpenRouter error (HTTP status, or the `code` of an error delivered inside a 200) to what the gateway
 * answers. Messages that are about the caller's input pass through; anything about the operator's account is
 * replaced by a message for the operator, and the key never appears.
 */
export function classifyUpstreamError(status: number, body: UpstreamErrorBody | undefined, headers?: UpstreamResponse['headers']): UpstreamFailure {
  // The messages passed on below are the upstream's own words, which may repeat what it was sent (the key).
  const upstreamMessage = typeof body?.message === 'string' ? withoutKeyShapes(body.message) : `OpenRouter answered ${status}.`;
  const errorType = body?.metadata?.error_type;
  const retryAfter = retryAfterMs(headers ? headerValue(headers, 'retry-after') : undefined, body?.metadata?.retry_after_seconds);
  const retrySeconds = retryAfter === undefined ? undefined : retryAfter / 1000;
  if (status === 401) return new UpstreamFailure(new GatewayError('upstream_auth', 'OpenRouter rejected the gateway\'s API key. An administrator must set a valid key.'), false, false);
  if (status === 402) {
    return new UpstreamFailure(new GatewayError('upstream_insufficient_credits', 'The OpenRouter account behind this gateway is out of credit. Contact the administrator.'), false, false);
  }
  if (status === 400 && errorType === 'context_length_exceeded') return new UpstreamFailure(new GatewayError('context_length_exceeded', upstreamMessage), false, false);
  if (status === 400 || status === 422) return new UpstreamFailure(new GatewayError('invalid_request', withProviderWords(upstreamMessage, body?.metadata)), false, false);
  if (status === 403) return new UpstreamFailure(new GatewayError('content_policy_violation', upstreamMessage), false, true);
  if (status === 404) return new UpstreamFailure(new GatewayError('upstream_model_unavailable', `The model is not available upstream: ${upstreamMessage}`), false, true);
  if (status === 413) return new UpstreamFailure(new GatewayError('request_too_large', 'The request is too large for the model.'), false, false);
  if (status === 408 || status === 524) return new UpstreamFailure(new GatewayError('upstream_timeout', 'The model provider timed out.'), true, true, retryAfter);
  if (status === 429) {
    const options = retrySeconds === undefined ? {} : { retryAfterSeconds: retrySeconds };
    return new UpstreamFailure(new GatewayError('rate_limit_exceeded', 'The model provider is rate limiting requests. Try again shortly.', options), true, true, retryAfter);
  }
  const message = status === 503 ? 'No model provider is available right now.' : 'The model provider returned an error.';
  return new UpstreamFailure(new GatewayError('upstream_error', message, retrySeconds === undefined ? {} : { retryAfterSeconds: retrySeconds }), RETRYABLE_STATUSES.has(status), true, retryAfter);
}

/** A transport failure before the first byte: timeouts and dropped connections are retried. */
export function classifyTransportError(error: UpstreamTransportError): UpstreamFailure {
  if (error.kind === 'timeout') return new UpstreamFailure(new GatewayError('upstream_timeout', 'OpenRouter did not answer in time.', { cause: error }), true, true);
  return new UpstreamFailure(new GatewayError('upstream_error', 'The connection to OpenRouter failed.', { cause: error }), true, true);
}

/** Reads an upstream error body (`{error:{code,message,metadata}}`); a body that is not JSON gives undefined. */
export async function readUpstreamError(response: UpstreamResponse): Promise<UpstreamErrorBody | undefined> {
  try {
    const parsed = (await response.body.json()) as { error?: UpstreamErrorBody } | undefined;
    return parsed?.error;
  } catch {
    return undefined;
  }
}

/** The statuses of the Messages API's error types, which its errors carry instead of a code. */
const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * The HTTP-like status of an error delivered inside a 200 (`code` may be a number or a legacy string, or the Messages
 * API's error type).
 */
export function statusOfErrorCode(code: unknown): number {
  if (typeof code === 'number' && code >= 400 && code < 600) return code;
  if (typeof code === 'string' && Object.hasOwn(ANTHROPIC_ERROR_STATUS, code)) return ANTHROPIC_ERROR_STATUS[code] as number;
  if (code === 'rate_limit_exceeded') return 429;
  if (code === 'invalid_api_key') return 401;
  if (code === 'insufficient_quota') return 402;
  return 502;
}
