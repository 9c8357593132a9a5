import { GatewayError } from '../errors.js';
import { headerValue, toTransportError, UpstreamTransportError, type UpstreamResponse } from '../upstream/openrouter-client.js';
import { SentKey } from '../upstream/sent-key.js';
import { UpstreamFailure, classifyUpstreamError, readUpstreamError, statusOfErrorCode } from '../upstream/upstream-errors.js';
import type { GatewayContext } from './context.js';
import { withFallbacks, type AttemptObserver, type AttemptPreparer } from './with-fallbacks.js';

export interface JsonPost<T> {
  path: '/chat/completions' | '/responses' | '/messages' | '/embeddings' | '/images';
  /** Tried in order; the body gets each one as `model`. */
  models: readonly string[];
  body: Record<string, unknown>;
  apiKey: string;
  signal: AbortSignal;
  /** Counts each attempt and hears of those that failed after a 200: usually the request's `MeteredRequest`. */
  meter?: AttemptLog | undefined;
  /** Gates and watches each attempt (circuit breakers, metrics, spans): usually `meter.observer.attempts`. */
  observer?: AttemptObserver | undefined;
  /** Extra checks of a parsed answer; throw an `UpstreamFailure` to retry or fall back. */
  check?: (parsed: T) => void;
  /**
   * Embeddings whose vectors nobody reads (no cache or tap takes the parsed body): each `"embedding": [numbers]` is
   * parsed as `[]`, which spares the parse of thousands of numbers per input; `raw` still carries them.
   */
  skipVectors?: boolean;
}

/**
 * A JSON answer of OpenRouter's, whichever API's (a chat completion, a Responses `response`, a Messages `message`):
 * the fields the gateway reads are typed, the rest pass through. `error` is set on an error body answered inside a 200.
 */
export interface UpstreamAnswer {
  id: string;
  model: string;
  provider?: string;
  usage?: unknown;
  error?: { code?: unknown; message?: unknown } | null | undefined;
  [field: string]: unknown;
}

/** What counts a request's upstream attempts (`MeteredRequest`): see its `attempt`, `beforeAttempt` and `failedAfterSending`. */
export interface AttemptLog extends AttemptPreparer {
  attempt(): void;
  failedAfterSending(generationId: string | undefined): void;
}

/**
 * A successful answer: the parsed body, and the same body as it came, for a route that forwards it unchanged. The key
 * the request was sent with is in neither (nor in the generation id header: `OpenRouterClient.send`), should the
 * upstream have echoed it.
 */
export interface JsonAnswer<T> {
  result: T;
  /** The body's bytes as OpenRouter sent them, without a leading byte order mark or whitespace (or the key). */
  raw: Buffer;
  model: string;
  headers: UpstreamResponse['headers'];
}

/** The list every successful OpenRouter answer of a path carries; an answer without it is not OpenRouter's. */
const ANSWER_LIST: Record<JsonPost<unknown>['path'], string> = { '/chat/completions': 'choices', '/responses': 'output', '/messages': 'content', '/embeddings': 'data', '/images': 'data' };

/**
 * Posts a JSON request to OpenRouter through retries and fallbacks. A non-200 status, an error inside a 200, a
 * body that cannot be read and a body that is not what OpenRouter sends (an object with `choices` or `data`) all
 * count as failures of that attempt; the last is a 502 `upstream_error`, never a success. (A response of the Responses
 * API that failed carries its `error` the same way, beside `status: "failed"`.)
 */
export async function postWithFallbacks<T extends { error?: { code?: unknown } | null | undefined }>(context: GatewayContext, post: JsonPost<T>): Promise<JsonAnswer<T>> {
  const sentKey = SentKey.of(post.apiKey);
  return withFallbacks(post.models, context.retry, post.signal, async ({ model }) => {
    post.meter?.attempt();
    const response = await sendAttempt(context, post.path, { body: { ...post.body, model }, signal: post.signal, apiKey: post.apiKey }, post.meter);
    if (response.status !== 200) throw classifyUpstreamError(response.status, await readUpstreamError(response), response.headers);
    try {
      let bytes: Uint8Array;
      try {
        bytes = await response.body.bytes();
      } catch (error) {
        throw toTransportError(error, post.signal);
      }
      // The key is replaced in the bytes before the parse, so the parsed body, the bytes forwarded and the record agree.
      const body = withoutLeadingWhitespace(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      let raw = sentKey ? sentKey.replaceInBytes(body) : body;
      let result: T;
      try {
        result = (post.skipVectors ? parseWithoutVectors(raw) : JSON.parse(raw.toString('utf8'))) as T;
      } catch {
        // The whole body came, and is not JSON (an HTML error page, a proxy's text): not a failed connection.
        throw malformedAnswer();
      }
      if (typeof result !== 'object' || result === null || Array.isArray(result)) throw malformedAnswer();
      if (sentKey && SentKey.mayEscapeIn(raw)) ({ result, raw } = withoutEscapedKey(sentKey, result, raw, post.skipVectors === true));
      if (result.error) throw classifyUpstreamError(statusOfErrorCode(result.error.code ?? (result.error as { type?: unknown }).type), result.error as Record<string, unknown>);
      if (!Array.isArray((result as Record<string, unknown>)[ANSWER_LIST[post.path]])) throw malformedAnswer();
      post.check?.(result);
      return { result, raw, model, headers: response.headers };
    } catch (error) {
      // OpenRouter answered 200, so the model began: its generation may be billed, whatever came of it.
      post.meter?.failedAfterSending(headerValue(response.headers, 'x-generation-id'));
      throw error;
    }
  }, post.observer, post.meter);
}

/**
 * Sends one attempt, JSON or stream; one that OpenRouter had whole but did not answer in time is told to `meter`: it
 * may be generating, and billing, with no generation id to ask about.
 */
export async function sendAttempt(context: GatewayContext, path: string, init: { body: Record<string, unknown>; signal: AbortSignal; apiKey: string }, meter: AttemptLog | undefined): Promise<UpstreamResponse> {
  try {
    return await context.upstream.send(path, init);
  } catch (error) {
    if (error instanceof UpstreamTransportError && error.reachedUpstream) meter?.failedAfterSending(undefined);
    throw error;
  }
}

/**
 * An answer whose `\u` escapes may spell the key where its bytes do not: the key replaced in its parsed strings, and
 * the bytes written again from them when it was there (from a whole parse, when vectors were skipped).
 */
function withoutEscapedKey<T>(sentKey: SentKey, result: T, raw: Buffer, skippedVectors: boolean): { result: T; raw: Buffer } {
  const whole = skippedVectors ? (JSON.parse(raw.toString('utf8')) as T) : result;
  if (!sentKey.cleanParsed(whole)) return { result, raw };
  if (skippedVectors) sentKey.cleanParsed(result);
  return { result, raw: Buffer.from(JSON.stringify(whole)) };
}

/** An answer that is not OpenRouter's shape: worth the next fallback, not a retry of the same model. */
function malformedAnswer(): UpstreamFailure {
  return new UpstreamFailure(new GatewayError('upstream_error', 'The model provider sent an answer the gateway cannot read.'), false, true);
}

const VECTOR_START = Buffer.from('"embedding":[');

/**
 * An embeddings answer parsed with each vector as `[]`: the bytes from a vector's `[` to the first `]` after it (a
 * vector holds numbers only) are left out. A key written that way cannot occur inside a JSON string (its quotes would
 * be escaped); when what is left is not valid JSON (an answer shaped otherwise), the whole body is parsed instead.
 */
export function parseWithoutVectors(raw: Buffer): unknown {
  let text = '';
  let from = 0;
  for (let at = raw.indexOf(VECTOR_START); at !== -1; at = raw.indexOf(VECTOR_START, from)) {
    const open = at + VECTOR_START.length - 1;
    const close = raw.indexOf(0x5d /* ] */, open);
    if (close === -1) break;
    text += `${raw.toString('utf8', from, open)}[]`;
    from = close + 1;
  }
  if (from === 0) return JSON.parse(raw.toString('utf8'));
  try {
    return JSON.parse(text + raw.toString('utf8', from));
  } catch {
    return JSON.parse(raw.toString('utf8'));
  }
}

/** Skips a UTF-8 byte order mark and whitespace before the JSON value (JSON allows the whitespace; a BOM it does not). */
function withoutLeadingWhitespace(bytes: Buffer): Buffer {
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x0a || bytes[start] === 0x0d || bytes[start] === 0x09)) start += 1;
  return start === 0 ? bytes : bytes.subarray(start);
}
