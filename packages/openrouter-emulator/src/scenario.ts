import { JSON_DEFECTS, type JsonDefect } from './content/json-defects.js';
import type { Tokenizer } from './content/tokens.js';

/**
 * A scenario says how the emulator answers one request: its pace, its usage form, and the faults to inject.
 * It can be chosen per request with the `X-Emulator-Scenario` header, a `#knobs` suffix on the model id, or a
 * rule registered through the programmatic or HTTP control API; see the package README for the knob table.
 */
export interface Scenario {
  /** Milliseconds before the first token (and, for JSON responses, part of the total time). */
  ttftMs?: number;
  /** Tokens per second after the first; 0 or absent means as fast as the socket takes them. */
  tokensPerSecond?: number;
  /** While waiting, send `: OPENROUTER PROCESSING` every this many milliseconds. */
  keepAliveMs?: number;
  /** Also send a keep-alive comment after every N events. */
  commentEvery?: number;
  /** Form A: usage in a separate last chunk with one empty choice; form B: a last chunk with `choices: []`. */
  usageForm?: 'a' | 'b';
  /** How many tokens the reply has before `max_tokens` cuts it. */
  replyTokens?: number;
  /** Answer with this HTTP status before generating (429, 502, 503, 408, 500, 524, 529, 413, 422). */
  failStatus?: number;
  /** For a header or model-suffix scenario: fail only the first N requests that carry it, then succeed. */
  failTimes?: number;
  /** Names the counter `times` counts against, so tests using the same knobs count apart. */
  counterId?: string;
  /** `Retry-After` seconds on 429/503. */
  retryAfterSeconds?: number;
  /** Send an error event after N content chunks. */
  errorAfter?: number;
  /** The `error.code` of a mid-stream error or of a 200-with-error-body. */
  errorCode?: number;
  /** Whether `data: [DONE]` follows a mid-stream error. */
  doneAfterError?: boolean;
  /** Destroy the TCP connection after N content chunks, with no `[DONE]`. */
  dropAfter?: number;
  /** Answer 200 with an error in the body (JSON) or as the first event (SSE). */
  errorBody?: boolean;
  /** Stall (send no bytes at all) for this many milliseconds. */
  stallMs?: number;
  /** Stall after N content chunks instead of before the response starts. */
  stallAfter?: number;
  /** Bill a cancelled generation for the tokens already produced, or for the full response. */
  cancelBilling?: 'sent' | 'full';
  /** Milliseconds after the end of a generation before `GET /generation` finds it. */
  generationDelayMs?: number;
  /** Serve from this provider (display name) instead of the model's first one. */
  provider?: string;
  /** Send `error.code` as a string (`"server_error"`), as older responses did. */
  stringErrorCode?: boolean;
  /** Refuse the input as flagged by moderation (403). */
  moderation?: boolean;
  /** Reasoning tokens to produce when reasoning is on. */
  reasoningTokens?: number;
  /**
   * Answer 200 with a body that is not OpenRouter's (an upstream that lies): `{}`, `[1,2,3]`, `null`, or text that
   * is not JSON. JSON requests only; nothing is billed.
   */
  malformed?: 'object' | 'array' | 'null' | 'text';
  /**
   * Error messages repeat the request's `Authorization` header, as a careless upstream would: for testing that a
   * gateway never lets its key reach a client.
   */
  echoAuth?: boolean;
  /** Filled in from the request when `echoAuth` is on. */
  echoedAuthorization?: string;
  /**
   * Break the JSON of a structured answer (`response_format` `json_object` or `json_schema`) as a model that slips
   * does: what OpenRouter's response-healing plugin repairs in a non-streamed answer.
   */
  brokenJson?: JsonDefect;
  /**
   * The tools an answer calls when the request offers some, lets the model choose (`tool_choice` `auto` or absent)
   * and the user's message names none: the first tool (`first`, the default, so a test always sees a call), or none
   * (`mentioned`: a model that calls a tool only when asked for it, as a demo wants).
   */
  toolCalls?: 'first' | 'mentioned';
  /**
   * How prompt text is counted (chat, embeddings, image prompts): `words` (the default, about four characters a
   * token) or `bytes` (a token per UTF-8 byte, the most a byte-level tokenizer makes: Chinese or Japanese text, emoji).
   */
  tokenizer?: Tokenizer;
  /**
   * Characters in each token of the answer and its reasoning, for a model whose tokens are long (runs of spaces, long
   * words): the same number of tokens then carries that much more text.
   */
  tokenCharacters?: number;
  /**
   * Searches a model makes with the `openrouter:web_search` server tool in one request (1 by default), each billed, as
   * OpenRouter bounds them: no more than the tool's `max_uses` (ignored by a model's own engine, but Anthropic's) and
   * no more results than its `max_total_results` (50 by default).
   */
  searches?: number;
}

export class ScenarioError extends Error {}

type Knob = { [K in keyof Scenario]-?: readonly [K, (value: string) => Scenario[K]] }[keyof Scenario];

function integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `≥ ${min} and ≤ ${max}`;
      throw new ScenarioError(`scenario knob "${name}" needs an integer ${range}, got "${value}"`);
    }
    return parsed;
  };
}

function flag(name: string): (value: string) => boolean {
  return (value) => {
    if (['', '1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw new ScenarioError(`scenario knob "${name}" is a switch (1/0), got "${value}"`);
  };
}

function oneOf<T extends string>(name: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new ScenarioError(`scenario knob "${name}" is one of ${values.join('|')}, got "${value}"`);
  };
}

/** The knob names of the string form, e.g. `ttft=200;tps=50;error-after=5`. */
const KNOBS: Record<string, Knob> = {
  ttft: ['ttftMs', integer('ttft')],
  tps: ['tokensPerSecond', integer('tps')],
  keepalive: ['keepAliveMs', integer('keepalive', 1)],
  'comment-every': ['commentEvery', integer('comment-every', 1)],
  usage: ['usageForm', oneOf('usage', ['a', 'b'] as const)],
  tokens: ['replyTokens', integer('tokens', 1)],
  // An HTTP error status: Node refuses to write one past 599 (past 999 it throws, which took the emulator down).
  status: ['failStatus', integer('status', 400, 599)],
  times: ['failTimes', integer('times', 1)],
  id: ['counterId', (value: string) => value],
  'retry-after': ['retryAfterSeconds', integer('retry-after')],
  'error-after': ['errorAfter', integer('error-after')],
  'error-code': ['errorCode', integer('error-code', 400)],
  'error-done': ['doneAfterError', flag('error-done')],
  'drop-after': ['dropAfter', integer('drop-after')],
  'error-body': ['errorBody', flag('error-body')],
  stall: ['stallMs', integer('stall')],
  'stall-after': ['stallAfter', integer('stall-after')],
  'cancel-billing': ['cancelBilling', oneOf('cancel-billing', ['sent', 'full'] as const)],
  'generation-delay': ['generationDelayMs', integer('generation-delay')],
  provider: ['provider', (value: string) => value],
  'string-code': ['stringErrorCode', flag('string-code')],
  moderation: ['moderation', flag('moderation')],
  reasoning: ['reasoningTokens', integer('reasoning')],
  malformed: ['malformed', oneOf('malformed', ['object', 'array', 'null', 'text'] as const)],
  'echo-auth': ['echoAuth', flag('echo-auth')],
  'broken-json': ['brokenJson', oneOf('broken-json', JSON_DEFECTS)],
  'tool-calls': ['toolCalls', oneOf('tool-calls', ['first', 'mentioned'] as const)],
  tokenizer: ['tokenizer', oneOf('tokenizer', ['words', 'bytes'] as const)],
  'token-chars': ['tokenCharacters', integer('token-chars', 1)],
  searches: ['searches', integer('searches', 1)],
};

/** The knob names accepted in the string form, for documentation and error messages. */
export const SCENARIO_KNOBS = Object.keys(KNOBS);

/**
 * Parses `ttft=200;tps=50` (`;` or `,` between knobs, a bare name for a switch).
 * @throws ScenarioError naming the bad knob.
 */
export function parseScenario(text: string): Scenario {
  const scenario: Record<string, unknown> = {};
  for (const part of text.split(/[;,&]/)) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const [name = '', ...rest] = trimmed.split('=');
    const knob = KNOBS[name.trim().toLowerCase()];
    if (!knob) throw new ScenarioError(`unknown scenario knob "${name}"; known: ${SCENARIO_KNOBS.join(', ')}`);
    scenario[knob[0]] = knob[1](rest.join('=').trim());
  }
  return scenario as Scenario;
}

/** Splits `openai/gpt-4o#ttft=200` into the model id and its scenario text. */
export function splitModelScenario(model: string): { model: string; scenario: string | undefined } {
  const at = model.indexOf('#');
  return at < 0 ? { model, scenario: undefined } : { model: model.slice(0, at), scenario: model.slice(at + 1) };
}

/** An error message, with the request's Authorization header repeated when the `echo-auth` knob asks for it. */
export function errorMessage(message: string, scenario: Scenario): string {
  return scenario.echoAuth && scenario.echoedAuthorization ? `${message} (request sent with Authorization: ${scenario.echoedAuthorization})` : message;
}
