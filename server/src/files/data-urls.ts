import { isDataUrl, percentDecode } from '@insforge/ai-protocol';
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

// Read from the bytes by the protocol, so the gateway's policy (which `files` may not import) reads them alike.
export { imageTypeOf } from '@insforge/ai-protocol';

/** A base64 data URL split so it can be given back exactly: its header (between `data:` and the comma) and bytes. */
export interface Base64DataUrl {
  /** As sent, e.g. `image/png;base64`. */
  header: string;
  /** Its media type, lowercased, without parameters. */
  mediaType: string;
  bytes: Buffer;
}

/**
 * A `data:` URL (its scheme and `;base64` in any case) whose payload is canonical base64 of at least one byte under a valid media type; undefined for any
 * other string (a link, percent-encoded text, base64 that would not encode back to the same text).
 *
 * @example
 * base64DataUrl('data:image/png;base64,iVBORw0KGgo='); // { header: 'image/png;base64', mediaType: 'image/png', bytes }
 */
export function base64DataUrl(value: string): Base64DataUrl | undefined {
  if (!isDataUrl(value)) return undefined;
  const comma = value.indexOf(',');
  if (comma < 0 || comma > 5 + MAX_HEADER_LENGTH) return undefined;
  const header = value.slice(5, comma);
  if (!/;base64$/i.test(header) || /\s/.test(header)) return undefined;
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
  if (!isDataUrl(value)) return { problem: 'is not a data: URL (data:<media type>;base64,<bytes>)' };
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
  // Each `%XX` is its byte, as RFC 2397 has it (a PNG's `%89` is no UTF-8), and as a chat's attachment is read; a `%`
  // that starts no escape is a malformed URL.
  if (/%(?![0-9a-f]{2})/i.test(payload)) return { problem: 'is not valid percent-encoding after its comma (a % must start an escape such as %2F)' };
  return { mediaType, bytes: Buffer.from(percentDecode(payload)) };
}
