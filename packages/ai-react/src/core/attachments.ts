import { acceptedByModel as narrowedToModel, type FeatureAccepts } from '@insforge/ai-protocol';
import type { AttachmentKind, MessageFilePart } from './message-parts.js';

/** What a file part holds, from its media type: images, PDFs, audio; anything else is a plain file. */
export function attachmentKindOf(mediaType: string): AttachmentKind {
  const type = mediaType.toLowerCase();
  if (type.startsWith('image/')) return 'image';
  if (type === 'application/pdf') return 'pdf';
  if (type.startsWith('audio/')) return 'audio';
  return 'file';
}

/** The kind the gateway's policy names (`file` covers PDFs and other documents). */
const policyKindOf = (kind: AttachmentKind): keyof FeatureAccepts['attachments'] => (kind === 'image' ? 'image' : kind === 'audio' ? 'audio' : 'file');

/** Bytes in words: "820 B", "14 KB", "2.4 MB". */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A character that belongs to the one before it: a combining mark (decomposed accents), a joiner, a skin tone. */
const JOINS_PREVIOUS = /^[\p{M}\u200d\p{Emoji_Modifier}]/u;

/**
 * A file name in two, for a middle ellipsis: `start` may be shortened on screen, `end` (the extension and the
 * `keep` characters before it) stays whole, so "quarterly-report-final-v1.pdf" and "…-v2.pdf" stay apart. A short
 * name is all `end`. Never cuts a letter from its accent or an emoji from its modifiers.
 *
 * @example
 * splitFileName('quarterly-report-final-v2.pdf'); // { start: 'quarterly-report-', end: 'final-v2.pdf' }
 */
export function splitFileName(name: string, keep = 8): { start: string; end: string } {
  const characters = Array.from(name);
  const dot = characters.lastIndexOf('.');
  // "archive.tar.gz" keeps ".gz" and what comes before; a dot file (".env") or a long "extension" counts as name.
  const extension = dot > 0 && characters.length - dot <= 10 ? characters.length - dot : 0;
  let cut = Math.max(0, characters.length - extension - keep);
  while (cut > 0 && (JOINS_PREVIOUS.test(characters[cut] ?? '') || characters[cut - 1] === '\u200d')) cut -= 1;
  return { start: characters.slice(0, cut).join(''), end: characters.slice(cut).join('') };
}

/** Why a file cannot be attached, by rule, for the composer to word. */
export type AttachmentRefusal =
  | { reason: 'kind'; kind: AttachmentKind }
  | { reason: 'type'; mediaType: string }
  | { reason: 'size'; maxBytes: number }
  | { reason: 'count'; maxCount: number };

/**
 * Whether the feature takes this file, checked before anything is sent: the kind (its model's input modalities and
 * the feature's policy), the media type, the size, and how many of its kind are attached already. Undefined when it
 * is fine, or when the gateway did not say what it accepts (it still checks on send).
 *
 * @example
 * const refusal = attachmentRefusal({ type: file.type, size: file.size }, entry.accepts, attached);
 */
export function attachmentRefusal(file: { type: string; size: number }, accepts: FeatureAccepts | undefined, attached: readonly Pick<MessageFilePart, 'kind'>[]): AttachmentRefusal | undefined {
  if (!accepts) return undefined;
  const kind = attachmentKindOf(file.type);
  const rule = accepts.attachments[policyKindOf(kind)];
  if (!rule) return { reason: 'kind', kind };
  if (rule.mimeTypes && !rule.mimeTypes.includes(file.type.toLowerCase())) return { reason: 'type', mediaType: file.type || 'unknown' };
  if (file.size > rule.maxBytes) return { reason: 'size', maxBytes: rule.maxBytes };
  const sameKind = attached.filter((part) => policyKindOf(part.kind) === policyKindOf(kind)).length;
  if (sameKind >= rule.maxCount) return { reason: 'count', maxCount: rule.maxCount };
  return undefined;
}

/**
 * What the feature's policy allows, narrowed to what its model reads (the protocol's `acceptedByModel`: no images
 * without image input, no audio without audio input, PDFs always); undefined stays undefined.
 *
 * @example
 * const accepts = acceptedByModel(entry.accepts, entry.inputModalities);
 */
export function acceptedByModel(accepts: FeatureAccepts | undefined, inputModalities: readonly string[]): FeatureAccepts | undefined {
  return accepts && narrowedToModel(accepts, inputModalities);
}

/** Whether the feature takes any attachment the composer sends (it shows its attach button then; it sends no video). */
export const acceptsAttachments = (accepts: FeatureAccepts | undefined): boolean =>
  accepts !== undefined && Object.entries(accepts.attachments).some(([kind, rule]) => kind !== 'video' && rule !== false);

/** The `accept` attribute of a file input for what the feature takes. */
export function acceptAttribute(accepts: FeatureAccepts | undefined): string | undefined {
  if (!accepts) return undefined;
  const { image, file, audio } = accepts.attachments;
  const types = [image && (image.mimeTypes ?? ['image/*']), file && (file.mimeTypes ?? ['application/pdf']), audio && (audio.mimeTypes ?? ['audio/*'])];
  return types.flatMap((list) => list || []).join(',') || undefined;
}

/** Reads a Blob as a data URL, reporting progress (0–1) for large files where the platform can. */
function readDataUrl(file: Blob, onProgress?: (fraction: number) => void): Promise<string> {
  if (typeof FileReader === 'undefined') {
    return file.arrayBuffer().then((buffer) => `data:${file.type || 'application/octet-stream'};base64,${bytesToBase64(new Uint8Array(buffer))}`);
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.onload = () => resolve(String(reader.result));
    reader.readAsDataURL(file);
  });
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}

/** An image's pixel size, where the platform can decode it (previews reserve their box); undefined otherwise. */
async function imageSize(file: Blob): Promise<{ width: number; height: number } | undefined> {
  if (typeof createImageBitmap !== 'function') return undefined;
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return undefined;
  }
}

/**
 * A picked, pasted or dropped file as a message part: a data URL, its kind, size and name, an image's pixel size.
 *
 * @example
 * const part = await readAttachment(input.files[0], (fraction) => setProgress(fraction));
 * await chat.send('What is this?', { attachments: [part] });
 */
export async function readAttachment(file: Blob & { name?: string }, onProgress?: (fraction: number) => void): Promise<MessageFilePart> {
  const mediaType = file.type || 'application/octet-stream';
  const kind = attachmentKindOf(mediaType);
  const [url, size] = await Promise.all([readDataUrl(file, onProgress), kind === 'image' ? imageSize(file) : Promise.resolve(undefined)]);
  return { type: 'file', kind, mediaType, ...(file.name ? { name: file.name } : {}), size: file.size, url, ...(size ?? {}) };
}
