import { imageSize, imageTypeOf } from '@insforge/ai-protocol';
import { describe, expect, it } from 'vitest';
import { JPEG_HUFFMAN_TABLES, encodeJpeg } from './jpeg.js';
import { renderPixels } from './png.js';

/** The markers of a JPEG file in order, walking segment lengths up to the scan, then skipping its entropy data. */
function markersOf(bytes: Buffer): number[] {
  const markers = [bytes.readUInt16BE(0)];
  let at = 2;
  while (at < bytes.length) {
    const marker = bytes.readUInt16BE(at);
    markers.push(marker);
    if (marker === 0xffd9) break;
    at += 2 + bytes.readUInt16BE(at + 2);
    // After the scan header comes entropy-coded data: a 0xFF in it is always followed by a stuffed 0x00.
    if (marker === 0xffda) while (!(bytes[at] === 0xff && bytes[at + 1] !== 0)) at++;
  }
  return markers;
}

describe('encodeJpeg', () => {
  it('writes a baseline JFIF file: SOI, APP0, DQT, SOF0 with the size and three components, DHT, SOS, EOI', () => {
    for (const [width, height] of [[1, 1], [13, 7], [96, 64]] as const) {
      const bytes = encodeJpeg(width, height, renderPixels({ prompt: 'a harbour', width, height }), 90);
      expect(markersOf(bytes)).toEqual([0xffd8, 0xffe0, 0xffdb, 0xffc0, 0xffc4, 0xffda, 0xffd9]);
      expect(bytes.subarray(6, 11).toString('latin1')).toBe('JFIF\u0000');
      expect(imageTypeOf(bytes)).toBe('image/jpeg');
      expect(imageSize(bytes)).toEqual({ width, height });
      expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    }
  });

  it('lists as many symbols in each Huffman table as its counts give codes', () => {
    for (const table of Object.values(JPEG_HUFFMAN_TABLES)) {
      expect(table.symbols).toHaveLength(table.counts.reduce((sum, count) => sum + count, 0));
    }
  });

  it('scales its quantization by quality: a lower quality gives coarser steps and a smaller file', () => {
    const pixels = renderPixels({ prompt: 'a harbour', width: 128, height: 128 });
    const [best, middle, worst] = [100, 50, 1].map((quality) => encodeJpeg(128, 128, pixels, quality));
    const firstLumaStep = (bytes: Buffer | undefined) => bytes?.[20 + 5];
    expect([firstLumaStep(best), firstLumaStep(middle), firstLumaStep(worst)]).toEqual([1, 16, 255]);
    expect((best?.length ?? 0) > (middle?.length ?? 0) && (middle?.length ?? 0) > (worst?.length ?? 0)).toBe(true);
  });
});
