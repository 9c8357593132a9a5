import { imageSize, imageTypeOf } from '@insforge/ai-protocol';
import { describe, expect, it } from 'vitest';
import { renderPixels } from './png.js';
import { encodeWebp, huffmanLengths } from './webp.js';

describe('encodeWebp', () => {
  it('writes a RIFF WEBP file of one VP8L chunk whose header holds the size', () => {
    for (const [width, height] of [[1, 1], [13, 7], [600, 20]] as const) {
      const bytes = encodeWebp(width, height, renderPixels({ prompt: 'a kite', width, height }));
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
      expect(bytes.subarray(8, 16).toString('latin1')).toBe('WEBPVP8L');
      const chunkLength = bytes.readUInt32LE(16);
      expect(20 + chunkLength + (chunkLength % 2)).toBe(bytes.length);
      expect(bytes[20]).toBe(0x2f);
      const header = bytes.readUInt32LE(21);
      expect({ width: (header & 0x3fff) + 1, height: ((header >>> 14) & 0x3fff) + 1, version: header >>> 29 }).toEqual({ width, height, version: 0 });
      expect(imageTypeOf(bytes)).toBe('image/webp');
      expect(imageSize(bytes)).toEqual({ width, height });
    }
  });

  it('is smaller than the raw pixels of a rendered picture', () => {
    const pixels = renderPixels({ prompt: 'a kite', width: 256, height: 256 });
    expect(encodeWebp(256, 256, pixels).length).toBeLessThan(pixels.length / 3);
  });
});

describe('huffmanLengths', () => {
  const kraftSum = (lengths: Uint8Array) => [...lengths].reduce((sum, length) => sum + (length ? 2 ** -length : 0), 0);

  it('gives a complete code (Kraft sum 1) to two symbols or more, and length 1 to a lone symbol', () => {
    expect(kraftSum(huffmanLengths([5, 0, 3, 9, 1], 15))).toBe(1);
    expect([...huffmanLengths([0, 7, 0], 15)]).toEqual([0, 1, 0]);
    expect([...huffmanLengths([0, 0], 15)]).toEqual([0, 0]);
  });

  it('keeps every length within the limit, still complete, when counts would make a deeper tree', () => {
    const fibonacci = Array.from({ length: 30 }, (_, index) => Math.round(((1 + Math.sqrt(5)) / 2) ** index));
    const lengths = huffmanLengths(fibonacci, 7);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(7);
    expect(kraftSum(lengths)).toBe(1);
  });
});
