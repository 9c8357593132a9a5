import { isRecord } from '../records.js';

/** How deep the walk looks into a message: far below the request parser's own bound, far above any real message. */
const MAX_DEPTH = 64;

/** A string in a message that carries a file: a URL (a `data:` URL, a link) or, for audio, bare base64. */
export interface AttachmentSlot {
  /** Where it is, as a request parameter: `messages.0.content.1.image_url.url`. */
  path: string;
  value: string;
  /** `url` holds a URL or data URL; `base64` holds bare base64 (OpenAI's `input_audio.data`). */
  form: 'url' | 'base64';
  /** The media type the part gives beside the string (`audio/<format>` for `input_audio`), for bare base64. */
  mediaType: string | undefined;
  /** Replaces the string in place. */
  set(value: string): void;
}

/** The part shapes that carry a file: an object under `key` whose `field` is the file. */
const NESTED: ReadonlyArray<readonly [key: string, field: string, form: AttachmentSlot['form']]> = [
  ['image_url', 'url', 'url'],
  ['file', 'file_data', 'url'],
  ['input_audio', 'data', 'base64'],
];

/**
 * Every string of a message (or a list of them) that carries a file, wherever the parts sit: the client's message
 * parts (`{ type: 'file' | 'image', url }`), OpenAI's content parts (`image_url.url`, `file.file_data`,
 * `input_audio.data`) and an assistant's generated `images`. The slots write into `root`, so clone it first to keep
 * the original.
 *
 * @example
 * for (const slot of attachmentSlots(messages, 'messages')) if (isDataUrl(slot.value)) slot.set(reference);
 */
export function attachmentSlots(root: unknown, path: string): AttachmentSlot[] {
  const slots: AttachmentSlot[] = [];
  const seen = new Map<Record<string, unknown>, Set<string>>();
  const add = (owner: Record<string, unknown>, field: string, at: string, form: AttachmentSlot['form'], mediaType?: string) => {
    const value = owner[field];
    const fields = seen.get(owner) ?? new Set<string>();
    if (typeof value !== 'string' || fields.has(field)) return;
    fields.add(field);
    seen.set(owner, fields);
    slots.push({ path: at, value, form, mediaType, set: (next) => (owner[field] = next) });
  };
  const visit = (node: unknown, at: string, depth: number) => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, `${at}.${index}`, depth + 1));
      return;
    }
    if (!isRecord(node)) return;
    if (node['type'] === 'file' || node['type'] === 'image') add(node, 'url', `${at}.url`, 'url');
    for (const [key, field, form] of NESTED) {
      const inner = node[key];
      if (!isRecord(inner)) continue;
      const format = key === 'input_audio' && typeof inner['format'] === 'string' ? `audio/${inner['format']}` : undefined;
      add(inner, field, `${at}.${key}.${field}`, form, format);
    }
    for (const [key, child] of Object.entries(node)) if (typeof child === 'object' && child !== null) visit(child, `${at}.${key}`, depth + 1);
  };
  visit(root, path, 0);
  return slots;
}
