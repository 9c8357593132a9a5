import { isUtf8 } from 'node:buffer';
import type { KeyWatch } from '../upstream/key-watch.js';
import type { RawEvents } from '../upstream/sse-events.js';
import { scanUtf8String, type ScannedText } from './stream-chunk-scan.js';

/**
 * One event of a typed stream found in the upstream's bytes, framed as the gateway would write it once parsed
 * (`event: <type>`, then a one-line `data:` whose JSON starts with that type): the reader of its API says whether it
 * may leave as it came (`TypedEventReader.plain`).
 */
export interface RawTypedEvent {
  readonly bytes: Buffer;
  readonly type: string;
  /** Its JSON's first and past-last byte. */
  readonly from: number;
  readonly to: number;
  /** The sent key's watch (see `KeyWatch.passesRaw`), when the request's key is looked for in what leaves. */
  readonly watch: KeyWatch | undefined;
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
const BLANK_LINE = Buffer.from('\n\n');
const UNICODE_ESCAPE = Buffer.from('\\u');

/**
 * The runs of events a typed stream with nothing to tap forwards as they came (`readSseBatches`'s `raw`): those its
 * reader takes, each of them read from the bytes, unparsed (their answer text counted, what the record needs kept).
 * Every other event — the first, those that carry usage, the model or an error, anything framed otherwise — is parsed.
 */
export class RawTypedEvents implements RawEvents {

  constructor(
    private readonly take: (event: RawTypedEvent) => number | undefined,
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
    let position = from;
    let count = 0;
    for (;;) {
      const end = this.#event(bytes, position, watch);
      if (end === undefined) break;
      position = end.end;
      count += end.characters;
    }
    // Bytes that are not UTF-8 are left to the decoder (which replaces them), so they never leave as they came.
    if (position === from || !isUtf8(bytes.subarray(from, position))) return { end: from, count: 0 };
    return { end: position, count };
  }

  forward(bytes: Buffer, count: number): void {
    this.sink.forwardRaw(bytes, count);
  }

  caughtUp(): Promise<void> | undefined {
    return this.sink.caughtUp();
  }

  /** The end of the event at `from` and its characters of answer text, when the reader takes it as it came. */
  #event(bytes: Buffer, from: number, watch: KeyWatch | undefined): { end: number; characters: number } | undefined {
    if (bytes.compare(EVENT, 0, EVENT.length, from, Math.min(bytes.length, from + EVENT.length)) !== 0) return undefined;
    const typeStart = from + EVENT.length;
    const typeEnd = bytes.indexOf(10, typeStart);
    if (typeEnd === -1) return undefined;
    const quoted = typeEnd + DATA_TYPE.length;
    const dataTypeEnd = quoted + typeEnd - typeStart;
    // `data: {"type":"<the same type>"`: the event's name is its JSON's type, as the gateway writes it.
    if (dataTypeEnd >= bytes.length || bytes.compare(DATA_TYPE, 0, DATA_TYPE.length, typeEnd, quoted) !== 0) return undefined;
    if (bytes.compare(bytes, typeStart, typeEnd, quoted, dataTypeEnd) !== 0 || bytes[dataTypeEnd] !== 34 /* " */) return undefined;
    const blank = bytes.indexOf(BLANK_LINE, dataTypeEnd);
    // One data line: data over several lines is written again as one (so it does not leave as it came).
    if (blank === -1 || bytes.indexOf(10, dataTypeEnd) !== blank) return undefined;
    const dataStart = typeEnd + '\ndata: '.length;
    // With `\u` escapes, the parse reads every value for the key (whose bytes the raw run's search would miss).
    if (watch && hasBytes(bytes, UNICODE_ESCAPE, dataStart, blank)) return undefined;
    const characters = this.take({ bytes, type: bytes.toString('latin1', typeStart, typeEnd), from: dataStart, to: blank, watch });
    return characters === undefined ? undefined : { end: blank + BLANK_LINE.length, characters };
  }
}

function hasBytes(bytes: Buffer, needle: Buffer, from: number, to: number): boolean {
  const at = bytes.indexOf(needle, from);
  return at !== -1 && at < to;
}

/**
 * The JSON string after `key` (which ends with its opening quote), the only one in `[from, to)`: its characters, first
 * byte and closing quote; undefined when absent, twice there, empty, or not a whole string.
 */
export function stringAfter(bytes: Buffer, key: Buffer, from: number, to: number): (ScannedText & { start: number }) | undefined {
  const at = bytes.indexOf(key, from);
  if (at === -1 || at >= to || hasBytes(bytes, key, at + 1, to)) return undefined;
  const text: ScannedText = { length: 0, quote: 0 };
  const start = at + key.length;
  if (!scanUtf8String(bytes, start, text) || text.quote >= to || text.length === 0) return undefined;
  return { ...text, start };
}

/**
 * The digits of the integer after `key` (a `"name":`) in `[from, to)`, as `String` writes the number; undefined when
 * absent, null when it is something else (the event must then be parsed).
 */
export function integerAfter(bytes: Buffer, key: Buffer, from: number, to: number): string | undefined | null {
  const at = bytes.indexOf(key, from);
  if (at === -1 || at >= to) return undefined;
  let end = at + key.length;
  while (end < to && (bytes[end] as number) >= 48 && (bytes[end] as number) <= 57) end += 1;
  const digits = bytes.toString('latin1', at + key.length, end);
  const next = bytes[end];
  if (digits === '' || (digits.length > 1 && digits.startsWith('0')) || (next !== 44 /* , */ && next !== 125) /* } */) return null;
  return digits;
}
