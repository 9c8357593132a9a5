const REDACTED = '[redacted]';
const REDACTED_BYTES = Buffer.from(REDACTED);
/** Shorter keys are not looked for (`secretRedactor` skips them too): they would match ordinary text. */
const MIN_LENGTH = 8;
/** Keys already met, bounded as the redactor's stored secrets are (keys change rarely). */
const MAX_KEPT = 1_000;
const kept = new Map<string, SentKey>();

/**
 * The OpenRouter key a request sends upstream, as text and as bytes made once per key, so that what comes back can be
 * checked for it with one search over text or bytes the gateway already holds. An upstream that repeats it in a
 * successful answer (a debugging proxy that echoes request headers, a misbehaving one in between) must not hand it on
 * to a client, a cache or the ledger: it becomes `[redacted]`, as in error messages. `[redacted]` holds no quote,
 * backslash or line break, so JSON and SSE framing around it stay intact.
 *
 * @example
 * const key = SentKey.of(run.apiKey);
 * key?.replaceIn('{"id":"sk-or-v1-…"}'); // '{"id":"[redacted]"}'
 */
export class SentKey {
  readonly bytes: Buffer;

  private constructor(readonly text: string) {
    this.bytes = Buffer.from(text);
  }

  /** The key's checker, made once per key; undefined for a key too short to look for. */
  static of(key: string): SentKey | undefined {
    if (key.length < MIN_LENGTH) return undefined;
    let sent = kept.get(key);
    if (sent === undefined) {
      if (kept.size >= MAX_KEPT) kept.clear();
      sent = new SentKey(key);
      kept.set(key, sent);
    }
    return sent;
  }

  /** The text with the key replaced; the same string when it holds none. */
  replaceIn<T extends string | undefined>(text: T): T {
    return text !== undefined && text.includes(this.text) ? (text.replaceAll(this.text, REDACTED) as T) : text;
  }

  /** True when the key starts in `bytes` between `from` and `to`. */
  foundInBytes(bytes: Buffer, from: number, to: number): boolean {
    const at = bytes.indexOf(this.bytes, from);
    return at !== -1 && at < to;
  }

  /** The bytes with the key replaced; the same bytes (not a copy) when they hold none. */
  replaceInBytes(bytes: Buffer): Buffer {
    let at = bytes.indexOf(this.bytes);
    if (at === -1) return bytes;
    const parts: Buffer[] = [];
    let from = 0;
    for (; at !== -1; at = bytes.indexOf(this.bytes, from)) {
      parts.push(bytes.subarray(from, at), REDACTED_BYTES);
      from = at + this.bytes.length;
    }
    parts.push(bytes.subarray(from));
    return Buffer.concat(parts);
  }
}
