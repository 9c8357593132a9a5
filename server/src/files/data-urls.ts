import { mediaTypeOf } from './file-store.js';

/** The longest data URL header the store takes (`image/png;name=…;base64`). */
const MAX_HEADER_LENGTH = 256;

/**
 * The bytes of a base64 text that is exactly what Node writes for them (the standard alphabet, padded, nothing
 * else), so encoding them again gives the same text; undefined for any other text.
 *
 * @example
 * canonicalBase64('QUJD'); // <Buffer 41 42 43>
 * canonicalBase64('QUJ='); // undefined: stray bits, it would come back as 'QUI='
 */
export function canonicalBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Stray bits in the last character decode the same as clean ones; only a text that encodes back alike round-trips.
  return bytes.toString('base64') === text ? bytes : undefined;
}

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
 * imageTypeOf(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')); // 'image/png'
 * imageTypeOf(Buffer.from('ABC')); // undefined
 */
export function imageTypeOf(bytes: Buffer): string | undefined {
  const matches = (offset: number, magic: string) => bytes.length >= offset + magic.length && bytes.toString('latin1', offset, offset + magic.length) === magic;
  return IMAGE_SIGNATURES.find((signature) => signature.parts.every(([offset, magic]) => matches(offset, magic)))?.mediaType;
}

/** A base64 data URL split so it can be given back exactly: its header (between `data:` and the comma) and bytes. */
export interface Base64DataUrl {
  /** As sent, e.g. `image/png;base64`. */
  header: string;
  /** Its media type, lowercased, without parameters. */
  mediaType: string;
  bytes: Buffer;
}

/**
 * A `data:` URL whose payload is canonical base64 of at least one byte under a valid media type; undefined for any
 * other string (a link, percent-encoded text, base64 that would not encode back to the same text).
 *
 * @example
 * base64DataUrl('data:image/png;base64,iVBORw0KGgo='); // { header: 'image/png;base64', mediaType: 'image/png', bytes }
 */
export function base64DataUrl(value: string): Base64DataUrl | undefined {
  if (!value.startsWith('data:')) return undefined;
  const comma = value.indexOf(',');
  if (comma < 0 || comma > 5 + MAX_HEADER_LENGTH) return undefined;
  const header = value.slice(5, comma);
  if (!header.endsWith(';base64') || /\s/.test(header)) return undefined;
  const mediaType = mediaTypeOf(header.slice(0, header.indexOf(';')));
  if (mediaType === undefined) return undefined;
  const bytes = canonicalBase64(value.slice(comma + 1));
  return bytes ? { header, mediaType, bytes } : undefined;
}

/**
 * What a `data:` URL holds, read leniently for an upload (base64 or percent-encoded); the reason as a sentence when
 * it holds nothing usable.
 *
 * @example
 * decodeDataUrl('data:text/plain,hi%21'); // { mediaType: 'text/plain', bytes: <Buffer 68 69 21> }
 */
export function decodeDataUrl(value: string): { mediaType: string; bytes: Buffer } | { problem: string } {
  if (!value.startsWith('data:')) return { problem: 'is not a data: URL (data:<media type>;base64,<bytes>)' };
  const comma = value.indexOf(',');
  if (comma < 0) return { problem: 'has no comma between its header and its bytes' };
  const header = value.slice(5, comma);
  const base64 = /;base64$/i.test(header);
  const declared = header.split(';')[0] ?? '';
  const mediaType = declared === '' ? 'text/plain' : mediaTypeOf(declared);
  if (mediaType === undefined) return { problem: `names "${declared.slice(0, 80)}", which is not a media type (type/subtype, e.g. image/png)` };
  const payload = value.slice(comma + 1);
  if (base64) {
    const compact = payload.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return { problem: 'is not valid base64 after its comma' };
    return { mediaType, bytes: Buffer.from(compact, 'base64') };
  }
  try {
    return { mediaType, bytes: Buffer.from(decodeURIComponent(payload), 'utf8') };
  } catch {
    return { problem: 'is not valid percent-encoding after its comma' };
  }
}
