// What can go wrong (or deliberately odd) in the mock gateway, and the gateway's own error answers for it.
import { errorBody, GATEWAY_ERROR_STATUS, type GatewayErrorCode } from '@insforge/ai-protocol';

/**
 * A behaviour of the mock gateway, chosen for a whole instance (`scenario`, `scenarios`) or for one request by a
 * `[mock:NAME]` marker in the last user message or the image prompt.
 *
 * - `ok`: normal answers.
 * - `markdown`: a markdown-rich answer (headings, lists, a GFM table, a code block, a link); also chosen when the
 *   message mentions "markdown" or "table".
 * - `hostile`: an answer carrying `<script>`, `<img onerror>`, `javascript:` links and raw HTML.
 * - `stall`: the answer starts, then never finishes until aborted (a "streaming" state that holds still).
 * - `mid-stream-error`: half an answer, then the gateway's `upstream_stream_truncated` error event.
 * - `unauthorized` (401), `quota-exceeded` (402), `rate-limited` (429 with Retry-After), `upstream-auth` (502,
 *   the OpenRouter key was rejected), `upstream-unavailable` (502 upstream_error), `forbidden` (403).
 * - `version-conflict`: configuration writes answer 409 with the saved version in `x-current-version`.
 * - `offline`: `fetch` rejects with a TypeError, as a browser does when the network is down.
 */
export type MockScenario =
  | 'ok'
  | 'markdown'
  | 'hostile'
  | 'stall'
  | 'mid-stream-error'
  | 'unauthorized'
  | 'forbidden'
  | 'quota-exceeded'
  | 'rate-limited'
  | 'upstream-auth'
  | 'upstream-unavailable'
  | 'version-conflict'
  | 'offline';

export const MOCK_SCENARIOS: readonly MockScenario[] = [
  'ok',
  'markdown',
  'hostile',
  'stall',
  'mid-stream-error',
  'unauthorized',
  'forbidden',
  'quota-exceeded',
  'rate-limited',
  'upstream-auth',
  'upstream-unavailable',
  'version-conflict',
  'offline',
];

/** The route families a scenario can be set for separately. */
export type RouteFamily = 'chat' | 'images' | 'models' | 'admin';

const MARKER = /\[mock:([a-z-]+)\]/i;

/**
 * The scenario a `[mock:NAME]` marker in a text asks for, if any.
 *
 * @example
 * scenarioOfText('Hello [mock:rate-limited]') // 'rate-limited'
 */
export function scenarioOfText(text: string): MockScenario | undefined {
  const name = MARKER.exec(text)?.[1]?.toLowerCase();
  return MOCK_SCENARIOS.find((scenario) => scenario === name);
}

/** A text without its `[mock:…]` markers, as a model would "see" it. */
export const withoutMarkers = (text: string) => text.replace(new RegExp(MARKER.source, 'gi'), '').replace(/\s{2,}/g, ' ').trim();

export interface ErrorAnswer {
  code: GatewayErrorCode;
  message: string;
  param?: string;
  headers?: Record<string, string>;
}

/** True for an ErrorAnswer (what a mock store returns instead of throwing): a `code` of the gateway's. */
export function isErrorAnswer(value: unknown): value is ErrorAnswer {
  const code = (value as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(GATEWAY_ERROR_STATUS, code) && typeof (value as { message?: unknown }).message === 'string';
}

/** An error answer as a Response: its real status, JSON body and headers (Retry-After, x-current-version). */
export function errorResponse({ code, message, param, headers }: ErrorAnswer): Response {
  return new Response(JSON.stringify(errorBody(code, message, { param: param ?? null })), {
    status: GATEWAY_ERROR_STATUS[code],
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The error a failure scenario answers before any work, or undefined when the scenario lets the request through. */
export function scenarioError(scenario: MockScenario, retryAfterSeconds: number): ErrorAnswer | undefined {
  switch (scenario) {
    case 'unauthorized':
      return { code: 'unauthorized', message: 'Missing or invalid credentials: send a client key or a session token.' };
    case 'forbidden':
      return { code: 'forbidden', message: 'Your role may not call this feature.' };
    case 'quota-exceeded':
      return { code: 'quota_exceeded', message: 'The monthly spend limit of this project ($100.00) is reached; it resets on the 1st.' };
    case 'rate-limited':
      return {
        code: 'rate_limit_exceeded',
        message: `Too many requests: the limit is 60 a minute. Try again in ${retryAfterSeconds} seconds.`,
        headers: { 'retry-after': String(retryAfterSeconds) },
      };
    case 'upstream-auth':
      return { code: 'upstream_auth', message: 'OpenRouter rejected the project key: an admin must replace it.' };
    case 'upstream-unavailable':
      return { code: 'upstream_error', message: 'The model provider is unavailable right now.' };
    default:
      return undefined;
  }
}
