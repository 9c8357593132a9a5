import { getLines, getMessages, type EventSourceMessage } from '@microsoft/fetch-event-source/lib/esm/parse.js';
import { AiError } from './errors.js';

/** The largest event a chat stream takes by default: 32 MiB, room for a generated image as a data URL. */
export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024;

const LF = 10;
const CR = 13;

function joined(pieces: readonly Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const piece of pieces) {
    bytes.set(piece, offset);
    offset += piece.length;
  }
  return bytes;
}

const tooLarge = (maxEventBytes: number) =>
  new AiError({ code: 'unknown', message: `The server sent an event larger than ${maxEventBytes} bytes (maxEventBytes); the answer was not read further.` });

export interface EventStreamParsing {
  /** Called with each whole message, in order. */
  onMessage: (message: EventSourceMessage) => void;
  /** The most bytes one event (its lines together, or one line not yet ended) may hold. */
  maxEventBytes: number;
}

/**
 * A parser of `text/event-stream` bytes, fed one read at a time: fetch-event-source's (any line ending, comments, a
 * byte order mark), holding no more than `maxEventBytes` of one event (past that it throws an AiError) and taking
 * time in proportion to the bytes, however long a line.
 *
 * @example
 * const parse = eventStreamParser({ maxEventBytes: DEFAULT_MAX_EVENT_BYTES, onMessage: (message) => console.log(message.data) });
 * parse(new TextEncoder().encode('data: {}\n\n'));
 */
export function eventStreamParser({ onMessage, maxEventBytes }: EventStreamParsing): (bytes: Uint8Array) => void {
  const parseLine = getMessages(() => undefined, () => undefined, onMessage);
  // The lines of the current event so far (a blank line ends it), each with its line break.
  let eventBytes = 0;
  const splitLines = getLines((line, fieldLength) => {
    eventBytes = line.length === 0 ? 0 : eventBytes + line.length + 1;
    if (eventBytes > maxEventBytes) throw tooLarge(maxEventBytes);
    parseLine(line, fieldLength);
  });
  // The splitter copies the line it holds into every read it is given, quadratic over a long line: reads without a
  // line break wait here, counted, and go to it together with the read that ends the line.
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  // Bytes since the last line break: those held here and the end of a line the splitter holds.
  let sinceBreak = 0;
  return (bytes) => {
    const lastBreak = Math.max(bytes.lastIndexOf(LF), bytes.lastIndexOf(CR));
    if (lastBreak === -1) {
      sinceBreak += bytes.length;
      if (sinceBreak > maxEventBytes) throw tooLarge(maxEventBytes);
      held.push(bytes);
      heldBytes += bytes.length;
      return;
    }
    const lines = held.length === 0 ? bytes : joined([...held, bytes], heldBytes + bytes.length);
    held = [];
    heldBytes = 0;
    sinceBreak = bytes.length - lastBreak - 1;
    splitLines(lines);
  };
}

export interface EventStreamReading extends EventStreamParsing {
  /** Called on every read of the body, before its bytes are parsed (an idle timer's pulse). */
  onRead?: () => void;
}

/**
 * Reads a `text/event-stream` body with `eventStreamParser`; resolves when the body ends, rejects with the parser's
 * AiError when an event is too large.
 *
 * @example
 * await readEventStream(response.body, { maxEventBytes: DEFAULT_MAX_EVENT_BYTES, onMessage: (message) => console.log(message.data) });
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, { onRead, ...parsing }: EventStreamReading): Promise<void> {
  const parse = eventStreamParser(parsing);
  const reader = body.getReader();
  for (;;) {
    const read = await reader.read();
    if (read.done) return;
    onRead?.();
    parse(read.value);
  }
}
