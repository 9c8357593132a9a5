import { isUtf8 } from 'node:buffer';
import { closingQuote, type KeyWatch } from '../upstream/key-watch.js';
import type { UpstreamChunk } from './stream-proxy.js';

const CONTENT = '"content":"';

/**
 * Reads a stream's ordinary chunks without parsing them. A provider streams one piece of text at a time in chunks
 * that differ in nothing but that text: the same id, model, provider and time, the same empty finish reason. Once one
 * such chunk has been parsed and found plain (text, and nothing the gateway reads: no usage, no error, no reasoning),
 * its text before and after the content string is a template; a later chunk with the same text around a content
 * string is the same chunk with other text, so the gateway would do the same with it (forward it as it came, count
 * its characters) and needs no parse. Anything else — the first chunk, a finish, usage, an error, reasoning, tool
 * calls, an empty delta — does not fit the template and is parsed (and may become the next template).
 *
 * @example
 * const plain = new PlainChunks();
 * plain.learn(JSON.parse(raw), raw);
 * plain.length(nextRaw) // the characters of its text, or undefined: parse it
 * plain.plainRun(bytes, 0) // the same for the events at the start of a read of the upstream body
 */
export class PlainChunks {
  #prefix: string | undefined;
  #suffix: string | undefined;
  /**
   * The end of one plain event and the start of the next as bytes: the suffix and the blank line (its first
   * `#suffixLength` bytes), then `data: ` and the prefix. Its two parts are read by offset, without a view of each.
   */
  #jointBytes: Buffer | undefined;
  #suffixLength = 0;

  /** The characters of text a chunk carries when it fits the template; undefined when it must be parsed. */
  length(raw: string): number | undefined {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    if (prefix === undefined || suffix === undefined || raw.length <= prefix.length + suffix.length) return undefined;
    if (!raw.startsWith(prefix) || !raw.endsWith(suffix)) return undefined;
    return stringLength(raw, prefix.length, raw.length - suffix.length);
  }

  /** Where a chunk that fits the template has its text (the content string's, inside its quotes); undefined otherwise. */
  textOf(raw: string): readonly [start: number, end: number] | undefined {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    if (this.length(raw) === undefined || prefix === undefined || suffix === undefined) return undefined;
    return [prefix.length, raw.length - suffix.length];
  }

  /**
   * The run of whole plain events in `bytes` from `from` on, each `data: <chunk>\n\n` with the template around its
   * text, in valid UTF-8: where the run ends (`from` when the next event is not one) and the characters of its text
   * (`count`). With `watch`, the run ends before an event whose text it turns down (see `KeyWatch.passesRaw`).
   * Such a run can leave as the bytes that came.
   */
  plainRun(bytes: Buffer, from: number, watch?: KeyWatch): { end: number; count: number } {
    const joint = this.#jointBytes;
    const suffixLength = this.#suffixLength;
    if (joint === undefined) return { end: from, count: 0 };
    let characters = 0;
    let position = from;
    // Where the text of the event at `position` starts, once its prefix is known to match.
    let start = position + joint.length - suffixLength;
    if (start > bytes.length || bytes.compare(joint, suffixLength, joint.length, position, start) !== 0) return { end: from, count: 0 };
    // Filled in by each event's scan: one object per run rather than one per event (a few runs carry a whole answer).
    const text: ScannedText = { length: 0, quote: 0 };
    for (;;) {
      // Empty text is not a plain chunk (the parse decides what it is).
      if (!scanUtf8String(bytes, start, text) || text.length === 0) break;
      // One comparison for the end of this event and the start of the next (they are adjacent), else the end alone.
      const jointEnd = text.quote + joint.length;
      const next = jointEnd <= bytes.length && bytes.compare(joint, 0, joint.length, text.quote, jointEnd) === 0;
      const end = text.quote + suffixLength;
      if (!next && (end > bytes.length || bytes.compare(joint, 0, suffixLength, text.quote, end) !== 0)) break;
      if (watch && !watch.passesRaw(bytes, start, text.quote)) break;
      characters += text.length;
      position = end;
      if (!next) break;
      start = jointEnd;
    }
    // Bytes that are not UTF-8 are left to the decoder (which replaces them), so they never leave as they came.
    if (position === from || !isUtf8(bytes.subarray(from, position))) return { end: from, count: 0 };
    return { end: position, count: characters };
  }

  /** Whether a plain chunk has been seen (there is a template to read others by). */
  get learned(): boolean {
    return this.#jointBytes !== undefined;
  }

  /** Takes a parsed chunk's text around its content as the template, when the chunk is plain. */
  learn(chunk: UpstreamChunk, raw: string): void {
    const choice = chunk.choices?.length === 1 ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    const text = delta?.['content'];
    const plain =
      chunk.usage === undefined &&
      chunk.error === undefined &&
      typeof text === 'string' &&
      text !== '' &&
      Object.keys(delta ?? {}).every((key) => key === 'content' || key === 'role') &&
      !raw.includes('\n');
    if (!plain) return;
    // The one `"content":"` in the text is the delta's: quotes inside strings are escaped, and it is checked.
    const start = raw.indexOf(CONTENT);
    if (start === -1 || raw.indexOf(CONTENT, start + 1) !== -1) return;
    const from = start + CONTENT.length;
    const end = closingQuote(raw, from);
    if (end === -1 || JSON.parse(raw.slice(from - 1, end + 1)) !== text) return;
    this.#prefix = raw.slice(0, from);
    this.#suffix = raw.slice(end);
    this.#jointBytes = ownBytes(`${this.#suffix}\n\ndata: ${this.#prefix}`);
    this.#suffixLength = Buffer.byteLength(`${this.#suffix}\n\n`);
  }
}

/**
 * The bytes of `text` in memory of their own. `Buffer.from` cuts small buffers from a shared 8 KB slab, and one kept
 * for a stream's life keeps the whole slab: the templates of open streams pinned about 1.4 KB of slab per stream.
 */
function ownBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

/**
 * The characters of the JSON string text between `from` and `to` (escapes count as the one character they stand
 * for), or undefined when it is not the whole of one string: a quote not escaped, or an escape cut at the end.
 */
function stringLength(raw: string, from: number, to: number): number | undefined {
  let length = 0;
  for (let index = from; index < to; index += 1) {
    const code = raw.charCodeAt(index);
    if (code === 34 /* " */ || code < 32) return undefined;
    if (code === 92 /* \ */) {
      index += raw.charCodeAt(index + 1) === 117 /* u */ ? 5 : 1;
      if (index >= to) return undefined;
    }
    length += 1;
  }
  return length;
}

/** Where a JSON string's text in bytes ends: the index of its closing quote, and its characters. */
export interface ScannedText {
  length: number;
  quote: number;
}

/**
 * `stringLength` on UTF-8 bytes: the characters (UTF-16 code units, as a JavaScript string counts them) of the JSON
 * string text that starts at `from`, and the index of the quote that closes it, written into `text`; false for a
 * control character or an escape cut by the end of the bytes. The bytes are valid UTF-8 (checked before):
 * continuation bytes add nothing, a four-byte character is two code units.
 */
export function scanUtf8String(bytes: Buffer, from: number, text: ScannedText): boolean {
  let length = 0;
  for (let index = from; index < bytes.length; index += 1) {
    const byte = bytes[index] as number;
    if (byte === 34 /* " */) {
      text.length = length;
      text.quote = index;
      return true;
    }
    if (byte < 32) return false;
    if (byte === 92 /* \ */) {
      index += bytes[index + 1] === 117 /* u */ ? 5 : 1;
      if (index >= bytes.length) return false;
      length += 1;
    } else if (byte < 0x80) length += 1;
    else if (byte >= 0xf0) length += 2;
    else if (byte >= 0xc0) length += 1;
  }
  return false;
}
