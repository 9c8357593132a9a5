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

describe('readSseBatches decoding what it parses', () => {
  /** A body that arrives in exactly these reads. */
  async function* reads(...parts: Buffer[]): AsyncGenerator<Buffer> {
    for (const part of parts) yield part;
  }
  /** Takes no run: every event goes to the parser, as before a stream's first plain chunk. */
  const takesNothing: RawEvents = { run: (_bytes, from) => ({ end: from, count: 0 }), learning: false, forward: () => undefined };
  const read = async (raw: RawEvents | undefined, parts: Buffer[]) => {
    const items: SseItem[] = [];
    for await (const batch of readSseBatches(reads(...parts), { raw })) items.push(...batch);
    return items;
  };
  const bytes = (text: string) => Buffer.from(text);
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);

  it('reads whole events as the decoder does: a byte order mark at the start dropped, one later kept, bad bytes replaced, a character split across reads joined', async () => {
    const euro = bytes('data: {"a":"€"}\n\n');
    const bodies: Buffer[][] = [
      [Buffer.concat([bom, bytes('data: {"a":1}\n\n')]), bytes('data: {"a":2}\n\n')],
      [bytes('data: {"a":1}\n\n'), Buffer.concat([bom, bytes('data: {"a":2}\n\n')])],
      [Buffer.concat([bytes('data: {"a":"'), Buffer.from([0xff, 0xc3]), bytes('"}\n\n')]), bytes('data: {"a":3}\n\n')],
      [euro.subarray(0, 13), euro.subarray(13), bytes('data: {"a":4}\n\n')],
    ];
    for (const parts of bodies) expect(await read(takesNothing, parts)).toEqual(await read(undefined, parts));
    expect(await read(takesNothing, bodies[0]!)).toEqual([
      { kind: 'data', data: '{"a":1}', event: undefined },
      { kind: 'data', data: '{"a":2}', event: undefined },
    ]);
    expect((await read(takesNothing, bodies[2]!))[0]).toEqual({ kind: 'data', data: '{"a":"\ufffd\ufffd"}', event: undefined });
    expect((await read(takesNothing, bodies[3]!))[0]).toEqual({ kind: 'data', data: '{"a":"€"}', event: undefined });
  });
});

describe('readSseBatches decoding the events it parses', () => {
  it('reads them on the raw path as its decoder alone would: a byte order mark at the start dropped, bytes that are not UTF-8 replaced, characters split across reads joined', async () => {
    const bytes = (...parts: Array<string | number[] | Buffer>) => Buffer.concat(parts.map((part) => (typeof part === 'string' || Array.isArray(part) ? Buffer.from(part) : part)));
    const bom = [0xef, 0xbb, 0xbf];
    const notUtf8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xe0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0xbf]];
    const euro = Buffer.from('\u20ac');
    const reads = [
      bytes(bom, event('{"a":"\u00e9"}')),
      ...notUtf8.map((invalid) => bytes('data: {"a":"', invalid, '"}\n\n', event(`{"b":"${String.fromCharCode(0xfeff)}"}`))),
      bytes(event('{"c":1}'), 'data: {"d":"', euro.subarray(0, 1)),
      bytes(euro.subarray(1), '"}\n\n', event('[DONE]')),
    ];
    async function* body(): AsyncGenerator<Buffer> {
      for (const read of reads) yield read;
    }
    const read = async (raw?: RawEvents) => {
      const items: SseItem[] = [];
      for await (const batch of readSseBatches(body(), { raw })) items.push(...batch);
      return items;
    };
    // A reader of whole events that takes none: every event goes to the parser, on the raw path's way.
    const items = await read({ run: (_bytes, from) => ({ end: from, count: 0 }), learning: false, forward: () => undefined });
    expect(items).toEqual(await read());
    expect(items).toHaveLength(2 + 2 * notUtf8.length + 2);
    expect(items[0]).toEqual({ kind: 'data', data: '{"a":"\u00e9"}', event: undefined });
    expect(items.filter((item) => item.kind === 'data' && item.data.includes('\ufffd'))).toHaveLength(notUtf8.length);
    expect(items.at(-2)).toEqual({ kind: 'data', data: '{"d":"\u20ac"}', event: undefined });
  });
});
