/**
 * Where cached answers live: the in-process LRU by default, Redis when several instances share hits. Values are
 * opaque text; every implementation passes the same contract test.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`, replacing what the key held. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Forgets every key that starts with `prefix` (a purge); answers how many it forgot. */
  deletePrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

/**
 * An in-process LRU bounded in bytes (UTF-8 size of keys and values): the least recently used answers make room,
 * and an answer larger than the whole budget is not kept. Expired entries are dropped when read or evicted.
 * @example
 * const store = new MemoryCacheStore({ maxBytes: 64 * 1024 * 1024 });
 */
export class MemoryCacheStore implements CacheStore {
  // A Map iterates in insertion order: re-inserting on every read keeps the least recently used first.
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: { maxBytes?: number; now?: () => number } = {}) {
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.#now = options.now ?? Date.now;
  }

  /** The bytes the entries hold now. */
  get bytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.delete(key);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    if (bytes > this.#maxBytes || ttlMs <= 0) return;
    while (this.#bytes + bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      await this.delete(oldest.value);
    }
    this.#entries.set(key, { value, bytes, expiresAt: this.#now() + ttlMs });
    this.#bytes += bytes;
  }

  async delete(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (const key of [...this.#entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      await this.delete(key);
      deleted += 1;
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
