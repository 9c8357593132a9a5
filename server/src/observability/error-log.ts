import type { GatewayErrorClass } from '@insforge/ai-protocol';
import type { Redis } from 'ioredis';

/** What kind of failure an entry is, for filtering (the wire's classes). */
export type ErrorClass = GatewayErrorClass;

/**
 * One failure: a call to OpenRouter that failed (`attempt`, perhaps retried or replaced by a fallback) or a request
 * that ended in an error or was refused (`request`). Codes and names only: never a message that could quote a
 * prompt, never a key.
 */
export interface ErrorLogEntry {
  at: number;
  requestId: string;
  projectId: string;
  kind: 'attempt' | 'request';
  class: ErrorClass;
  /** The gateway's error code, as the API answers it (`upstream_timeout`, `quota_exceeded`…). */
  code: string;
  endpoint: string;
  feature: string | null;
  /** The model called (for an attempt) or requested (for a request). */
  model: string;
}

const CLASS_OF: Record<string, ErrorClass> = {
  upstream_timeout: 'timeout',
  rate_limit_exceeded: 'rate_limit',
  quota_exceeded: 'limit',
  service_unavailable: 'limit',
  upstream_error: 'upstream',
  upstream_stream_truncated: 'upstream',
  upstream_model_unavailable: 'upstream',
  upstream_auth: 'auth',
  upstream_insufficient_credits: 'auth',
  unauthorized: 'auth',
  forbidden: 'auth',
  invalid_provider_key: 'auth',
  encryption_key_missing: 'internal',
  internal_error: 'internal',
};

/** Why a request with each code failed, in words an operator can act on; the API's own message said it to the client. */
const REASONS: Record<string, string> = {
  quota_exceeded: 'A spend or token budget (of the project, the feature or the user) was used up for its period.',
  rate_limit_exceeded: 'A rate limit was reached: requests or tokens per minute, requests at once, or the model provider limiting the gateway.',
  service_unavailable: 'AI features were paused by the emergency stop, every model of the request was paused by its circuit breaker, or the gateway was restarting.',
  model_not_found: 'The request named a model or feature this project does not have (or one hidden from users).',
  invalid_request: 'The request was not valid: its body, or the model provider refused its input.',
  invalid_parameter: 'A parameter was outside what the feature allows.',
  parameter_not_allowed: 'The request set a parameter the feature does not let clients set.',
  web_search_unbounded: 'The request asked for a web search on a model\'s own engine, which on a model it may be served by does not keep max_uses: its searches could not be bounded nor reserved for.',
  context_length_exceeded: 'The conversation was longer than the model accepts.',
  request_too_large: 'The request body was larger than the gateway or the model accepts.',
  content_policy_violation: 'The model provider refused the input under its content policy.',
  forbidden: 'The caller lacks the role the request needs.',
  unauthorized: 'The caller was not signed in or its key was not valid.',
  upstream_auth: 'OpenRouter refused the gateway\'s key: an administrator must set a valid one.',
  upstream_insufficient_credits: 'The OpenRouter account is out of credit.',
  upstream_model_unavailable: 'The model is not available upstream.',
  upstream_error: 'The model provider failed (an error, a dropped connection or an unreadable answer) on every model tried.',
  upstream_timeout: 'The model provider did not answer in time, or the request passed the gateway\'s deadline.',
  upstream_stream_truncated: 'The answer stopped mid-way: the model provider ended the stream without finishing it.',
  encryption_key_missing: 'The stored OpenRouter key cannot be opened with the configured master key.',
  internal_error: 'The gateway failed; its log has the details.',
};

/** An operator's explanation of an error code. */
export function reasonOf(code: string): string {
  return Object.hasOwn(REASONS, code) ? (REASONS[code] as string) : `The request failed with ${code}.`;
}

/** The class of an error code; codes about the request itself (invalid input, unknown model, too large) are `request`. */
export function errorClassOf(code: string): ErrorClass {
  return Object.hasOwn(CLASS_OF, code) ? (CLASS_OF[code] as ErrorClass) : 'request';
}

export interface ErrorLogQuery {
  projectId: string;
  limit: number;
  class?: ErrorClass | undefined;
  requestId?: string | undefined;
}

/** The recent errors of each project, newest first, capped so it never grows without bound. */
export interface ErrorLog {
  add(entry: ErrorLogEntry): Promise<void>;
  recent(query: ErrorLogQuery): Promise<ErrorLogEntry[]>;
  close(): Promise<void>;
}

/** How many entries each project keeps. */
export const ERROR_LOG_CAPACITY = 1_000;

const matches = (entry: ErrorLogEntry, query: ErrorLogQuery) => (query.class === undefined || entry.class === query.class) && (query.requestId === undefined || entry.requestId === query.requestId);

/** Projects the memory log keeps at once; the one that failed least recently is forgotten first. */
const MAX_PROJECTS = 1_000;

/** The error log of this process. */
export class MemoryErrorLog implements ErrorLog {
  readonly #entries = new Map<string, ErrorLogEntry[]>();

  constructor(private readonly capacity = ERROR_LOG_CAPACITY) {}

  async add(entry: ErrorLogEntry): Promise<void> {
    const entries = this.#entries.get(entry.projectId) ?? [];
    entries.unshift(entry);
    if (entries.length > this.capacity) entries.length = this.capacity;
    // Re-inserted, so the map's first key is the project that failed least recently.
    this.#entries.delete(entry.projectId);
    this.#entries.set(entry.projectId, entries);
    if (this.#entries.size > MAX_PROJECTS) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  async recent(query: ErrorLogQuery): Promise<ErrorLogEntry[]> {
    return (this.#entries.get(query.projectId) ?? []).filter((entry) => matches(entry, query)).slice(0, query.limit);
  }

  async close(): Promise<void> {}
}

/** The error log in Redis: every instance adds to one list per project, so any instance shows them all. */
export class RedisErrorLog implements ErrorLog {
  constructor(
    /** A connection the caller owns and closes. */
    private readonly client: Redis,
    private readonly keyPrefix = 'insforge-ai:errors:',
    private readonly capacity = ERROR_LOG_CAPACITY,
  ) {}

  async add(entry: ErrorLogEntry): Promise<void> {
    const key = this.#key(entry.projectId);
    await this.client.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, this.capacity - 1).exec();
  }

  async recent(query: ErrorLogQuery): Promise<ErrorLogEntry[]> {
    const rows = await this.client.lrange(this.#key(query.projectId), 0, this.capacity - 1);
    const entries: ErrorLogEntry[] = [];
    for (const row of rows) {
      const entry = JSON.parse(row) as ErrorLogEntry;
      if (matches(entry, query)) entries.push(entry);
      if (entries.length >= query.limit) break;
    }
    return entries;
  }

  async close(): Promise<void> {}

  #key(projectId: string): string {
    return `${this.keyPrefix}${encodeURIComponent(projectId)}`;
  }
}
