import type { GatewayErrorCode } from '@insforge/ai-protocol';
/** Stable codes a UI can switch on; the gateway's own code stays available as `serverCode`. */
export type AiErrorCode =
  | 'rate_limited'
  | 'quota_exceeded'
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_request'
  | 'model_not_found'
  | 'provider_key_invalid'
  | 'upstream_unavailable'
  | 'timeout'
  | 'offline'
  | 'aborted'
  | 'not_found'
  | 'conflict'
  | 'admin_unavailable'
  | 'unknown';

/** An AiError as plain JSON: what a stored conversation keeps of a failed answer. */
export interface AiErrorInfo {
  code: AiErrorCode;
  message: string;
  userMessage: string;
  retryable: boolean;
  status?: number;
  retryAfter?: number;
  serverCode?: string;
  param?: string;
  currentVersion?: number;
  /**
   * The gateway guardrail that refused the request or stopped the answer (its name, or `guardrail` when the gateway
   * did not say which). `userMessage` is then the feature's own message for its users, as the admin wrote it.
   */
  guardrail?: string;
}

export interface AiErrorInit extends Omit<AiErrorInfo, 'userMessage' | 'retryable'> {
  userMessage?: string;
  retryable?: boolean;
  cause?: unknown;
}

/** Where a failure came from, for `toAiError`: the HTTP answer, and whether the route was an admin route. */
export interface AiErrorContext {
  status?: number;
  headers?: Headers;
  /** An admin call: a 404 for a missing route means the server has no admin API (`admin_unavailable`). */
  admin?: boolean;
}

const MARKER = Symbol.for('insforge.ai.error');

// Retrying cures these: the server or the network may answer next time. A 409 (a stale configuration version)
// is deliberately not retryable, unlike Vercel's rule: sending the same version again fails the same way.
const RETRYABLE: ReadonlySet<AiErrorCode> = new Set(['rate_limited', 'upstream_unavailable', 'timeout', 'offline']);

/**
 * Every code of the gateway (the protocol's list, README error table) in our vocabulary: total, so a code the
 * gateway gains fails this compile until it is given a meaning here.
 */
const CODE_OF_GATEWAY_CODE: Record<GatewayErrorCode, AiErrorCode> = {
  invalid_request: 'invalid_request',
  invalid_parameter: 'invalid_request',
  parameter_not_allowed: 'invalid_request',
  web_search_unbounded: 'invalid_request',
  context_length_exceeded: 'invalid_request',
  request_too_large: 'invalid_request',
  unsupported_media_type: 'invalid_request',
  model_not_found: 'model_not_found',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  content_policy_violation: 'forbidden',
  not_found: 'not_found',
  version_conflict: 'conflict',
  // A cap on saved conversations: not someone else's change, so not a `conflict` (whose advice is to reload).
  conversation_limit_exceeded: 'invalid_request',
  invalid_provider_key: 'provider_key_invalid',
  upstream_auth: 'provider_key_invalid',
  upstream_insufficient_credits: 'provider_key_invalid',
  quota_exceeded: 'quota_exceeded',
  rate_limit_exceeded: 'rate_limited',
  upstream_error: 'upstream_unavailable',
  upstream_model_unavailable: 'upstream_unavailable',
  upstream_stream_truncated: 'upstream_unavailable',
  service_unavailable: 'upstream_unavailable',
  upstream_timeout: 'timeout',
  internal_error: 'upstream_unavailable',
  // The server's configuration: no retry fixes it, and it is not the AI service's fault.
  encryption_key_missing: 'unknown',
};

/** OpenAI's and OpenRouter's own codes, met when the client talks to them or they pass through. */
const CODE_OF_OTHER_CODE: Record<string, AiErrorCode> = {
  invalid_request_error: 'invalid_request',
  invalid_api_key: 'unauthorized',
  insufficient_quota: 'quota_exceeded',
  server_error: 'upstream_unavailable',
};

const codeOfServerCode = (serverCode: string): AiErrorCode | undefined =>
  Object.hasOwn(CODE_OF_GATEWAY_CODE, serverCode) ? CODE_OF_GATEWAY_CODE[serverCode as GatewayErrorCode] : Object.hasOwn(CODE_OF_OTHER_CODE, serverCode) ? CODE_OF_OTHER_CODE[serverCode] : undefined;

function codeOfStatus(status: number | undefined): AiErrorCode {
  if (status === undefined) return 'unknown';
  if (status === 400 || status === 413 || status === 422) return 'invalid_request';
  if (status === 401) return 'unauthorized';
  if (status === 402) return 'quota_exceeded';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504 || status === 524) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'upstream_unavailable';
  return 'unknown';
}

const seconds = (value: number) => `${value} second${value === 1 ? '' : 's'}`;

/** Plain words with the action to take, for a toast or an inline error. */
function userMessageOf(info: Omit<AiErrorInfo, 'userMessage' | 'retryable'>): string {
  const { code, serverCode, retryAfter } = info;
  switch (code) {
    case 'rate_limited':
      return retryAfter === undefined ? 'Too many requests — wait a moment and try again.' : `Too many requests — try again in ${seconds(retryAfter)}.`;
    case 'quota_exceeded':
      return 'The usage limit is reached; contact your administrator.';
    case 'unauthorized':
      return 'You are not signed in, or your session has expired; sign in and try again.';
    case 'forbidden':
      return serverCode === 'content_policy_violation'
        ? 'The message was flagged by moderation; rephrase it and try again.'
        : 'You do not have permission to do this; ask an administrator for access.';
    case 'invalid_request':
      if (serverCode === 'context_length_exceeded') return 'The conversation is too long for this model; start a new conversation.';
      if (serverCode === 'request_too_large') return 'The message is too large; shorten it and try again.';
      return `The request was not accepted: ${info.message}`;
    case 'model_not_found':
      return 'This AI feature is not available; ask an administrator to configure it.';
    case 'provider_key_invalid':
      if (serverCode === 'upstream_insufficient_credits') return 'The AI service account is out of credit; an administrator must add credit.';
      if (serverCode === 'invalid_provider_key') return 'OpenRouter rejected this key; check it and paste it again.';
      return 'The AI service key is invalid; an administrator must update it.';
    case 'upstream_unavailable':
      return retryAfter === undefined ? 'The AI service is unavailable right now; try again in a moment.' : `The AI service is unavailable right now; try again in ${seconds(retryAfter)}.`;
    case 'timeout':
      return 'The AI service took too long to answer; try again.';
    case 'offline':
      return 'You appear to be offline; check your connection and try again.';
    case 'aborted':
      return 'Stopped.';
    case 'not_found':
      return 'Not found; it may have been deleted.';
    case 'conflict':
      return 'Someone else changed this in the meantime; reload to see their changes, then save again.';
    case 'admin_unavailable':
      return 'This server has no admin routes; change these settings where the AI server is configured.';
    case 'unknown':
      if (serverCode === 'encryption_key_missing') return 'The server cannot store keys: it has no encryption key configured.';
      return 'Something went wrong; try again.';
  }
}

/**
 * A failure of the AI client with a stable `code`, the HTTP `status`, whether retrying may help, how long to wait,
 * and a `userMessage` to show as it is.
 *
 * @example
 * try { await client.chat.complete(request); } catch (error) { if (isAiError(error)) toast(error.userMessage); }
 */
export class AiError extends Error {
  override readonly name = 'AiError';
  readonly [MARKER] = true;
  readonly code: AiErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** Seconds to wait before retrying, from `Retry-After` or the body. */
  readonly retryAfter: number | undefined;
  readonly userMessage: string;
  /** The server's own code (`upstream_auth`, `rate_limit_exceeded`…), when it sent one. */
  readonly serverCode: string | undefined;
  /** The request field at fault, when the server named one. */
  readonly param: string | undefined;
  /** For a `conflict`: the version saved on the server (`x-current-version`). */
  readonly currentVersion: number | undefined;
  /** The gateway guardrail that refused; `userMessage` is then the feature's own message (see `AiErrorInfo`). */
  readonly guardrail: string | undefined;

  constructor(init: AiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.retryAfter = init.retryAfter;
    this.serverCode = init.serverCode;
    this.param = init.param;
    this.currentVersion = init.currentVersion;
    this.guardrail = init.guardrail;
    this.retryable = init.retryable ?? (RETRYABLE.has(init.code) || (init.code === 'unknown' && (init.status ?? 0) >= 500));
    this.userMessage = init.userMessage ?? userMessageOf(init);
  }

  /** The error as plain JSON (a stored answer keeps it); `AiError.fromJSON` brings it back. */
  toJSON(): AiErrorInfo {
    const info: AiErrorInfo = { code: this.code, message: this.message, userMessage: this.userMessage, retryable: this.retryable };
    if (this.status !== undefined) info.status = this.status;
    if (this.retryAfter !== undefined) info.retryAfter = this.retryAfter;
    if (this.serverCode !== undefined) info.serverCode = this.serverCode;
    if (this.param !== undefined) info.param = this.param;
    if (this.currentVersion !== undefined) info.currentVersion = this.currentVersion;
    if (this.guardrail !== undefined) info.guardrail = this.guardrail;
    return info;
  }

  static fromJSON(info: AiErrorInfo): AiError {
    return new AiError(info);
  }
}

/**
 * True for an AiError, also one made by another copy of this package (a marker, not only `instanceof`).
 *
 * @example
 * if (isAiError(error) && error.retryable) retryLater(error.retryAfter);
 */
export function isAiError(value: unknown): value is AiError {
  return value instanceof AiError || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** `Retry-After` in seconds (a number or an HTTP date), else `retry-after-ms`, else the body's `retry_after`. */
function retryAfterOf(headers: Headers | undefined, error: Record<string, unknown>): number | undefined {
  const header = headers?.get('retry-after');
  if (header) {
    const asNumber = Number(header);
    if (Number.isFinite(asNumber)) return Math.max(0, Math.ceil(asNumber));
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  const milliseconds = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(milliseconds)) return Math.max(0, Math.ceil(milliseconds / 1000));
  const metadata = isRecord(error['metadata']) ? error['metadata'] : {};
  const fromBody = error['retry_after'] ?? metadata['retry_after'];
  return typeof fromBody === 'number' && Number.isFinite(fromBody) ? Math.max(0, Math.ceil(fromBody)) : undefined;
}

function fromThrown(thrown: unknown): AiError | undefined {
  if (!isRecord(thrown)) return undefined;
  const name = thrown['name'];
  const message = text(thrown['message']) ?? String(thrown);
  if (name === 'AbortError') return new AiError({ code: 'aborted', message: 'The request was aborted.', cause: thrown });
  if (name === 'TimeoutError') return new AiError({ code: 'timeout', message: 'The request timed out.', cause: thrown });
  // localStorage refusing a save: no retry helps until something is deleted.
  if (name === 'QuotaExceededError') return new AiError({ code: 'unknown', message, userMessage: "The browser's storage is full; delete some conversations.", cause: thrown });
  // fetch rejects with a TypeError when no answer came at all: "Failed to fetch" (Chrome), "NetworkError…"
  // (Firefox), "Load failed" (Safari), "fetch failed" (Node).
  if (thrown instanceof TypeError && /fetch|network|load failed/i.test(message)) {
    return new AiError({ code: 'offline', message: `The server could not be reached: ${message}`, cause: thrown });
  }
  return undefined;
}

/**
 * Any failure as an AiError: an AiError as it is, an abort or a network failure thrown by `fetch`, or an
 * OpenAI-shaped error body (`{error:{message,type,code,param}}`) with the status and headers it came with.
 *
 * @example
 * toAiError({ error: { message: 'Slow down', code: 'rate_limit_exceeded' } }, { status: 429 }).userMessage;
 * // "Too many requests — wait a moment and try again."
 */
export function toAiError(value: unknown, context: AiErrorContext = {}): AiError {
  if (isAiError(value)) return value;
  const thrown = fromThrown(value);
  if (thrown) return thrown;
  const { headers, admin } = context;
  // OpenAI's `{error:{…}}`, InsForge's stream `{error:true, code, message}`, or a bare `{message}`.
  const body = isRecord(value) ? value : {};
  const error = isRecord(body['error']) ? body['error'] : body['error'] === true ? body : {};
  const rawCode = error['code'];
  // OpenRouter sends its HTTP status as a numeric `code`, also inside a mid-stream error event.
  const status = context.status ?? (typeof rawCode === 'number' && rawCode >= 400 && rawCode < 600 ? rawCode : undefined);
  const serverCode = text(rawCode) ?? text(error['type']);
  const message = text(error['message']) ?? text(body['message']) ?? text(body['error']) ?? (value instanceof Error ? value.message : status ? `The server answered ${status}.` : 'The request failed.');
  let code = (serverCode === undefined ? undefined : codeOfServerCode(serverCode)) ?? codeOfStatus(status);
  if (code === 'unknown' && text(error['type']) === 'rate_limit_error') code = 'rate_limited';
  // On an admin route, only the gateway's own `not_found` for a record is a missing record. Its catch-all ("No
  // route …"), an HTML page, or another server's 404 means this server has no admin API at all.
  if (admin && status === 404 && (serverCode !== 'not_found' || /^no route/i.test(message))) code = 'admin_unavailable';
  const init: AiErrorInit = { code, message, cause: value };
  if (status !== undefined) init.status = status;
  if (serverCode !== undefined) init.serverCode = serverCode;
  const param = text(error['param']);
  if (param !== undefined) init.param = param;
  const retryAfter = retryAfterOf(headers, error);
  if (retryAfter !== undefined) init.retryAfter = retryAfter;
  const currentVersion = Number(headers?.get('x-current-version') ?? NaN);
  if (Number.isInteger(currentVersion)) init.currentVersion = currentVersion;
  // A guardrail's refusal carries the feature's own words for its users: shown as they are.
  const metadata = isRecord(error['metadata']) ? error['metadata'] : isRecord(body['metadata']) ? body['metadata'] : {};
  if (metadata['source'] === 'guardrail') {
    init.guardrail = text(metadata['guardrail']) ?? 'guardrail';
    init.userMessage = message;
  }
  // A server that cannot encrypt keys answers 500, and no retry fixes its configuration.
  if (serverCode === 'encryption_key_missing') init.retryable = false;
  return new AiError(init);
}

/**
 * The message of an answer that is not JSON: a proxy's HTML error page by its title (or its text without the markup,
 * which an `invalid_request` shows to the user), anything else as it is; at most 300 characters either way.
 */
function messageOfText(raw: string): string {
  if (!/^\s*</.test(raw)) return raw.slice(0, 300);
  const title = /<title[^>]*>([^<]*)</i.exec(raw.slice(0, 4096))?.[1];
  const words = (title ?? raw.slice(0, 4096).replace(/<(script|style)[^>]*>[^<]*<\/\1>|<[^>]*>?/gi, ' ')).replace(/\s+/g, ' ').trim();
  return (words === '' ? 'The server answered with a page that is not JSON.' : words).slice(0, 300);
}

/**
 * Reads a failed Response into an AiError (JSON body or not), keeping its status and `Retry-After`.
 *
 * @example
 * if (!response.ok) throw await readAiError(response, { admin: true });
 */
export async function readAiError(response: Response, options: { admin?: boolean } = {}): Promise<AiError> {
  let body: unknown;
  try {
    const raw = await response.text();
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      body = raw.length > 0 ? { message: messageOfText(raw) } : undefined;
    }
  } catch (error) {
    body = error;
  }
  return toAiError(body, { status: response.status, headers: response.headers, ...(options.admin ? { admin: true } : {}) });
}
