import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createParser } from 'eventsource-parser';
import type { KeyWatch } from './key-watch.js';
import type { SentKey } from './sent-key.js';

export type SseItem = { kind: 'data'; data: string; event: string | undefined } | { kind: 'comment'; text: string };

/** Whole events a reader of the body takes as they came, found in its bytes without decoding them. */
export interface RawEvents {
  /**
   * Where the run of events it takes from `from` on ends (`from` for none), and its count of what they hold. With
   * `watch`, each event of the run is first offered to it (`KeyWatch.passesRaw`) and the run ends before one it turns
   * down.
   */
  run(bytes: Buffer, from: number, watch?: KeyWatch): { end: number; count: number };
  /**
   * Whether it takes the event at `from` (a run starts there), from that event alone: absent, `run` is asked instead,
   * and a run found before queued items are yielded is looked at again after them.
   */
  starts?(bytes: Buffer, from: number): boolean;
  /** True while it has yet to learn what to take: then the events parsed so far reach it before the next run. */
  readonly learning: boolean;
  /** Forwards a run it took (the reader's own writes of what came before are done). */
  forward(bytes: Buffer, count: number): void;
  /** For an event of the kind its runs take, where its one piece of text lies in its data (see `KeyWatch.take`). */
  textOf?(data: string): readonly [start: number, end: number] | undefined;
  /**
   * Resolves once what it forwarded has left (undefined when nothing waits): the body is not read again before, so a
   * slow reader of the forwarded runs holds the rest of the body back instead of it piling up in memory.
   */
  caughtUp?(): Promise<void> | undefined;
}

/** How `readSseBatches` reads a body. */
export interface SseReading {
  /** Takes runs of whole events as they came (see `readSseBatches`). */
  raw?: RawEvents | undefined;
  /** The key the request was sent with: replaced in every event's data, and never in a run `raw` forwards. */
  sentKey?: SentKey | undefined;
}

/**
 * Turns an upstream body into SSE items, parsed once by a well-kept parser: data events in order, and the
 * keep-alive comments (`: OPENROUTER PROCESSING`) as separate items so they never reach JSON.parse. Items come in
 * batches, one per read of the body (each non-empty), so a hot loop awaits once per read rather than once per event.
 *
 * With `raw`, each event boundary in the body's bytes is first offered to it: the run of whole events it takes is
 * neither decoded nor parsed, and it forwards that run itself once every item before it has been yielded and the
 * next batch asked for (so the order holds).
 *
 * With `sentKey`, no event carries that key on: a run `raw` would take that holds it goes to the parser instead, and
 * each parsed event's data has it replaced. Both see whole events only (the parser joins an event split across reads),
 * so a key split across two reads is found like any other. A key spelled with `\u` escapes, or spread over the text of
 * several events, is found by the key's `KeyWatch`: events that may be forming it are held back (raw runs stop before
 * them) until it is cut or the text goes on with something else.
 *
 * A reader that stops after `[DONE]` (the body's end usually comes right after it) leaves a Node body to drain rather
 * than destroyed, so its connection goes back to the pool without an abort (see `release`); one that stops before it
 * (a guardrail ended the answer) destroys the body at once, which stops the generation upstream.
 */
export async function* readSseBatches(body: AsyncIterable<Uint8Array | string>, { raw, sentKey }: SseReading = {}): AsyncGenerator<SseItem[]> {
  let queue: SseItem[] = [];
  // Whether the answer said it is complete (`[DONE]`): only then is the rest of the body worth reading to its end.
  let done = false;
  const watch = sentKey?.watch();
  const parser = createParser({
    onEvent: (event) => {
      if (event.data === '[DONE]') done = true;
      const item: SseItem = { kind: 'data', data: sentKey ? sentKey.replaceIn(event.data) : event.data, event: event.event };
      if (watch) watch.take(item, queue, raw?.textOf?.(item.data));
      else queue.push(item);
    },
    onComment: (text) => {
      if (watch) watch.take({ kind: 'comment', text }, queue);
      else queue.push({ kind: 'comment', text });
    },
  });
  // Made when first needed: once used, a decoder holds about 0.6 KB of native memory for the stream's life, and whole
  // events of valid UTF-8 (what a body nearly always brings) decode the same without one. Made after the body's first
  // bytes, it must not take a byte order mark there for the stream's.
  let decoder: TextDecoder | undefined;
  let started = false;
  const decode = (bytes: Uint8Array): string => {
    decoder ??= new TextDecoder('utf-8', { ignoreBOM: started });
    started = true;
    return decoder.decode(bytes, { stream: true });
  };
  /**
   * Feeds the parser `bytes` from `from` to `to`; `wholeEvents` when they end with a blank line and nothing is held
   * before them. A whole event of valid UTF-8 is what the decoder would make of it (a byte order mark at the body's
   * start aside, which the decoder takes off). The view of the bytes stays in this function's frame, not the
   * generator's, which would keep the read it is cut from while it waits.
   */
  const feed = (bytes: Buffer, from: number, to: number, wholeEvents: boolean): void => {
    const text = bytes.subarray(from, to);
    const whole = wholeEvents && isUtf8(text) && (started || !startsWithByteOrderMark(text));
    if (whole) started = true;
    parser.feed(whole ? text.toString('utf8') : decode(text));
  };
  // Whether the parser and the decoder hold nothing: what was fed so far ended with a blank line.
  let atBoundary = true;
  const source = body instanceof Readable ? body.iterator({ destroyOnReturn: false }) : body;
  const reads = source[Symbol.asyncIterator]();
  let finished = false;
  // Whether `reads` is to be closed on the way out, as `for await` closes it: not once it ended or threw.
  let open = true;
  // Read by hand, not with `for await`, so that nothing of a read is left in this generator's frame while it waits
  // for the next one: an open stream would hold its last read and last batch for minutes (about 1 KB per stream).
  let read: IteratorResult<Uint8Array | string> | undefined;
  let chunk: Uint8Array | string | undefined;
  let bytes: Buffer | undefined;
  let ready: SseItem[] | undefined;
  try {
    for (;;) {
      chunk = undefined;
      bytes = undefined;
      ready = undefined;
      const backlog = raw?.caughtUp?.();
      if (backlog) await backlog;
      open = false;
      read = await reads.next();
      if (read.done === true) break;
      open = true;
      chunk = read.value;
      read = undefined;
      if (typeof chunk === 'string') {
        parser.feed(chunk);
      } else if (!raw) {
        // The read's whole events (up to its last blank line) as one text, the rest through the decoder: a decoder's
        // own UTF-8 conversion costs several times Node's (a Responses stream spent 4% of its work in it).
        bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const blank = bytes.lastIndexOf(BLANK_LINE);
        const end = blank === -1 ? 0 : blank + BLANK_LINE.length;
        if (end > 0) feed(bytes, 0, end, atBoundary);
        if (end < bytes.length) feed(bytes, end, bytes.length, false);
        atBoundary = end === bytes.length;
      } else {
        bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        let position = 0;
        while (position < bytes.length) {
          if (atBoundary && !watch?.holding) {
            // The watch sees the run that is forwarded, only: a run looked at before items are yielded is looked at again.
            const queued = queue.length > 0;
            // With `raw.starts`, whether a run follows queued items is told from its first event rather than the run.
            let run = queued && raw.starts ? undefined : raw.run(bytes, position, queued ? undefined : watch);
            // Items not yet yielded go first: now when a run follows them or they may teach `raw` what to take.
            if (queued && (raw.learning || (run === undefined ? raw.starts?.(bytes, position) === true : run.end > position))) {
              ready = queue;
              queue = [];
              yield ready;
              ready = undefined;
              run = undefined;
            }
            run ??= raw.run(bytes, position, watch);
            if (run.end > position && !sentKey?.foundInBytes(bytes, position, run.end)) {
              forwardRun(raw, bytes, position, run.end, run.count);
              position = run.end;
              continue;
            }
          }
          // The next event (or the rest of the read, when no blank line ends one) goes to the parser.
          const blank = bytes.indexOf(BLANK_LINE, position);
          const end = blank === -1 ? bytes.length : blank + BLANK_LINE.length;
          feed(bytes, position, end, atBoundary && blank !== -1);
          atBoundary = blank !== -1;
          position = end;
        }
      }
      if (queue.length === 0) continue;
      ready = queue;
      queue = [];
      yield ready;
    }
    finished = true;
  } finally {
    if (open) await reads.return?.();
    if (!finished && body instanceof Readable) {
      // Destroyed before its end, an undici body errors (the request aborted): nobody reads that error.
      body.on('error', () => undefined);
      if (done) release(body);
      else body.destroy();
    }
  }
  if (decoder) parser.feed(decoder.decode());
  watch?.flush(queue);
  if (queue.length > 0) yield queue;
}

/** What is still read of a body left unfinished before it is destroyed instead: bytes, and time. */
const DRAIN_BYTES = 64 * 1024;
const DRAIN_MS = 2_000;

/**
 * Lets a body its reader stopped reading end by itself, up to `DRAIN_BYTES` more or `DRAIN_MS`, then destroys it. A
 * body destroyed before its end aborts its request (an error built, with its stack, for every stream); the end of an
 * SSE answer comes right after its `[DONE]`.
 */
function release(body: Readable): void {
  if (body.destroyed || body.readableEnded) return;
  let extra = 0;
  const timer = setTimeout(() => body.destroy(), DRAIN_MS);
  timer.unref();
  body.on('data', (chunk: Uint8Array | string) => {
    extra += chunk.length;
    if (extra > DRAIN_BYTES) body.destroy();
  });
  body.once('close', () => clearTimeout(timer));
  body.resume();
}

const BLANK_LINE = Buffer.from('\n\n');

/** Hands `raw` its run; the view of the bytes is cut here, so the generator's frame keeps no read while it waits. */
function forwardRun(raw: RawEvents, bytes: Buffer, from: number, to: number, count: number): void {
  raw.forward(bytes.subarray(from, to), count);
}

const startsWithByteOrderMark = (bytes: Buffer): boolean => bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
