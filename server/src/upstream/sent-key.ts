import { keySecret } from '../logger.js';
import { KeyWatch, REDACTED } from './key-watch.js';

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
 * What is looked for is the key's `secret`: the key without its public `sk-or-v1-` prefix, so the secret alone is
 * caught too. Bytes and text are searched as they are; `cleanParsed` finds it in parsed JSON (where `\u` escapes are
 * decoded), and `watch` in a stream whose events bring it in pieces.
 *
 * @example
 * const key = SentKey.of(run.apiKey);
 * key?.replaceIn('{"id":"sk-or-v1-…"}'); // '{"id":"[redacted]"}'
 */
export class SentKey {
  /** The secret part of the key (all of it when it has no `sk-or-` prefix). */
  readonly secret: string;
  /** The secret's bytes. */
  readonly bytes: Buffer;
  readonly #keyBytes: Buffer;

  private constructor(readonly text: string) {
    this.secret = keySecret(text);
    this.bytes = Buffer.from(this.secret);
    this.#keyBytes = Buffer.from(text);
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

  /** The text with the key (or its secret alone) replaced; the same string when it holds none. */
  replaceIn<T extends string | undefined>(text: T): T {
    if (text === undefined || !text.includes(this.secret)) return text;
    return text.replaceAll(this.text, REDACTED).replaceAll(this.secret, REDACTED) as T;
  }

  /** True when the secret starts in `bytes` between `from` and `to`. */
  foundInBytes(bytes: Buffer, from: number, to: number): boolean {
    const at = bytes.indexOf(this.bytes, from);
    return at !== -1 && at < to;
  }

  /** The bytes with the key (or its secret alone) replaced; the same bytes (not a copy) when they hold none. */
  replaceInBytes(bytes: Buffer): Buffer {
    if (bytes.indexOf(this.bytes) === -1) return bytes;
    return replaceAllBytes(replaceAllBytes(bytes, this.#keyBytes), this.bytes);
  }

  /** Whether JSON text may spell the key where its bytes do not: only with a `\u` escape in it (see `cleanParsed`). */
  static mayEscapeIn(json: string | Buffer): boolean {
    return json.includes('\\u');
  }

  /**
   * Replaces the key in every string (and object key) of a parsed JSON value, in place; true when it found one. For
   * JSON whose bytes hold `\u` escapes (`mayEscapeIn`), which may spell the key where the bytes do not.
   */
  cleanParsed(value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    let found = false;
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    const record = value as Record<string | number, unknown>;
    for (const [name, item] of entries) {
      if (typeof item === 'string') {
        const clean = this.replaceIn(item);
        if (clean !== item) {
          record[name] = clean;
          found = true;
        }
      } else if (this.cleanParsed(item)) found = true;
      if (typeof name === 'string' && name.includes(this.secret)) {
        const current = record[name];
        Reflect.deleteProperty(record, name);
        record[this.replaceIn(name)] = current;
        found = true;
      }
    }
    return found;
  }

  /** A watch for one stream (see `KeyWatch`); undefined for a secret it cannot take (only whole copies are found). */
  watch(): KeyWatch | undefined {
    return KeyWatch.accepts(this.secret) ? new KeyWatch(this.secret) : undefined;
  }
}

/** `bytes` with every `find` replaced by `[redacted]`; the same bytes when there is none. */
function replaceAllBytes(bytes: Buffer, find: Buffer): Buffer {
  let at = bytes.indexOf(find);
  if (at === -1) return bytes;
  const parts: Buffer[] = [];
  let from = 0;
  for (; at !== -1; at = bytes.indexOf(find, from)) {
    parts.push(bytes.subarray(from, at), REDACTED_BYTES);
    from = at + find.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
