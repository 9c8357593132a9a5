import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SentKey } from './sent-key.js';
import { readSseBatches, type RawEvents, type SseItem } from './sse-events.js';

const event = (data: string) => `data: ${data}\n\n`;

/** A body that errors when destroyed before its end, as undici's does (its request aborted). */
class AbortingBody extends PassThrough {
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    callback(error ?? (this.readableEnded ? null : Object.assign(new Error('Request aborted'), { code: 'UND_ERR_ABORTED' })));
  }
}

/** Reads batches until one holds `[DONE]` (or `stopAt` items were read), then stops reading. */
async function readUntil(body: PassThrough, stopAt = Infinity): Promise<SseItem[]> {
  const items: SseItem[] = [];
  const batches = readSseBatches(body);
  for await (const batch of batches) {
    items.push(...batch);
    if (items.length >= stopAt || batch.some((item) => item.kind === 'data' && item.data === '[DONE]')) break;
  }
  return items;
}

describe('readSseBatches on a Node body', () => {
  it('lets a body the reader left after [DONE] end by itself, so its connection is not aborted', async () => {
    const body = new PassThrough();
    body.write(event('{"a":1}') + event('[DONE]'));
    const items = await readUntil(body);
    expect(items.map((item) => item.kind === 'data' && item.data)).toEqual(['{"a":1}', '[DONE]']);
    expect(body.destroyed).toBe(false);
    const ended = new Promise((resolve) => body.once('end', resolve));
    body.end(': trailing comment\n\n');
    await ended;
    expect(body.readableEnded).toBe(true);
  });

  it('destroys such a body when it keeps sending past the drain allowance', async () => {
    const body = new PassThrough();
    body.write(event('[DONE]'));
    await readUntil(body);
    const closed = new Promise((resolve) => body.once('close', resolve));
    for (let index = 0; index < 20 && !body.destroyed; index += 1) body.write(`: ${'x'.repeat(8 * 1024)}\n\n`);
    await closed;
    expect(body.destroyed).toBe(true);
    expect(body.readableEnded).toBe(false);
  });

  it('destroys the body at once when the reader stops before [DONE] (a guardrail ended the answer)', async () => {
    const body = new PassThrough();
    body.write(event('{"a":1}'));
    await readUntil(body, 1);
    expect(body.destroyed).toBe(true);
  });

  it('leaves no error unhandled when a body errors as it is destroyed, before [DONE] or past the drain allowance', async () => {
    const unhandled: unknown[] = [];
    const onUncaught = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const early = new AbortingBody();
      early.write(event('{"a":1}'));
      await readUntil(early, 1);
      const late = new AbortingBody();
      late.write(event('[DONE]'));
      await readUntil(late);
      for (let index = 0; index < 20 && !late.destroyed; index += 1) late.write(`: ${'x'.repeat(8 * 1024)}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([early.destroyed, late.destroyed]).toEqual([true, true]);
      expect(early.errored ?? late.errored).toMatchObject({ code: 'UND_ERR_ABORTED' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('readSseBatches with the key the request was sent with', () => {
  const key = SentKey.of('sk-or-v1-0123456789abcdef0123456789abcdef') as SentKey;
  /** A body that arrives in exactly these reads. */
  async function* reads(...parts: string[]): AsyncGenerator<Buffer> {
    for (const part of parts) yield Buffer.from(part);
  }
  /** Takes every whole event at the start of a read, as the stream proxy's plain chunks may, and keeps what it forwards. */
  const takeWholeEvents = (forwarded: string[]): RawEvents => ({
    run: (bytes, from) => {
      const blank = bytes.lastIndexOf('\n\n');
      return blank + 2 > from ? { end: blank + 2, count: 1 } : { end: from, count: 0 };
    },
    learning: false,
    forward: (bytes) => forwarded.push(bytes.toString('utf8')),
  });
  const dataOf = (items: SseItem[]) => items.flatMap((item) => (item.kind === 'data' ? [item.data] : []));

  it('replaces the key in an event split across two reads, and forwards no run of whole events that holds it', async () => {
    const split = event(`{"content":"Bearer ${key.text}"}`);
    const cut = split.indexOf(key.text) + 10;
    const forwarded: string[] = [];
    const items: SseItem[] = [];
    const body = reads(event('{"content":"clean"}'), `${event(`{"content":"whole ${key.text}"}`)}${split.slice(0, cut)}`, `${split.slice(cut)}${event('[DONE]')}`);
    for await (const batch of readSseBatches(body, { raw: takeWholeEvents(forwarded), sentKey: key })) items.push(...batch);
    expect(forwarded).toEqual([event('{"content":"clean"}'), event('[DONE]')]);
    expect(dataOf(items)).toEqual(['{"content":"whole [redacted]"}', '{"content":"Bearer [redacted]"}']);
  });

  it('forwards runs as they came when they do not hold the key', async () => {
    const forwarded: string[] = [];
    const items: SseItem[] = [];
    for await (const batch of readSseBatches(reads(event('{"a":1}') + event('{"a":2}'), event('[DONE]')), { raw: takeWholeEvents(forwarded), sentKey: key })) items.push(...batch);
    expect(forwarded).toEqual([event('{"a":1}') + event('{"a":2}'), event('[DONE]')]);
    expect(items).toEqual([]);
  });
});
