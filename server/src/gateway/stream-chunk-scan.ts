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
 */
export class PlainChunks {
  #prefix: string | undefined;
  #suffix: string | undefined;

  /** The characters of text a chunk carries when it fits the template; undefined when it must be parsed. */
  length(raw: string): number | undefined {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    if (prefix === undefined || suffix === undefined || raw.length <= prefix.length + suffix.length) return undefined;
    if (!raw.startsWith(prefix) || !raw.endsWith(suffix)) return undefined;
    return stringLength(raw, prefix.length, raw.length - suffix.length);
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
    if (end === undefined || JSON.parse(raw.slice(from - 1, end + 1)) !== text) return;
    this.#prefix = raw.slice(0, from);
    this.#suffix = raw.slice(end);
  }
}

/** The index of the quote that closes the JSON string whose text starts at `from`. */
function closingQuote(raw: string, from: number): number | undefined {
  for (let index = from; index < raw.length; index += 1) {
    const code = raw.charCodeAt(index);
    if (code === 34 /* " */) return index;
    if (code === 92 /* \ */) index += 1;
  }
  return undefined;
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
