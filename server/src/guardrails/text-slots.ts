import { isRecord } from '../records.js';
import type { OutgoingRequest } from '../gateway/metered-request.js';

/** One piece of text a request sends (or an answer holds), which a guardrail reads and may replace in place. */
export interface TextSlot {
  text: string;
  /**
   * How a redaction may rewrite it: `text` as it is; `json` only inside the strings of the JSON it holds (tool-call
   * arguments, which must stay JSON); `none` when a rewrite would void it (reasoning its provider signed), so a
   * match there is refused instead.
   */
  rewrite: 'text' | 'json' | 'none';
  replace(text: string): void;
}

type Json = Record<string, unknown>;

/** A slot for `holder[key]` when it is a non-empty string. */
function slotAt(slots: TextSlot[], holder: Json, key: string, rewrite: TextSlot['rewrite'] = 'text'): void {
  const text = holder[key];
  if (typeof text === 'string' && text !== '') slots.push({ text, rewrite, replace: (replacement) => (holder[key] = replacement) });
}

/** The slots of `holder.content`: the string, or the `text` of each of its parts. */
function contentSlots(holder: Json, slots: TextSlot[]): void {
  const content = holder['content'];
  if (typeof content === 'string') slotAt(slots, holder, 'content');
  else if (Array.isArray(content)) for (const part of content) if (isRecord(part)) slotAt(slots, part, 'text');
}

/**
 * The texts of one chat message the model reads (or the client reads, for an answer): its content (a string or
 * text parts), its reasoning (`reasoning`, and the text or summary of each `reasoning_details` entry; a signed one
 * cannot be rewritten) and the arguments of its tool calls.
 * @example
 * messageSlots({ role: 'assistant', content: null, tool_calls: [{ function: { name: 'f', arguments: '{"q":"x"}' } }] }); // one `json` slot
 */
export function messageSlots(message: Json, slots: TextSlot[] = []): TextSlot[] {
  contentSlots(message, slots);
  slotAt(slots, message, 'reasoning');
  const details = message['reasoning_details'];
  if (Array.isArray(details)) {
    for (const detail of details) {
      if (!isRecord(detail)) continue;
      const rewrite = typeof detail['signature'] === 'string' && detail['signature'] !== '' ? 'none' : 'text';
      slotAt(slots, detail, 'text', rewrite);
      slotAt(slots, detail, 'summary', rewrite);
    }
  }
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) for (const call of calls) if (isRecord(call) && isRecord(call['function'])) slotAt(slots, call['function'], 'arguments', 'json');
  return slots;
}

/** The prose of a JSON schema the model reads: each `description` and `title` string, at any depth. */
function schemaSlots(schema: unknown, slots: TextSlot[]): void {
  const pending = [schema];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Array.isArray(value)) for (const item of value as unknown[]) pending.push(item);
    else if (isRecord(value)) {
      for (const [key, field] of Object.entries(value)) {
        if (typeof field === 'string') {
          if (key === 'description' || key === 'title') slotAt(slots, value, key);
        } else if (typeof field === 'object' && field !== null) pending.push(field);
      }
    }
  }
}

/**
 * The texts a request sends that came from the client: each message's text (see `messageSlots`: content, reasoning
 * handed back, tool-call arguments), the descriptions of its function tools and of their parameters, and of a
 * `json_schema` response format, and a predicted output (`prediction.content`, which the model reads as the answer
 * it is likely to give); each embeddings input; an image prompt. The feature's own system prompt is left out: it is
 * the server's, not the client's. So are `metadata`, `session_id`, `trace` and `user`: labels OpenRouter keeps for
 * its logs and never shows the model; and `web_search_options`, settings of the search, not text of the prompt.
 */
export function textSlotsOf(request: OutgoingRequest): { slots: TextSlot[]; messageCount: number } {
  const slots: TextSlot[] = [];
  const body = request.body;
  if (request.kind === 'images') {
    slotAt(slots, body, 'prompt');
    return { slots, messageCount: 0 };
  }
  if (request.kind === 'embeddings') {
    const input = body['input'];
    if (typeof input === 'string') slots.push({ text: input, rewrite: 'text', replace: (text) => (body['input'] = text) });
    else if (Array.isArray(input)) {
      input.forEach((item, index) => {
        if (typeof item === 'string') slots.push({ text: item, rewrite: 'text', replace: (text) => (input[index] = text) });
      });
    }
    return { slots, messageCount: 0 };
  }
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Json[]) : [];
  const systemPrompt = request.feature?.systemPrompt;
  let messageCount = 0;
  messages.forEach((message, index) => {
    if (index === 0 && systemPrompt && message['role'] === 'system' && message['content'] === systemPrompt) return;
    messageCount += 1;
    if (isRecord(message)) messageSlots(message, slots);
  });
  const tools = Array.isArray(body['tools']) ? (body['tools'] as unknown[]) : [];
  for (const tool of tools) {
    if (!isRecord(tool) || !isRecord(tool['function'])) continue;
    slotAt(slots, tool['function'], 'description');
    schemaSlots(tool['function']['parameters'], slots);
  }
  const format = body['response_format'];
  if (isRecord(format) && isRecord(format['json_schema'])) {
    slotAt(slots, format['json_schema'], 'description');
    schemaSlots(format['json_schema']['schema'], slots);
  }
  if (isRecord(body['prediction'])) contentSlots(body['prediction'], slots);
  return { slots, messageCount };
}

/** Parses a JSON text, or undefined when it is not JSON. */
function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** Visits each string of a parsed JSON value (keys too when asked), without recursion; `map` may replace a value. */
function eachString(root: { value: unknown }, visit: (text: string) => string | undefined, withKeys: boolean): void {
  const pending: Array<Json | unknown[]> = [];
  const take = (holder: Json | unknown[] | { value: unknown }, key: string | number) => {
    const field = (holder as Record<string | number, unknown>)[key];
    if (typeof field === 'string') {
      const replacement = visit(field);
      if (replacement !== undefined) (holder as Record<string | number, unknown>)[key] = replacement;
    } else if (typeof field === 'object' && field !== null) pending.push(field as Json | unknown[]);
  };
  take(root, 'value');
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (Array.isArray(value)) for (let index = 0; index < value.length; index++) take(value, index);
    else {
      for (const key of Object.keys(value)) {
        if (withKeys) visit(key);
        take(value, key);
      }
    }
  }
}

/**
 * The strings (keys and values) a JSON text decodes to, or undefined when it is not JSON: what a model or a tool
 * reads of tool-call arguments, where an escape (`\u0040`) may hide a match from the raw text.
 * @example
 * jsonStrings('{"to":"ada\\u0040example.com"}'); // ['to', 'ada@example.com']
 */
export function jsonStrings(text: string): string[] | undefined {
  const parsed = parseJson(text);
  if (!parsed) return undefined;
  const strings: string[] = [];
  eachString(parsed, (string) => void strings.push(string), true);
  return strings;
}

/**
 * A JSON text with each string value rewritten (keys kept), serialized again, so it stays JSON; undefined when the
 * text is not JSON (or nested too deep to serialize again).
 * @example
 * mapJsonStrings('{"q": "ada@example.com"}', (text) => text.replace('ada@example.com', '[REDACTED_EMAIL]')); // '{"q":"[REDACTED_EMAIL]"}'
 */
export function mapJsonStrings(text: string, map: (text: string) => string): string | undefined {
  const parsed = parseJson(text);
  if (!parsed) return undefined;
  eachString(parsed, map, false);
  try {
    return JSON.stringify(parsed.value);
  } catch {
    return undefined;
  }
}

/** A run of the decoded text of one JSON string; `opens` when the string starts with it. */
export interface DecodedText {
  text: string;
  opens: boolean;
  /** The string has held an escape so far: only then can its decoded text differ from the raw text. */
  escaped: boolean;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** What an escape sequence (from its backslash) decodes to, or undefined while it is incomplete. */
function decodeEscape(sequence: string): string | undefined {
  const kind = sequence[1];
  if (kind === undefined) return undefined;
  if (kind !== 'u') return SIMPLE_ESCAPES[kind] ?? kind;
  if (sequence.length < 6) return undefined;
  const hex = sequence.slice(2);
  return /^[0-9a-f]{4}$/i.test(hex) ? String.fromCharCode(Number.parseInt(hex, 16)) : sequence;
}

const STRING_STOP = /["\\]/g;

/**
 * Decodes the strings (keys and values) of a JSON text that comes in pieces (streamed tool-call arguments), as a
 * client that joins and parses it will read them; an escape split across pieces is decoded once it is whole. What
 * lies between strings (syntax, numbers) is skipped.
 * @example
 * const decoder = new JsonStringDecoder();
 * decoder.write('{"to":"ada\\u00'); // [{ text: 'to', opens: true, … }, { text: 'ada', opens: true, escaped: true }]
 * decoder.write('40example.com"}'); // [{ text: '@example.com', opens: false, escaped: true }]
 */
export class JsonStringDecoder {
  #inString = false;
  #escaped = false;
  /** The escape sequence read so far (from its backslash), or '' outside one. */
  #escape = '';

  write(piece: string): DecodedText[] {
    const runs: DecodedText[] = [];
    let run: DecodedText | undefined = this.#inString ? { text: '', opens: false, escaped: this.#escaped } : undefined;
    if (run) runs.push(run);
    let at = 0;
    while (at < piece.length) {
      if (!run) {
        const quote = piece.indexOf('"', at);
        if (quote < 0) break;
        at = quote + 1;
        this.#inString = true;
        this.#escaped = false;
        runs.push((run = { text: '', opens: true, escaped: false }));
      } else if (this.#escape !== '') {
        this.#escape += piece[at++];
        const decoded = decodeEscape(this.#escape);
        if (decoded === undefined) continue;
        run.text += decoded;
        this.#escape = '';
      } else {
        STRING_STOP.lastIndex = at;
        const stop = STRING_STOP.exec(piece)?.index ?? piece.length;
        run.text += piece.slice(at, stop);
        at = stop + 1;
        if (stop === piece.length) break;
        if (piece[stop] === '"') {
          this.#inString = false;
          run = undefined;
        } else {
          this.#escape = '\\';
          this.#escaped = run.escaped = true;
        }
      }
    }
    return runs.filter((decoded) => decoded.opens || decoded.text !== '');
  }
}
