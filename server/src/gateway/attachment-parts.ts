import { imageTypeOf, isDataUrl, type AttachmentKind } from '@insforge/ai-protocol';
import { isRecord } from '../records.js';

/**
 * The content part types of OpenRouter's chat (its API reference's content items), each with the kind of attachment
 * it carries (`null` for text). `input_video` is OpenRouter's deprecated name for `video_url`, read the same way.
 */
const PART_KINDS: Readonly<Record<string, AttachmentKind | null>> = {
  text: null,
  image_url: 'image',
  file: 'file',
  input_audio: 'audio',
  video_url: 'video',
  input_video: 'video',
};

/** The part types a chat may hold, for an error message. */
export const KNOWN_PART_TYPES = Object.keys(PART_KINDS);

/** Whether the gateway knows a content part's type: one it does not know could carry anything past the policy. */
export const isKnownPartType = (type: unknown): boolean => typeof type === 'string' && Object.hasOwn(PART_KINDS, type);

/** What is wrong with a content part's shape: the field at fault, under the part, and what it must be. */
export interface PartShapeProblem {
  field: string;
  expected: string;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
/** The links a provider fetches, and inline bytes; any case, as the gateway reads data URLs. */
const FETCHABLE = /^(?:https?:\/\/|data:)/i;

/**
 * The problem with where an attachment is, none for a link or a data URL. A reference to the gateway's file store
 * (`insforge-file:…`) still here is malformed, or the gateway keeps no files: the attachment stage has put in the
 * bytes of every reference it could read.
 */
function locationProblem(field: string, value: unknown, what: string): PartShapeProblem | undefined {
  if (typeof value === 'string' && FETCHABLE.test(value)) return undefined;
  if (typeof value === 'string' && value.toLowerCase().startsWith('insforge-file:')) return { field, expected: `a file of the gateway's store (\`insforge-file:\` and its 64-hex-digit id, where the gateway keeps files), or ${what}'s http(s) URL or data URL` };
  return { field, expected: `${what}'s http(s) URL or data URL, a string` };
}

/** A part's object of fields (`image_url`, `file`…), then the problem with the one field it must hold. */
function holderProblem(part: Record<string, unknown>, holder: string, check: (fields: Record<string, unknown>) => PartShapeProblem | undefined, shape: string): PartShapeProblem | undefined {
  const fields = part[holder];
  return isRecord(fields) ? check(fields) : { field: holder, expected: `an object ${shape}` };
}

/**
 * What is wrong with the shape of a content part of a known type (`isKnownPartType`), checked whatever the feature's
 * attachment policy: a part OpenRouter cannot read is a 400 here, not sent on (OpenRouter's shapes: `text` a string,
 * `image_url.url` and `video_url.url` a link or data URL, `file.file_data` one too, `input_audio` its base64
 * `data` and `format`). Undefined when it has its shape.
 *
 * @example
 * partShapeProblem({ type: 'image_url', image_url: null });
 * // { field: 'image_url', expected: 'an object { url }' }
 */
export function partShapeProblem(part: Record<string, unknown>): PartShapeProblem | undefined {
  switch (part['type']) {
    case 'text':
      return typeof part['text'] === 'string' ? undefined : { field: 'text', expected: 'a string' };
    case 'image_url':
      return holderProblem(part, 'image_url', (fields) => locationProblem('image_url.url', fields['url'], 'the image'), '{ url }');
    case 'video_url':
    case 'input_video':
      return holderProblem(part, 'video_url', (fields) => locationProblem('video_url.url', fields['url'], 'the video'), '{ url }');
    case 'file':
      return holderProblem(part, 'file', (fields) => {
        if (fields['filename'] !== undefined && typeof fields['filename'] !== 'string') return { field: 'file.filename', expected: 'a string' };
        return locationProblem('file.file_data', fields['file_data'], 'the file');
      }, '{ filename, file_data }');
    case 'input_audio':
      return holderProblem(part, 'input_audio', (fields) => {
        if (!isText(fields['data'])) return { field: 'input_audio.data', expected: 'the audio as base64, a string' };
        return isText(fields['format']) ? undefined : { field: 'input_audio.format', expected: 'its format ("wav", "mp3"…), a string' };
      }, '{ data, format }');
    default:
      return undefined;
  }
}

/** What the policy judges of an attachment part. */
export interface AttachmentPart {
  kind: AttachmentKind;
  /** The media type the part says it holds (its data URL's label, audio's `format`, a `.pdf` name), lowercased. */
  declaredType: string | undefined;
  /** What its bytes are, where the gateway can tell (images, PDFs); undefined for a link or bytes it does not know. */
  contentType: string | undefined;
  /** Inline (a data URL, base64 audio) rather than a link. */
  inline: boolean;
  /** Its size in bytes (0 for a link, whose size is the provider's concern). */
  bytes: number;
}

/** How many characters of a payload are read to tell what its bytes are: enough for every signature, whitespace and all. */
const HEAD_CHARACTERS = 4_096;
/** The longest signature read (AVIF's `ftypavif` ends at byte 12). */
const HEAD_BYTES = 32;
/** Labels that name the same type as another. */
const TYPE_ALIASES: Readonly<Record<string, string>> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'image/x-png': 'image/png' };

const base64Bytes = (base64: string) => Math.max(0, Math.floor((base64.length * 3) / 4) - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0));

/** The first bytes of a data URL's payload, read leniently (as a provider's decoder does: characters outside base64 skipped). */
function headOf(payload: string, base64: boolean): Buffer {
  const head = payload.slice(0, HEAD_CHARACTERS);
  if (base64) {
    const compact = head.replace(/[^A-Za-z0-9+/]/g, '').slice(0, Math.ceil(HEAD_BYTES / 3) * 4);
    return Buffer.from(compact.slice(0, compact.length - (compact.length % 4)), 'base64');
  }
  // Percent-encoded: each %XX is its byte, any other character its code unit (a signature is ASCII or escaped).
  const bytes: number[] = [];
  for (let index = 0; index < head.length && bytes.length < HEAD_BYTES; index += 1) {
    const escaped = head[index] === '%' ? /^[0-9a-f]{2}$/i.exec(head.slice(index + 1, index + 3))?.[0] : undefined;
    if (escaped !== undefined) {
      bytes.push(Number.parseInt(escaped, 16));
      index += 2;
    } else bytes.push(head.charCodeAt(index) & 0xff);
  }
  return Buffer.from(bytes);
}

/** What bytes of a kind are, from their signature: an image's format, a PDF; undefined where the gateway cannot tell. */
function contentTypeOf(kind: AttachmentKind, head: Buffer): string | undefined {
  if (kind === 'image') return imageTypeOf(head);
  if (kind === 'file' && head.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  return undefined;
}

/** A data URL's label, size and what its bytes are; nothing for a link. The scheme is read in any case (`DATA:`). */
function dataUrlFacts(kind: AttachmentKind, url: unknown): Omit<AttachmentPart, 'kind'> {
  if (typeof url !== 'string' || !isDataUrl(url)) return { declaredType: undefined, contentType: undefined, inline: false, bytes: 0 };
  const comma = url.indexOf(',');
  const header = url.slice(5, comma < 0 ? undefined : comma);
  const label = header.split(';')[0]?.trim().toLowerCase() || undefined;
  const payload = comma < 0 ? '' : url.slice(comma + 1);
  const base64 = /;base64/i.test(header);
  return {
    declaredType: label === undefined ? undefined : (TYPE_ALIASES[label] ?? label),
    contentType: contentTypeOf(kind, headOf(payload, base64)),
    inline: true,
    // Whitespace and escapes counted as bytes: an overcount, never an undercount.
    bytes: base64 ? base64Bytes(payload) : payload.length,
  };
}

/**
 * The attachment a content part carries, read without decoding it whole; undefined for text and for a part type the
 * gateway does not know (see `isKnownPartType`).
 *
 * @example
 * attachmentOf({ type: 'image_url', image_url: { url: 'DATA:image/png;base64,iVBORw0KGgo=' } });
 * // { kind: 'image', declaredType: 'image/png', contentType: 'image/png', inline: true, bytes: 8 }
 */
export function attachmentOf(part: Record<string, unknown>): AttachmentPart | undefined {
  const kind = typeof part['type'] === 'string' && Object.hasOwn(PART_KINDS, part['type']) ? PART_KINDS[part['type']] : undefined;
  if (!kind) return undefined;
  if (kind === 'image' || kind === 'video') {
    // `input_video` carries its URL under `video_url`, as `video_url` does.
    const holder = part[kind === 'image' ? 'image_url' : 'video_url'];
    return { kind, ...dataUrlFacts(kind, isRecord(holder) ? holder['url'] : undefined) };
  }
  if (kind === 'file') {
    const file = isRecord(part['file']) ? part['file'] : {};
    const facts = dataUrlFacts(kind, file['file_data']);
    const byName = typeof file['filename'] === 'string' && /\.pdf$/i.test(file['filename']) ? 'application/pdf' : undefined;
    return { kind, ...facts, declaredType: facts.declaredType ?? byName };
  }
  const audio = isRecord(part['input_audio']) ? part['input_audio'] : {};
  const data = typeof audio['data'] === 'string' ? audio['data'] : '';
  return { kind, declaredType: typeof audio['format'] === 'string' ? `audio/${audio['format'].toLowerCase()}` : undefined, contentType: undefined, inline: data !== '', bytes: base64Bytes(data) };
}
