import { createParser } from 'eventsource-parser';

export type SseItem = { kind: 'data'; data: string; event: string | undefined } | { kind: 'comment'; text: string };

/**
 * Turns an upstream body into SSE items, parsed once by a well-kept parser: data events in order, and the
 * keep-alive comments (`: OPENROUTER PROCESSING`) as separate items so they never reach JSON.parse. Items come in
 * batches, one per read of the body (each non-empty), so a hot loop awaits once per read rather than once per event.
 */
export async function* readSseBatches(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseItem[]> {
  let queue: SseItem[] = [];
  const parser = createParser({
    onEvent: (event) => queue.push({ kind: 'data', data: event.data, event: event.event }),
    onComment: (text) => queue.push({ kind: 'comment', text }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    if (queue.length === 0) continue;
    const ready = queue;
    queue = [];
    yield ready;
  }
  parser.feed(decoder.decode());
  if (queue.length > 0) yield queue;
}

/** `readSseBatches` one item at a time, for a reader that is not on the hot path. */
export async function* readSseEvents(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseItem> {
  for await (const batch of readSseBatches(body)) yield* batch;
}
