import { createParser } from 'eventsource-parser';

export type SseItem = { kind: 'data'; data: string; event: string | undefined } | { kind: 'comment'; text: string };

/** Whole events a reader of the body takes as they came, found in its bytes without decoding them. */
export interface RawEvents {
  /** Where the run of events it takes from `from` on ends (`from` for none), and its count of what they hold. */
  run(bytes: Buffer, from: number): { end: number; count: number };
  /** True while it has yet to learn what to take: then the events parsed so far reach it before the next run. */
  readonly learning: boolean;
  /** Forwards a run it took (the reader's own writes of what came before are done). */
  forward(bytes: Buffer, count: number): void;
}

/**
 * Turns an upstream body into SSE items, parsed once by a well-kept parser: data events in order, and the
 * keep-alive comments (`: OPENROUTER PROCESSING`) as separate items so they never reach JSON.parse. Items come in
 * batches, one per read of the body (each non-empty), so a hot loop awaits once per read rather than once per event.
 *
 * With `raw`, each event boundary in the body's bytes is first offered to it: the run of whole events it takes is
 * neither decoded nor parsed, and it forwards that run itself once every item before it has been yielded and the
 * next batch asked for (so the order holds).
 */
export async function* readSseBatches(body: AsyncIterable<Uint8Array | string>, raw?: RawEvents): AsyncGenerator<SseItem[]> {
  let queue: SseItem[] = [];
  const parser = createParser({
    onEvent: (event) => queue.push({ kind: 'data', data: event.data, event: event.event }),
    onComment: (text) => queue.push({ kind: 'comment', text }),
  });
  const decoder = new TextDecoder();
  // Whether the parser and the decoder hold nothing: what was fed so far ended with a blank line.
  let atBoundary = true;
  for await (const chunk of body) {
    if (typeof chunk === 'string' || !raw) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    } else {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let position = 0;
      while (position < bytes.length) {
        if (atBoundary) {
          let run = raw.run(bytes, position);
          // Items not yet yielded go first: now when a run follows them or they may teach `raw` what to take.
          if (queue.length > 0 && (run.end > position || raw.learning)) {
            const ready = queue;
            queue = [];
            yield ready;
            run = raw.run(bytes, position);
          }
          if (run.end > position) {
            raw.forward(bytes.subarray(position, run.end), run.count);
            position = run.end;
            continue;
          }
        }
        // The next event (or the rest of the read, when no blank line ends one) goes to the parser.
        const blank = bytes.indexOf(BLANK_LINE, position);
        const end = blank === -1 ? bytes.length : blank + BLANK_LINE.length;
        parser.feed(decoder.decode(bytes.subarray(position, end), { stream: true }));
        atBoundary = blank !== -1;
        position = end;
      }
    }
    if (queue.length === 0) continue;
    const ready = queue;
    queue = [];
    yield ready;
  }
  parser.feed(decoder.decode());
  if (queue.length > 0) yield queue;
}

const BLANK_LINE = Buffer.from('\n\n');

/** `readSseBatches` one item at a time, for a reader that is not on the hot path. */
export async function* readSseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseItem> {
  for await (const batch of readSseBatches(body)) yield* batch;
}
