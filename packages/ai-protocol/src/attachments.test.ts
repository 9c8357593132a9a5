import { describe, expect, it } from 'vitest';
import { dataUrlBytes, imageInputTokens, imageSize, isDataUrl, pdfPageCount } from './attachments.js';

const bytes = (...parts: Array<string | number[]>) => Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...part].map((char) => char.charCodeAt(0)) : part)));
const u32 = (value: number) => [(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
const dataUrl = (mime: string, data: Uint8Array) => `data:${mime};base64,${Buffer.from(data).toString('base64')}`;

describe('attachment facts', () => {
  it('reads the pixel size of PNG, GIF, JPEG and WebP headers', () => {
    const png = bytes([0x89], 'PNG\r\n\x1a\n', u32(13), 'IHDR', u32(1024), u32(768), [8, 6, 0, 0, 0]);
    expect(imageSize(png)).toEqual({ width: 1024, height: 768 });
    expect(imageSize(bytes('GIF89a', [0x40, 0x01, 0xf0, 0x00]))).toEqual({ width: 320, height: 240 });
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 600 and width 800.
    const jpeg = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 3]);
    expect(imageSize(jpeg)).toEqual({ width: 800, height: 600 });
    const webp = bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8X', [10, 0, 0, 0, 0, 0, 0, 0], [0xff, 0x03, 0x00], [0xff, 0x01, 0x00]);
    expect(imageSize(webp)).toEqual({ width: 1024, height: 512 });
    expect(imageSize(bytes('not an image at all, not even close'))).toBeUndefined();
  });

  it('counts the pages of a PDF, not its page tree', () => {
    const pdf = bytes('%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R 4 0 R] /Count 3 >> endobj\n', '2 0 obj << /Type /Page >> endobj\n3 0 obj <</Type/Page>> endobj\n4 0 obj << /Type /Page /Parent 1 0 R >> endobj\n%%EOF');
    expect(pdfPageCount(pdf)).toBe(3);
    expect(pdfPageCount(bytes('plain text'))).toBeUndefined();
  });

  it('reads a PDF byte for byte: binary streams of every byte value neither hide nor fake a page, however large the file', () => {
    const everyByte = Array.from({ length: 256 }, (_, byte) => byte);
    const pdf = bytes('%PDF-1.7\n', everyByte, '1 0 obj << /Type /Page >> endobj\nstream\n', everyByte, 'endstream\n2 0 obj <</Type /Page>> endobj\n');
    expect(pdfPageCount(pdf)).toBe(2);
    const large = new Uint8Array(8 * 1024 * 1024);
    large.set(pdf);
    expect(pdfPageCount(large)).toBe(2);
  });

  it('decodes data URLs (base64 or not), and prices an image in tokens within bounds', () => {
    const decoded = dataUrlBytes(dataUrl('image/png', bytes('abc')));
    expect(decoded?.mimeType).toBe('image/png');
    expect(Array.from(decoded!.bytes)).toEqual([97, 98, 99]);
    expect(new TextDecoder().decode(dataUrlBytes('data:text/plain,hello%20there')!.bytes)).toBe('hello there');
    expect(dataUrlBytes('https://example.org/cat.png')).toBeUndefined();
    expect(imageInputTokens({ width: 10, height: 10 })).toBe(85);
    expect(imageInputTokens({ width: 1000, height: 750 })).toBe(1000);
    expect(imageInputTokens({ width: 8000, height: 8000 })).toBe(1600);
  });

  it('reads a data URL whatever the case of its scheme and of ;base64 (RFC 2397: both are case-insensitive)', () => {
    for (const url of ['DATA:image/PNG;BASE64,YWJj', 'Data:image/png;Base64,YWJj']) {
      expect(isDataUrl(url)).toBe(true);
      expect(dataUrlBytes(url)?.mimeType).toBe('image/png');
      expect(Array.from(dataUrlBytes(url)!.bytes)).toEqual([97, 98, 99]);
    }
    expect(isDataUrl('https://example.org/data:x')).toBe(false);
    expect(isDataUrl('dat')).toBe(false);
  });

  it('reads a percent-encoded data URL byte for byte: escapes that are no UTF-8 (an image) are its bytes, and nothing throws', () => {
    const png = bytes([0x89], 'PNG\r\n\x1a\n', u32(13), 'IHDR', u32(640), u32(480), [8, 6, 0, 0, 0]);
    const escaped = `data:image/png,${Array.from(png, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`;
    expect(() => dataUrlBytes(escaped)).not.toThrow();
    expect(Array.from(dataUrlBytes(escaped)!.bytes)).toEqual(Array.from(png));
    expect(imageSize(dataUrlBytes(escaped)!.bytes)).toEqual({ width: 640, height: 480 });
    expect(Array.from(dataUrlBytes('data:application/octet-stream,%FF%e2%82')!.bytes)).toEqual([0xff, 0xe2, 0x82]);
    // A `%` that starts no escape is itself, and text around escapes is its UTF-8.
    expect(new TextDecoder().decode(dataUrlBytes('data:text/plain,100%_%zz é%21')!.bytes)).toBe('100%_%zz é!');
  });
});
