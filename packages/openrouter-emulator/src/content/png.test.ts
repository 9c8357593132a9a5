import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { encodePng, parseImageSize, renderImage, sizeForAspectRatio } from './png.js';

/** Decodes with pngjs (an independent decoder that verifies every chunk CRC) and returns RGB triples per pixel. */
function decode(file: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  const image = PNG.sync.read(file);
  const pixel = (x: number, y: number) => {
    const offset = (y * image.width + x) * 4;
    return [...image.data.subarray(offset, offset + 3)];
  };
  return { width: image.width, height: image.height, pixel };
}

describe('encodePng', () => {
  it('encodes known pixels that an independent decoder reads back exactly', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const image = decode(encodePng(3, 2, rgb));
    expect([image.width, image.height]).toEqual([3, 2]);
    expect([image.pixel(0, 0), image.pixel(1, 0), image.pixel(2, 0)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ]);
    expect(image.pixel(2, 1)).toEqual([70, 80, 90]);
  });

  it('writes the PNG signature and an RGB, 8-bit IHDR', () => {
    const file = encodePng(5, 7, new Uint8Array(5 * 7 * 3));
    expect([...file.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(file.toString('latin1', 12, 16)).toBe('IHDR');
    expect([file.readUInt32BE(16), file.readUInt32BE(20), file[24], file[25]]).toEqual([5, 7, 8, 2]);
    expect(file.toString('latin1', file.length - 8, file.length - 4)).toBe('IEND');
  });

  it('writes chunk CRCs that the decoder checks and rejects once corrupted', async () => {
    // The async parser reports the CRC mismatch itself; the sync one stops with a less specific message.
    const parseError = (file: Buffer) =>
      new Promise<Error | null>((resolve) => new PNG().parse(file, (error) => resolve(error)));
    const file = encodePng(2, 2, new Uint8Array(12).fill(200));
    const ihdrCrcOffset = 8 + 8 + 13;
    const corrupted = Buffer.from(file);
    corrupted[ihdrCrcOffset] = (corrupted[ihdrCrcOffset] ?? 0) ^ 0xff;
    expect(await parseError(file)).toBeNull();
    expect((await parseError(corrupted))?.message).toMatch(/crc/i);
  });

  it('rejects a pixel buffer of the wrong length and out-of-range sizes', () => {
    expect(() => encodePng(2, 2, new Uint8Array(11))).toThrow(RangeError);
    expect(() => encodePng(0, 1, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodePng(4097, 1, new Uint8Array(4097 * 3))).toThrow(RangeError);
  });
});

describe('renderImage', () => {
  const base = { prompt: 'a lighthouse at dusk', width: 96, height: 64 };

  it('renders a decodable PNG of the requested size', () => {
    const image = decode(renderImage(base));
    expect([image.width, image.height]).toEqual([96, 64]);
  });

  it('gives byte-equal files for equal options', () => {
    expect(renderImage(base).equals(renderImage({ ...base }))).toBe(true);
    expect(renderImage({ ...base, seed: 7 }).equals(renderImage({ ...base, seed: 7 }))).toBe(true);
  });

  it('gives different pictures for different prompts or seeds', () => {
    const original = renderImage(base);
    expect(original.equals(renderImage({ ...base, prompt: 'a lighthouse at dawn' }))).toBe(false);
    expect(original.equals(renderImage({ ...base, seed: 1 }))).toBe(false);
  });

  it('is not a flat fill', () => {
    const image = decode(renderImage(base));
    const colours = new Set<string>();
    for (let y = 0; y < image.height; y += 4) for (let x = 0; x < image.width; x += 4) colours.add(image.pixel(x, y).join());
    expect(colours.size).toBeGreaterThan(20);
  });

  it('draws only the top rows for partial progress, matching the final image, and leaves the rest grey', () => {
    const full = decode(renderImage(base));
    const partial = decode(renderImage({ ...base, progress: 0.25 }));
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < base.width; x++) expect(partial.pixel(x, y)).toEqual(full.pixel(x, y));
    }
    for (let y = 16; y < base.height; y++) {
      for (let x = 0; x < base.width; x++) expect(partial.pixel(x, y)).toEqual([128, 128, 128]);
    }
    expect(full.pixel(0, base.height - 1)).not.toEqual([128, 128, 128]);
  });

  it('handles single-pixel images', () => {
    expect(decode(renderImage({ prompt: 'dot', width: 1, height: 1 })).width).toBe(1);
  });

  it('rejects invalid sizes and progress with a RangeError', () => {
    expect(() => renderImage({ ...base, width: 0 })).toThrow(RangeError);
    expect(() => renderImage({ ...base, height: 4097 })).toThrow(RangeError);
    expect(() => renderImage({ ...base, width: 10.5 })).toThrow(RangeError);
    expect(() => renderImage({ ...base, progress: 0 })).toThrow(RangeError);
    expect(() => renderImage({ ...base, progress: 1.5 })).toThrow(RangeError);
    expect(() => renderImage({ ...base, progress: Number.NaN })).toThrow(RangeError);
  });
});

describe('parseImageSize', () => {
  it('parses WIDTHxHEIGHT with either x', () => {
    expect(parseImageSize('1024x1024')).toEqual({ width: 1024, height: 1024 });
    expect(parseImageSize('1792X1024')).toEqual({ width: 1792, height: 1024 });
  });

  it('returns undefined for malformed or out-of-range sizes', () => {
    for (const size of ['', 'auto', '1024', '1024x', 'x1024', '10.5x10', '-1x5', '0x512', '4097x1024', '1024*1024']) {
      expect(parseImageSize(size)).toBeUndefined();
    }
  });
});

describe('sizeForAspectRatio', () => {
  it.each([
    ['1:1', '1K', 1024, 1024],
    ['16:9', '1K', 1024, 576],
    ['9:16', '1K', 576, 1024],
    ['4:3', '1K', 1024, 768],
    ['3:4', '1K', 768, 1024],
    ['3:2', '1K', 1024, 680],
    ['2:3', '1K', 680, 1024],
    ['21:9', '1K', 1024, 440],
    ['16:9', '2K', 2048, 1152],
    ['1:1', '4K', 4096, 4096],
  ])('maps %s at %s to %ix%i', (ratio, imageSize, width, height) => {
    expect(sizeForAspectRatio(ratio, imageSize)).toEqual({ width, height });
  });

  it('keeps the short side a multiple of 8', () => {
    for (const ratio of ['3:2', '21:9', '4:5', '5:4']) {
      const { width, height } = sizeForAspectRatio(ratio, '1K');
      expect(Math.min(width, height) % 8).toBe(0);
    }
  });

  it('falls back to 1:1 and 1K for unknown or missing values', () => {
    expect(sizeForAspectRatio(undefined, undefined)).toEqual({ width: 1024, height: 1024 });
    expect(sizeForAspectRatio('7:5', undefined)).toEqual({ width: 1024, height: 1024 });
    expect(sizeForAspectRatio('16:9', '8K')).toEqual({ width: 1024, height: 576 });
  });
});
