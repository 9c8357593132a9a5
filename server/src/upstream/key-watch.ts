import type { SseItem } from './sse-events.js';

export const REDACTED = '[redacted]';
/** Events held back at most while a key may be forming across them; past this they go on (see `KeyWatch`). */
const MAX_HELD = 64;

type DataItem = Extract<SseItem, { kind: 'data' }>;

/** A string value of a held (or the current) event whose characters may begin a key that later events complete. */
interface Part {
  item: DataItem;
  /** The value's text inside its quotes in `item.data`. */
  start: number;
  end: number;
}

/** How far the text of one field (values under one key name, across events) has matched the key. */
interface Field {
  name: string;
  state: number;
  parts: Part[];
}

/**
 * Watches a stream's events for a secret that arrives in pieces: a model (or a proxy) that repeats the key token by
 * token puts it in the text a client joins from many events, where no single event holds it, or JSON-escaped
 * (`\u0073k-…`), where the bytes do not. Each string value's decoded text is matched against the secret, field by
 * field (values under the same key name continue one text across events, as a client joins `content` or
 * `arguments`). An event whose field ends in the secret's first `hold` characters or more is held back, with every
 * event after it, until the field goes on with something else (they go on as they came), completes the secret (its
 * characters are cut from the held events and the last becomes `[redacted]`) or can go on no more: an event with a
 * `finish_reason` ends every field (a request asks for one choice). Fewer than `hold` characters of the secret may
 * leave before it is known: `hold` is a quarter of the secret, at most 4 (see `holdFor`). Past `MAX_HELD` events the
 * held ones go on; the fields keep their place, so the rest of a secret that completes later is still cut.
 *
 * Made only for a secret of letters, digits and `-_.~`, which JSON writes only as themselves or as `\u` escapes.
 *
 * @example
 * const watch = new KeyWatch('0123456789abcdef0123456789abcdef');
 * const out: SseItem[] = [];
 * for (const item of items) watch.take(item, out);
 * watch.flush(out); // out: the items, with the secret cut wherever it formed
 */
export class KeyWatch {
  readonly #needle: string;
  readonly #failure: Int32Array;
  readonly hold: number;
  readonly #fields: Field[] = [];
  #held: SseItem[] = [];
  /** The item being scanned: its values may be rewritten like a held item's. */
  #current: DataItem | undefined;

  constructor(needle: string) {
    this.#needle = needle;
    this.#failure = failureTable(needle);
    this.hold = holdFor(needle.length);
  }

  /** Whether the watch can take this secret (see the class). */
  static accepts(secret: string): boolean {
    return /^[A-Za-z0-9._~-]+$/.test(secret);
  }

  /** True while events are held back: nothing may overtake them (a run of raw events included). */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  /**
   * Takes the stream's next item: `out` gets what may go on now, in order (nothing while it holds). `text`, for an
   * event the raw reader knows as a plain chunk, is where its one piece of text (`content`) lies in its data: only that
   * is read.
   */
  take(item: SseItem, out: SseItem[], text?: readonly [start: number, end: number]): void {
    if (item.kind === 'comment') {
      if (this.holding) this.#held.push(item);
      else out.push(item);
      return;
    }
    if (item.data === '[DONE]') {
      this.flush(out);
      out.push(item);
      return;
    }
    this.#current = item;
    // A plain chunk's text follows `"content":"`; after a cut the whole event is read again.
    if (!text || this.#matchValue(item, text[0] - CONTENT_KEY_TAIL, text[0] - 3, text[0], text[1], !hasUnicodeEscape(item.data, text[0], text[1]), true) >= 0) this.#scan(item);
    this.#current = undefined;
    // Looked for only while something forms: a finish ends the fields, and what they hold can go on.
    if (this.#forming() && !finishes(item.data)) {
      this.#held.push(item);
      if (this.#held.length < MAX_HELD) return;
      this.flush(out);
      return;
    }
    this.flush(out);
    out.push(item);
  }

  /**
   * Whether a field's text ends in the secret's first `hold` characters or more, in events not yet gone on: once they
   * went on (a finish, `MAX_HELD`), the field holds again only when it goes on.
   */
  #forming(): boolean {
    for (const field of this.#fields) if (field.state >= this.hold && field.parts.length > 0) return true;
    return false;
  }

  /**
   * Lets every held item go on (the stream or its text ended, or too many were held). The fields keep how far they
   * matched: what already went on can no longer be cut, but a secret that completes later still is, from there.
   */
  flush(out: SseItem[]): void {
    for (const field of this.#fields) field.parts = [];
    if (this.#held.length === 0) return;
    out.push(...this.#held);
    this.#held = [];
  }

  /**
   * For a run of raw events: advances the field `name` (a chat's `content` unless told) over the JSON string text of one
   * event (`bytes` from `start` to its closing quote at `end`) when that event may go on as it came, and says so; false
   * (nothing advanced) when it must be parsed and taken instead (it holds, or completes, a piece of the secret). A text
   * without the secret's first character or an escape, with nothing matched before it, passes after one look at each of
   * its bytes.
   */
  passesRaw(bytes: Buffer, start: number, end: number, name = 'content'): boolean {
    const field = this.#fieldNamed(name);
    const first = this.#needle.charCodeAt(0);
    let state = field?.state ?? 0;
    let candidate = state > 0;
    let escapes = false;
    for (let index = start; index < end; index += 1) {
      const byte = bytes[index];
      if (byte === 92 /* \ */) escapes = true;
      else if (byte === first) candidate = true;
    }
    if (!candidate && !escapes) return true;
    if (escapes) {
      const text = bytes.toString('latin1', start, end);
      state = this.#advance(text, 0, text.length, state, !text.includes('\\u'));
    } else {
      for (let index = start; index < end && state >= 0; index += 1) state = this.#step(state, bytes[index] as number);
    }
    if (state < 0 || state >= this.hold) return false;
    if (field) field.state = state;
    if (state === 0) this.#forget(field);
    else if (!field) this.#fields.push({ name, state, parts: [] });
    return true;
  }

  /** KMP's step: the state after `code`, or -1 when it completes the secret. */
  #step(state: number, code: number): number {
    const needle = this.#needle;
    let current = state;
    while (current > 0 && code !== needle.charCodeAt(current)) current = this.#failure[current - 1] as number;
    if (code === needle.charCodeAt(current)) current += 1;
    return current === needle.length ? -1 : current;
  }

  /**
   * Matches the string values of an event's data, rewriting the data where the secret completes. A match carries from
   * one value to the next only in the fields a client joins across events (`JOINED_FIELDS`); in an event without `\u`
   * escapes only those are read, from its `choices` on (every other value is whole in its event, where the search for
   * the secret's bytes finds it), while an event with escapes has every value decoded.
   */
  #scan(item: DataItem): void {
    const plain = item.data.indexOf('\\') === -1 || !item.data.includes('\\u');
    // Compact JSON (what OpenRouter sends; a writer writes every pair alike, so the first tells): a string value under
    // a key follows `":"`, so the joined ones are found without reading every string of the event.
    if (plain && compact(item.data)) {
      this.#scanPairs(item);
      return;
    }
    let keyStart = 0;
    let keyEnd = 0;
    let position = plain ? choicesStart(item.data) : 0;
    for (;;) {
      const data = item.data;
      const open = data.indexOf('"', position);
      if (open === -1) return;
      const start = open + 1;
      const end = closingQuote(data, start);
      if (end === -1) return;
      position = end + 1;
      if (followedByColon(data, position)) {
        keyStart = start;
        keyEnd = end;
        continue;
      }
      const joined = isJoinedField(data, keyStart, keyEnd);
      if (!joined && plain) continue;
      const moved = this.#matchValue(item, keyStart, keyEnd, start, end, plain, joined);
      if (moved < 0) continue;
      keyStart += moved;
      keyEnd += moved;
      position = start + moved - 1;
    }
  }

  /** `#scan` for compact JSON without `\u` escapes: each `"key":"value"` from `choices` on whose key is joined. */
  #scanPairs(item: DataItem): void {
    let position = choicesStart(item.data);
    for (;;) {
      const data = item.data;
      const colon = data.indexOf('":"', position);
      if (colon === -1) return;
      position = colon + 3;
      // Inside a string the quotes are escaped: not a key and its value.
      if (escaped(data, colon, 0)) continue;
      const keyStart = data.lastIndexOf('"', colon - 1) + 1;
      if (!isJoinedField(data, keyStart, colon)) continue;
      const end = closingQuote(data, position);
      if (end === -1) return;
      const moved = this.#matchValue(item, keyStart, colon, position, end, true, true);
      // After a cut, the value is read again from its (moved) start.
      position = moved < 0 ? end + 1 : colon + moved;
    }
  }

  /**
   * Advances the field of one string value (`item.data[start, end)`, under the key at `[keyStart, keyEnd)`): -1 when
   * nothing was cut, else how far the value moved (parts before it in the same event were cut) and it is to be read
   * again.
   */
  #matchValue(item: DataItem, keyStart: number, keyEnd: number, start: number, end: number, plain: boolean, joined: boolean): number {
    const data = item.data;
    let field = joined ? this.#fieldAt(data, keyStart, keyEnd) : undefined;
    if (field === undefined && plain) {
      const first = data.indexOf(this.#needle[0] as string, start);
      if (first === -1 || first >= end) return -1;
    }
    const state = this.#advance(data, start, end, field?.state ?? 0, plain);
    if (state === 0) {
      this.#forget(field);
      return -1;
    }
    if (state > 0) {
      // A piece at the end of a value no client joins to the next goes nowhere.
      if (!joined) return -1;
      field ??= this.#remember(data.slice(keyStart, keyEnd));
      field.state = state;
      field.parts.push({ item, start, end });
      return -1;
    }
    // The secret completed at `-state - 1`: cut it.
    const moved = this.#cut(field ?? { name: '', state: 0, parts: [] }, item, start, end, -state - 1);
    this.#forget(field);
    return moved;
  }

  /**
   * Advances `state` over the JSON string text `text[from, to)`, decoding escapes: the state after it, or `-(i + 1)`
   * when the secret completes at index `i` (the last character of its last escape). With `plain` (no `\u` escape in
   * the text) it skips to the secret's first character while nothing is matched.
   */
  #advance(text: string, from: number, to: number, state: number, plain: boolean): number {
    const needle = this.#needle;
    let current = state;
    for (let index = from; index < to; index += 1) {
      if (current === 0 && plain) {
        const next = text.indexOf(needle[0] as string, index);
        if (next === -1 || next >= to) return 0;
        // A letter of an escape (`\n`) is not itself: step past it when an odd run of backslashes leads to it.
        if (escaped(text, next, from)) {
          index = next;
          continue;
        }
        index = next;
      }
      let code = text.charCodeAt(index);
      if (code === 92 /* \ */) {
        const kind = text.charCodeAt(index + 1);
        if (kind === 117 /* u */) {
          code = Number.parseInt(text.slice(index + 2, index + 6), 16);
          index += 5;
        } else {
          code = kind === 47 /* / */ ? 47 : 0;
          index += 1;
        }
      }
      current = this.#step(current, code);
      if (current < 0) return -(index + 1);
    }
    return current;
  }

  /**
   * Cuts a completed secret: in the value `item.data[start, end)` up to index `last`, and the characters before it
   * from the field's held parts, latest first; the value keeps `[redacted]` where it was. How far the value moved
   * (the parts cut before it in the same item).
   */
  #cut(field: Field, item: DataItem, start: number, end: number, last: number): number {
    const value = decodeString(item.data, start, last + 1);
    const kept = value.slice(0, Math.max(0, value.length - this.#needle.length));
    this.#splice(item, start, end, kept + REDACTED + decodeString(item.data, last + 1, end));
    let moved = 0;
    let remaining = Math.max(0, this.#needle.length - value.length);
    for (let index = field.parts.length - 1; index >= 0 && remaining > 0; index -= 1) {
      const part = field.parts[index] as Part;
      if (part.item !== this.#current && !this.#held.includes(part.item)) break;
      const text = decodeString(part.item.data, part.start, part.end);
      const cut = Math.min(remaining, text.length);
      remaining -= cut;
      const shift = this.#splice(part.item, part.start, part.end, text.slice(0, text.length - cut));
      if (part.item === item && part.start < start) moved += shift;
    }
    return moved;
  }

  /**
   * Writes `value` as the JSON string text `item.data[start, end)`, and moves the parts after it in the same item;
   * how far they moved.
   */
  #splice(item: DataItem, start: number, end: number, value: string): number {
    const written = JSON.stringify(value).slice(1, -1);
    item.data = item.data.slice(0, start) + written + item.data.slice(end);
    const shift = written.length - (end - start);
    for (const field of this.#fields) {
      for (const part of field.parts) {
        if (part.item === item && part.start >= end) {
          part.start += shift;
          part.end += shift;
        } else if (part.item === item && part.start === start) part.end = start + written.length;
      }
    }
    return shift;
  }

  #fieldAt(data: string, keyStart: number, keyEnd: number): Field | undefined {
    const length = keyEnd - keyStart;
    for (const field of this.#fields) if (field.name.length === length && data.startsWith(field.name, keyStart)) return field;
    return undefined;
  }

  #fieldNamed(name: string): Field | undefined {
    for (const field of this.#fields) if (field.name === name) return field;
    return undefined;
  }

  #remember(name: string): Field {
    const field: Field = { name, state: 0, parts: [] };
    this.#fields.push(field);
    return field;
  }

  #forget(field: Field | undefined): void {
    if (field === undefined) return;
    const index = this.#fields.indexOf(field);
    if (index !== -1) this.#fields.splice(index, 1);
  }
}

/**
 * The fields whose values a client joins across a stream's events: message text, reasoning (and its details' text and
 * summaries), refusals, tool-call arguments, audio transcripts; and in the typed streams, a Responses API delta's text
 * (`delta`, a string there, where a chat chunk's `delta` is an object) and a Messages API delta's thinking and tool
 * input (`thinking`, `partial_json`; its text is `text`).
 */
const JOINED_FIELDS = ['content', 'reasoning', 'refusal', 'arguments', 'text', 'summary', 'transcript', 'delta', 'thinking', 'partial_json'];

function isJoinedField(data: string, start: number, end: number): boolean {
  const length = end - start;
  for (const name of JOINED_FIELDS) if (name.length === length && data.startsWith(name, start)) return true;
  return false;
}

/**
 * How many of a secret's first characters a field's text must end in for its event to be held: a quarter of the
 * secret, at least 1 and at most 4. Fewer may leave before the secret is known, so less than a quarter of it (3 of a
 * 64-character key's); more would hold more often: text ends in a secret's first character often (the emulator's
 * `emulator-key`: any text ending in `e`), in its first three rarely.
 * @example
 * holdFor(64); // 4
 * holdFor('emulator-key'.length); // 3
 */
export function holdFor(length: number): number {
  return Math.min(4, Math.max(1, Math.floor(length / 4)));
}

/**
 * Whether an event finishes its choice (a `finish_reason` that is a string, not `null`): after it no field goes on.
 * Found as a key, so text that spells one (its quotes escaped) is no finish.
 */
function finishes(data: string): boolean {
  for (let at = data.indexOf('"finish_reason"'); at !== -1; at = data.indexOf('"finish_reason"', at + 1)) {
    if (escaped(data, at, 0)) continue;
    let position = at + '"finish_reason"'.length;
    while (isSpace(data.charCodeAt(position))) position += 1;
    if (data.charCodeAt(position) !== 58 /* : */) continue;
    position += 1;
    while (isSpace(data.charCodeAt(position))) position += 1;
    return data.charCodeAt(position) === 34 /* " */;
  }
  return false;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** From the start of `content` to the start of its value: `content":"`. */
const CONTENT_KEY_TAIL = 'content":"'.length;

/** Whether the text `[from, to)` holds a `\u` escape. */
function hasUnicodeEscape(text: string, from: number, to: number): boolean {
  const at = text.indexOf('\\u', from);
  return at !== -1 && at < to;
}

/** Whether an object's first key is followed by its colon and then its value, with no space between. */
function compact(data: string): boolean {
  const keyEnd = closingQuote(data, data.indexOf('"') + 1);
  return keyEnd > 0 && data.charCodeAt(keyEnd + 1) === 58 /* : */ && data.charCodeAt(keyEnd + 2) !== 32;
}

/** Where an event's `choices` starts (0 when it has none, or the text found is inside a string). */
function choicesStart(data: string): number {
  // Searched from its first letter (a quote is everywhere in JSON), and checked for the quote before it.
  const at = data.indexOf('choices":') - 1;
  return at > 0 && data.charCodeAt(at) === 34 && !escaped(data, at, 0) ? at : 0;
}

/** KMP's table: for each prefix of `needle`, the length of its longest proper prefix that is also its suffix. */
function failureTable(needle: string): Int32Array {
  const table = new Int32Array(needle.length);
  let length = 0;
  for (let index = 1; index < needle.length; index += 1) {
    while (length > 0 && needle[index] !== needle[length]) length = table[length - 1] as number;
    if (needle[index] === needle[length]) length += 1;
    table[index] = length;
  }
  return table;
}

/** The index of the quote that closes the JSON string whose text starts at `from`, or -1. */
export function closingQuote(text: string, from: number): number {
  for (let quote = text.indexOf('"', from); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    if (!escaped(text, quote, from)) return quote;
  }
  return -1;
}

/** Whether the character at `index` follows an odd run of backslashes (which starts no earlier than `from`). */
function escaped(text: string, index: number, from: number): boolean {
  let backslashes = 0;
  for (let at = index - 1; at >= from && text.charCodeAt(at) === 92; at -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

/** Whether a colon (after spaces) comes at `from`: the string before it was an object's key. */
function followedByColon(text: string, from: number): boolean {
  let at = from;
  while (at < text.length && isSpace(text.charCodeAt(at))) at += 1;
  return text.charCodeAt(at) === 58 /* : */;
}

/** The text a JSON string's escaped text `text[from, to)` stands for. */
function decodeString(text: string, from: number, to: number): string {
  return JSON.parse(`"${text.slice(from, to)}"`) as string;
}
