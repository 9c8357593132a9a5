/** How a `NotifiedCache` reads what it caches, for how long, and how it reports serving a stale value. */
export interface NotifiedCacheOptions<K, V> {
  /** How long a value is served without asking again. */
  ttlMs: number;
  /** Reads the current value (from the database). */
  load(key: K): Promise<V>;
  /**
   * Called when a read failed and the last known value was served instead: once per outage (until a read succeeds
   * again), however many keys and reads it affects, so a database that is down does not flood the log.
   */
  onStale?(key: K, error: unknown): void;
  /** Entries kept at most; the oldest is dropped first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/** How whoever opens a store sets up its configuration cache. */
export interface StoreCacheOptions {
  /** How long a value is served before it is read again. */
  ttlMs?: number | undefined;
  /** Told, once per outage, that the database could not be read and the values read last are served meanwhile. */
  onStale?: ((error: unknown) => void) | undefined;
}

interface Entry<V> {
  value: V;
  /** When it was read; `-Infinity` once invalidated (still served while the database is down). */
  at: number;
}

/**
 * The gateway's one cache for configuration read on the hot path (features, limit policies, provider keys, client
 * keys): values expire after a TTL and are dropped at once by an invalidation (a local save, or another instance's
 * change notification); a read that was running when an invalidation came is never cached (a generation check);
 * concurrent misses of one key share one read; and while the database is briefly down, the last known value is
 * served rather than an error.
 * @example
 * const cache = new NotifiedCache({ ttlMs: 2_000, load: (projectId: string) => readLimits(projectId) });
 * notifier.subscribe((event) => cache.invalidate(event.projectId));
 */
export class NotifiedCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #generations = new Map<K, number>();
  readonly #inFlight = new Map<K, { generation: string; promise: Promise<V> }>();
  #stale = false;
  #allGeneration = 0;
  readonly #now: () => number;

  constructor(private readonly options: NotifiedCacheOptions<K, V>) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: K): Promise<V> {
    const entry = this.#entries.get(key);
    if (entry && this.#now() - entry.at < this.options.ttlMs) return entry.value;
    const generation = this.#generationOf(key);
    const running = this.#inFlight.get(key);
    if (running && running.generation === generation) return running.promise;
    const promise = this.#read(key, generation);
    this.#inFlight.set(key, { generation, promise });
    return promise;
  }

  /** Drops one key's value: the next read goes to the database, and a read already running is not cached. */
  invalidate(key: K): void {
    const entry = this.#entries.get(key);
    // Nothing cached and nothing being read: no generation to bump, so announcements for keys never read cost nothing.
    if (!entry && !this.#inFlight.has(key)) return;
    this.#generations.set(key, (this.#generations.get(key) ?? 0) + 1);
    if (entry) entry.at = -Infinity;
  }

  /** Drops every value, as `invalidate` does for one. */
  invalidateAll(): void {
    this.#allGeneration += 1;
    for (const entry of this.#entries.values()) entry.at = -Infinity;
  }

  #generationOf(key: K): string {
    return `${this.#allGeneration}:${this.#generations.get(key) ?? 0}`;
  }

  async #read(key: K, generation: string): Promise<V> {
    try {
      const value = await this.options.load(key);
      this.#stale = false;
      if (this.#generationOf(key) === generation) this.#store(key, value);
      return value;
    } catch (error) {
      const last = this.#entries.get(key);
      if (!last) throw error;
      if (!this.#stale) {
        this.#stale = true;
        this.options.onStale?.(key, error);
      }
      return last.value;
    } finally {
      if (this.#inFlight.get(key)?.generation === generation) this.#inFlight.delete(key);
    }
  }

  #store(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.#now() });
    const max = this.options.maxEntries ?? 10_000;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= max) break;
      this.#entries.delete(oldest);
      // A read still running for it must keep seeing its invalidations, so its generation stays until then.
      if (!this.#inFlight.has(oldest)) this.#generations.delete(oldest);
    }
  }
}
