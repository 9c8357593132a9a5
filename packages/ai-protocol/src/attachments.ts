/**
 * What a chat attachment holds, read from its bytes without decoding it: an image's pixel size (PNG, JPEG, GIF,
 * WebP) and a PDF's page count. The gateway sizes its quota reservation with them, the emulator bills with them,
 * and a browser can check an attachment before sending it. Pure and dependency-free.
 */

/**
 * Whether a string is a `data:` URL. Its scheme is case-insensitive (RFC 2397, RFC 3986): `DATA:` is one too.
 *
 * @example
 * isDataUrl('DATA:image/png;base64,iVBOR'); // true
 */
export const isDataUrl = (value: string): boolean => value.length >= 5 && value.slice(0, 5).toLowerCase() === 'data:';

/** The bytes of a `data:` URL (of any case) and its MIME type; undefined for anything else (an https link). */
export function dataUrlBytes(url: string): { mimeType: string; bytes: Uint8Array } | undefined {
  if (!isDataUrl(url)) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const mimeType = (header.split(';')[0] ?? '').toLowerCase();
  return { mimeType, bytes: /;base64/i.test(header) ? base64Decode(payload) : percentDecode(payload) };
}

/**
 * The bytes of percent-encoded text (a `data:` URL's payload, RFC 2397, or a link): each `%XX` is its byte, whatever
 * bytes follow (a PNG's `%89` is no UTF-8), and any other character, a `%` that starts no escape included, its UTF-8.
 * @example
 * percentDecode('hi%21%89'); // Uint8Array [0x68, 0x69, 0x21, 0x89]
 */
export function percentDecode(text: string): Uint8Array {
  const encoder = new TextEncoder();
  // A UTF-16 code unit is at most 3 bytes of UTF-8, an escape of 3 characters 1 byte.
  const bytes = new Uint8Array(text.length * 3);
  let length = 0;
  let plain = 0;
  for (let index = text.indexOf('%'); index >= 0; index = text.indexOf('%', index + 1)) {
    const escaped = text.slice(index + 1, index + 3);
    if (!/^[0-9a-f]{2}$/i.test(escaped)) continue;
    length += encoder.encodeInto(text.slice(plain, index), bytes.subarray(length)).written;
    bytes[length++] = Number.parseInt(escaped, 16);
    plain = index + 3;
    index += 2;
  }
  length += encoder.encodeInto(text.slice(plain), bytes.subarray(length)).written;
  return bytes.slice(0, length);
}

function base64Decode(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text.replace(/[^A-Za-z0-9+/]/g, ''));
  } catch {
    return new Uint8Array(0);
  }
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

const u16be = (bytes: Uint8Array, at: number) => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
const u16le = (bytes: Uint8Array, at: number) => (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
const u24le = (bytes: Uint8Array, at: number) => u16le(bytes, at) | ((bytes[at + 2] ?? 0) << 16);
const u32be = (bytes: Uint8Array, at: number) => ((bytes[at] ?? 0) * 2 ** 24) + ((bytes[at + 1] ?? 0) << 16) + ((bytes[at + 2] ?? 0) << 8) + (bytes[at + 3] ?? 0);
const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/** The first bytes of each image format the gateway recognises, as latin1 text at their offset (all must match). */
const IMAGE_SIGNATURES: ReadonlyArray<{ mediaType: string; parts: ReadonlyArray<readonly [offset: number, magic: string]> }> = [
  { mediaType: 'image/png', parts: [[0, '\x89PNG\r\n\x1a\n']] },
  { mediaType: 'image/jpeg', parts: [[0, '\xff\xd8\xff']] },
  { mediaType: 'image/gif', parts: [[0, 'GIF87a']] },
  { mediaType: 'image/gif', parts: [[0, 'GIF89a']] },
  { mediaType: 'image/webp', parts: [[0, 'RIFF'], [8, 'WEBP']] },
  { mediaType: 'image/avif', parts: [[4, 'ftypavif']] },
  { mediaType: 'image/avif', parts: [[4, 'ftypavis']] },
];

/**
 * The media type of image bytes, read from their signature (PNG, JPEG, GIF, WebP, AVIF); undefined for any other
 * bytes. What the bytes are, whatever a sender called them.
 *
 * @example
 * imageTypeOf(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)); // 'image/png'
 * imageTypeOf(new TextEncoder().encode('ABC')); // undefined
 */
export function imageTypeOf(bytes: Uint8Array): string | undefined {
  const matches = (offset: number, magic: string) => bytes.length >= offset + magic.length && [...magic].every((char, index) => bytes[offset + index] === char.charCodeAt(0));
  return IMAGE_SIGNATURES.find((signature) => signature.parts.every(([offset, magic]) => matches(offset, magic)))?.mediaType;
}

/**
 * An image's width and height in pixels from its header, or undefined when the bytes are no PNG, JPEG, GIF or WebP.
 *
 * @example
 * imageSize(dataUrlBytes(url)!.bytes); // { width: 1024, height: 768 }
 */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG' && ascii(bytes, 12, 4) === 'IHDR') return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  if (bytes.length >= 10 && ascii(bytes, 0, 3) === 'GIF') return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
  if (bytes.length >= 30 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    const chunk = ascii(bytes, 12, 4);
    if (chunk === 'VP8X') return { width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1 };
    if (chunk === 'VP8L') {
      const bits = (bytes[21] ?? 0) | ((bytes[22] ?? 0) << 8) | ((bytes[23] ?? 0) << 16) | ((bytes[24] ?? 0) << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
    return undefined;
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // JPEG: walk the segments to the first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC).
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1] ?? 0;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: u16be(bytes, at + 7), height: u16be(bytes, at + 5) };
      at += 2 + u16be(bytes, at + 2);
    }
  }
  return undefined;
}

/**
 * A PDF's page count: its page objects (`/Type /Page`, not `/Pages`), or undefined when the bytes are no PDF.
 *
 * @example
 * pdfPageCount(dataUrlBytes(fileData)!.bytes); // 10
 */
export function pdfPageCount(bytes: Uint8Array): number | undefined {
  if (ascii(bytes, 0, 5) !== '%PDF-') return undefined;
  // A single-byte decoding ('latin1' is windows-1252 to TextDecoder) keeps one character a byte and ASCII as it is,
  // so binary streams cannot hide or fake a match; one pass, with no array of a character per byte.
  const text = new TextDecoder('latin1').decode(bytes);
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/**
 * Tokens a vision model bills for an image, at most: one per 750 pixels, from 85 (a thumbnail) to 1,600 (what a
 * large image is scaled down to), as Anthropic documents and OpenAI's tiles come to.
 */
export const imageInputTokens = (size: { width: number; height: number }): number => Math.min(1_600, Math.max(85, Math.ceil((size.width * size.height) / 750)));
