import { isUtf8 } from 'node:buffer';
import type { KeyWatch } from '../upstream/key-watch.js';
import type { RawEvents } from '../upstream/sse-events.js';
import { scanUtf8String, type ScannedText } from './stream-chunk-scan.js';

/**
 * One event of a typed stream found in the upstream's bytes, framed as the gateway would write it once parsed
 * (`event: <type>`, then a one-line `data:` whose JSON starts with that type): the reader of its API says whether it
 * may leave as it came (`TypedEventReader.plain`). One object serves a whole run: it is valid during the call only.
 */
export interface RawTypedEvent {
  bytes: Buffer;
  type: string;
  /** Its JSON's first and past-last byte. */
  from: number;
  to: number;
  /** The sent key's watch (see `KeyWatch.passesRaw`), when the request's key is looked for in what leaves. */
  watch: KeyWatch | undefined;
  /** The first event of a run: what the reader noted of an earlier run that did not leave is forgotten. */
  first: boolean;
  /**
   * Set by the reader for an event it takes: its one text's first byte and closing quote, and the digits of a number
   * after the text that may differ from one such event to the next (a sequence number; -1 for none) and its value.
   * Read back for an event like the last one taken but for these (`PlainTypedEvents.plainAgain`).
   */
  textStart: number;
  textEnd: number;
  numberStart: number;
  numberEnd: number;
  number: number;
}

/** How the reader of a typed stream's API takes events as they came (part of `TypedEventReader`). */
export interface PlainTypedEvents {
  /**
   * When nothing taps the answer: takes an event that may leave as the bytes that came, unparsed (framed as it would
   * be sent once parsed), noting what `read` and `write` would of it; returns its characters of answer text (more than
   * 0), or undefined when it must be parsed instead. What it notes counts once its run left (`plainForwarded`): a run
   * may be looked at and then parsed after all. Absent, every event is parsed.
   */
  plain?(event: RawTypedEvent): number | undefined;
  /**
   * Takes (true) an event that is the last one `plain` took but for its text and its number (the same bytes before the
   * text, and after it but for the number): its text (`textStart`, `textEnd`), number and `characters` are the event's.
   */
  plainAgain?(event: RawTypedEvent, characters: number): boolean;
  /** The run of events `plain` last took left as they came. */
  plainForwarded?(): void;
}

/** Where a typed stream sends the runs of events its reader took as they came. */
export interface RawTypedEventSink {
  /** False until the first event was parsed and sent: before it, a failure is still retried. */
  readonly forwarding: boolean;
  forwardRaw(bytes: Buffer, characters: number): void;
  caughtUp(): Promise<void> | undefined;
}

const EVENT = Buffer.from('event: ');
const DATA_TYPE = Buffer.from('\ndata: {"type":"');
/** The longest event name looked at (the Responses API's longest is 44 bytes). */
const MAX_TYPE_LENGTH = 96;

/**
 * The runs of events a typed stream with nothing to tap forwards as they came (`readSseBatches`'s `raw`): those its
 * reader takes, each of them read from the bytes, unparsed (their answer text counted, what the record needs kept).
 * Every other event — the first, those that carry usage, the model or an error, anything framed otherwise — is parsed.
 * A run is scanned without a copy or a string per event. Most of a run is one event over and over with other text (and
 * another sequence number): such an event is found by comparing its bytes with the last one taken (`#takeAgain`), as a
 * chat stream's plain chunks are (`PlainChunks`). Any other is read field by field, its name compared with the last
 * one's bytes, and the searches for a field (`ByteSearch`) going on from where the last event's found the next.
 */
export class RawTypedEvents implements RawEvents {
  /** The last event name seen, as bytes and as text: a stream's runs are one name over and over. */
  #typeBytes: Buffer | undefined;
  #type = '';
  readonly #event: RawTypedEvent = { bytes: EMPTY, type: '', from: 0, to: 0, watch: undefined, first: true, textStart: 0, textEnd: 0, numberStart: -1, numberEnd: -1, number: -1 };
  /**
   * The last event taken whole, in the read the run scans: its start, text, number and end. The next is looked for as
   * the same bytes around other text and another number first (`#takeAgain`), a few comparisons instead of a scan.
   */
  readonly #template = { start: -1, dataStart: 0, textStart: 0, textEnd: 0, numberStart: -1, numberEnd: -1, end: 0 };
  readonly #text: ScannedText = { length: 0, quote: 0 };

  constructor(
    private readonly reader: PlainTypedEvents,
    private readonly sink: RawTypedEventSink,
  ) {}

  /**
   * True until the first event was sent: the events parsed so far are handed on before the next run is looked for, so
   * the rest of the read that brought the first event may leave as it came once it was sent.
   */
  get learning(): boolean {
    return !this.sink.forwarding;
  }

  run(bytes: Buffer, from: number, watch?: KeyWatch): { end: number; count: number } {
    if (!this.sink.forwarding) return { end: from, count: 0 };
    forgetSearches();
    const event = this.#event;
    event.bytes = bytes;
    event.watch = watch;
    event.first = true;
    const template = this.#template;
    template.start = -1;
    let position = from;
    let count = 0;
    for (;;) {
      let characters = template.start === -1 ? undefined : this.#takeAgain(bytes, position);
      if (characters === undefined) {
        characters = this.#take(bytes, position);
        if (characters === undefined) break;
        // A reader that says where the text is (and reads such events again) makes the event the next one's template.
        template.start = event.textStart === -1 || !this.reader.plainAgain ? -1 : position;
        template.dataStart = event.from;
        template.textStart = event.textStart;
        template.textEnd = event.textEnd;
        template.numberStart = event.numberStart;
        template.numberEnd = event.numberEnd;
        template.end = event.to + 2;
      }
      position = event.to + 2;
      count += characters;
      event.first = false;
    }
    // Neither the read nor the watch stays with the stream between reads.
    event.bytes = EMPTY;
    event.watch = undefined;
    forgetSearches();
    // Bytes that are not UTF-8 are left to the decoder (which replaces them), so they never leave as they came.
    if (position === from || !isUtf8(bytes.subarray(from, position))) return { end: from, count: 0 };
    return { end: position, count };
  }

  /** One look at the event at `from` (without the watch, which follows only what leaves). */
  starts(bytes: Buffer, from: number): boolean {
    if (!this.sink.forwarding) return false;
    const event = this.#event;
    event.bytes = bytes;
    event.watch = undefined;
    event.first = true;
    forgetSearches();
    const taken = this.#take(bytes, from) !== undefined;
    event.bytes = EMPTY;
    forgetSearches();
    return taken;
  }

  forward(bytes: Buffer, count: number): void {
    this.reader.plainForwarded?.();
    this.sink.forwardRaw(bytes, count);
  }

  caughtUp(): Promise<void> | undefined {
    return this.sink.caughtUp();
  }

  /** The characters of answer text of the event at `from`, when the reader takes it as it came (its end: `#event.to` + 2). */
  #take(bytes: Buffer, from: number): number | undefined {
    if (!bytesAt(bytes, from, EVENT)) return undefined;
    const typeStart = from + EVENT.length;
    const limit = Math.min(bytes.length, typeStart + MAX_TYPE_LENGTH);
    let typeEnd = typeStart;
    while (typeEnd < limit && bytes[typeEnd] !== 10) typeEnd += 1;
    if (typeEnd === limit || typeEnd === typeStart) return undefined;
    const quoted = typeEnd + DATA_TYPE.length;
    const dataTypeEnd = quoted + typeEnd - typeStart;
    // `data: {"type":"<the same type>"`: the event's name is its JSON's type, as the gateway writes it.
    if (dataTypeEnd >= bytes.length || !bytesAt(bytes, typeEnd, DATA_TYPE) || bytes[dataTypeEnd] !== 34 /* " */) return undefined;
    for (let index = typeStart; index < typeEnd; index += 1) if (bytes[index] !== bytes[quoted + index - typeStart]) return undefined;
    // One data line ended by a blank line: data over several lines is written again as one (so it does not leave as it came).
    const lineEnd = bytes.indexOf(10, dataTypeEnd);
    if (lineEnd === -1 || bytes[lineEnd + 1] !== 10) return undefined;
    const event = this.#event;
    event.type = this.#typeOf(bytes, typeStart, typeEnd);
    event.from = typeEnd + '\ndata: '.length;
    event.to = lineEnd;
    event.textStart = -1;
    event.numberStart = -1;
    event.numberEnd = -1;
    // With `\u` escapes, the parse reads every value for the key (whose bytes the raw run's search would miss).
    if (event.watch && before(UNICODE_ESCAPE.find(bytes, event.from), lineEnd)) return undefined;
    return this.reader.plain?.(event);
  }

  /**
   * The characters of answer text of the event at `from` when it is the template's event but for its text and number
   * and the reader takes it (its end: `#event.to` + 2); undefined otherwise (then it is scanned whole).
   */
  #takeAgain(bytes: Buffer, from: number): number | undefined {
    const template = this.#template;
    const textStart = from + template.textStart - template.start;
    // The bytes before the text: the framing, the name and every field before the text, as the template's.
    if (textStart >= bytes.length || bytes.compare(bytes, template.start, template.textStart, from, textStart) !== 0) return undefined;
    const text = this.#text;
    if (!scanUtf8String(bytes, textStart, text) || text.length === 0) return undefined;
    const event = this.#event;
    let position = text.quote;
    let number = -1;
    if (template.numberStart !== -1) {
      // Up to the number, as the template's; then its digits, read as `integerAfter` reads them.
      if (!sameBytes(bytes, position, template.textEnd, template.numberStart)) return undefined;
      position += template.numberStart - template.textEnd;
      if (!DIGITS.read(bytes, position, bytes.length)) return undefined;
      event.numberStart = position;
      number = DIGITS.value;
      position = DIGITS.end;
      event.numberEnd = position;
    }
    // The rest to the blank line, as the template's.
    const restStart = template.numberStart === -1 ? template.textEnd : template.numberEnd;
    if (!sameBytes(bytes, position, restStart, template.end)) return undefined;
    const end = position + template.end - restStart;
    // With `\u` escapes, the parse reads every value for the key (whose bytes the raw run's search would miss).
    if (event.watch && before(UNICODE_ESCAPE.find(bytes, textStart), text.quote)) return undefined;
    event.from = from + template.dataStart - template.start;
    event.to = end - 2;
    event.textStart = textStart;
    event.textEnd = text.quote;
    event.number = number;
    return this.reader.plainAgain?.(event, text.length) === true ? text.length : undefined;
  }

  /** The event name at `[start, end)`: the last one's text when its bytes are the same, else read (and kept). */
  #typeOf(bytes: Buffer, start: number, end: number): string {
    const last = this.#typeBytes;
    if (last !== undefined && last.length === end - start && bytesAt(bytes, start, last)) return this.#type;
    this.#type = bytes.toString('latin1', start, end);
    this.#typeBytes = Buffer.from(this.#type, 'latin1');
    return this.#type;
  }
}

const EMPTY = Buffer.alloc(0);

/** Whether `bytes` holds `needle` at `at` (compared here: short needles cost less than a call to native code). */
function bytesAt(bytes: Buffer, at: number, needle: Buffer): boolean {
  if (at + needle.length > bytes.length) return false;
  for (let index = 0; index < needle.length; index += 1) if (bytes[at + index] !== needle[index]) return false;
  return true;
}

/** Whether the bytes at `at` are those of `[from, to)` in the same read (compared here: they are a few). */
function sameBytes(bytes: Buffer, at: number, from: number, to: number): boolean {
  if (at + to - from > bytes.length) return false;
  for (let index = from; index < to; index += 1) if (bytes[at + index - from] !== bytes[index]) return false;
  return true;
}

/** Whether a search's find (`-1`: none) comes before `to`. */
const before = (at: number, to: number): boolean => at !== -1 && at < to;

const searches: ByteSearch[] = [];

/**
 * A search for one needle over the events of a run, left to right: each event's search starts after the last found
 * one, and where nothing was found (or what was found lies past the event) the answer is kept for the next event, so
 * a run costs one pass of the read per needle, where a search from each event on would cost one pass per event. Valid
 * within one `RawTypedEvents.run` (every search forgets its read at the run's start and end); module-wide, as a run is
 * read in one synchronous call.
 */
export class ByteSearch {
  #bytes: Buffer | undefined;
  #from = 0;
  #at = -1;

  constructor(readonly needle: Buffer) {
    searches.push(this);
  }

  /** The first index of the needle at `from` or after, or -1. */
  find(bytes: Buffer, from: number): number {
    if (bytes !== this.#bytes || from < this.#from || (this.#at !== -1 && this.#at < from)) {
      this.#bytes = bytes;
      this.#from = from;
      this.#at = bytes.indexOf(this.needle, from);
    }
    return this.#at;
  }

  forget(): void {
    this.#bytes = undefined;
  }
}

function forgetSearches(): void {
  for (const search of searches) search.forget();
}

const UNICODE_ESCAPE = new ByteSearch(Buffer.from('\\u'));

/** What `stringAfter` found: the characters of a JSON string, its first byte and its closing quote. */
export interface FoundString extends ScannedText {
  start: number;
}

/**
 * The JSON string after `key` (a search whose needle ends with the string's opening quote), the only one in
 * `[from, to)`: its characters, first byte and closing quote, written into `found`; false when absent, there twice,
 * empty, or not a whole string.
 */
export function stringAfter(bytes: Buffer, key: ByteSearch, from: number, to: number, found: FoundString): boolean {
  const at = key.find(bytes, from);
  if (!before(at, to) || before(key.find(bytes, at + 1), to)) return false;
  found.start = at + key.needle.length;
  return scanUtf8String(bytes, found.start, found) && found.quote < to && found.length > 0;
}

/** Where an integer's digits start and end in the bytes read (`integerAfter`). */
export interface FoundInteger {
  start: number;
  end: number;
}

/**
 * The integer after `key` (a search whose needle is a `"name":`) in `[from, to)`, when it is written as `String` writes
 * a number up to 2^53 and followed by `,` or `}`; -1 when absent, -2 when it is something else (the event must then be
 * parsed). Where its digits are is written into `found`, when given, for an integer read.
 */
export function integerAfter(bytes: Buffer, key: ByteSearch, from: number, to: number, found?: FoundInteger): number {
  const at = key.find(bytes, from);
  if (!before(at, to)) return -1;
  const start = at + key.needle.length;
  if (!DIGITS.read(bytes, start, to)) return -2;
  const next = bytes[DIGITS.end];
  if (next !== 44 /* , */ && next !== 125 /* } */) return -2;
  if (found) {
    found.start = start;
    found.end = DIGITS.end;
  }
  return DIGITS.value;
}

/**
 * The digits of an integer as `String` writes one up to 2^53 (no sign, no leading zero, 16 digits at most), read in
 * place: `read` keeps the value and where the digits end, so that a caller needs no object of its own.
 */
class IntegerDigits {
  value = 0;
  end = 0;

  /** True when the bytes from `start` (before `to`) begin with such an integer (what follows it is the caller's). */
  read(bytes: Buffer, start: number, to: number): boolean {
    let end = start;
    let value = 0;
    for (; end < to && end - start < 16; end += 1) {
      const digit = (bytes[end] as number) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    this.value = value;
    this.end = end;
    return end !== start && !(end - start > 1 && bytes[start] === 48) && Number.isSafeInteger(value);
  }
}

const DIGITS = new IntegerDigits();
