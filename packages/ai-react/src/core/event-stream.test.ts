import { describe, expect, it } from 'vitest';
import { timeGrowth } from '../testing/time-growth.js';
import { isAiError } from './errors.js';
import { eventStreamParser } from './event-stream.js';

const bytesOf = (text: string) => new TextEncoder().encode(text);

/** The data of every message the parser makes of `reads`, fed one after another (a comment's is empty: left out). */
function parseAll(reads: readonly Uint8Array[], maxEventBytes = 1024): string[] {
  const messages: string[] = [];
  const parse = eventStreamParser({ maxEventBytes, onMessage: (message) => message.data !== '' && messages.push(message.data) });
  for (const read of reads) parse(read);
  return messages;
}

/** `bytes` one byte per read. */
const byteByByte = (bytes: Uint8Array) => Array.from(bytes, (byte) => Uint8Array.of(byte));

describe('eventStreamParser', () => {
  it('reads events with LF, CRLF or CR line endings, a byte order mark and comments, split at every byte', () => {
    const events = ': keep-alive\n\ndata: {"a":"héllo 🌍"}\n\n:x\ndata: [DONE]\n\n';
    for (const text of [events, `\uFEFF${events}`, events.replaceAll('\n', '\r\n'), events.replaceAll('\n', '\r')]) {
      expect(parseAll([bytesOf(text)])).toEqual(['{"a":"héllo 🌍"}', '[DONE]']);
      expect(parseAll(byteByByte(bytesOf(text)))).toEqual(['{"a":"héllo 🌍"}', '[DONE]']);
    }
  });

  it('fails an event over maxEventBytes, whether one line that never ends or many lines without a blank one', () => {
    const tooLarge = (reads: Uint8Array[]) => {
      try {
        parseAll(reads, 1024);
      } catch (error) {
        return isAiError(error) ? error.message : error;
      }
      return 'parsed';
    };
    expect(tooLarge([bytesOf('data: '), ...Array.from({ length: 40 }, () => bytesOf('x'.repeat(100)))])).toMatch(/larger than 1024 bytes \(maxEventBytes\)/);
    expect(tooLarge(Array.from({ length: 40 }, () => bytesOf(`data: ${'x'.repeat(50)}\n`)))).toMatch(/larger than 1024 bytes/);
    // Events up to the limit pass, however many.
    expect(tooLarge(Array.from({ length: 400 }, () => bytesOf(`data: ${'x'.repeat(1000)}\n\n`)))).toBe('parsed');
  });

  it('reads a line that arrives in many reads in time linear in its length', () => {
    const line = (megabytes: number) => [bytesOf('data: "'), ...Array.from({ length: megabytes * 64 }, () => new Uint8Array(16 * 1024).fill(97)), bytesOf('"\n\n')];
    const [small, large] = [line(1), line(16)];
    // Sixteen times the bytes: about sixteen times the time, where copying the held line into each read took 256 times.
    expect(timeGrowth((reads) => parseAll(reads, 64 * 1024 * 1024), small, large)).toBeLessThan(48);
  });
});
