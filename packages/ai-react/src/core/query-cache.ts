import { createStore, type StoreApi } from 'zustand/vanilla';
import { toAiError, type AiError } from './errors.js';

/** What names a query: its parts in order, e.g. `['models', 'auto', 'image']`. A prefix names a family of them. */
export type QueryKey = ReadonlyArray<string | number | boolean | null | undefined>;

export interface QueryState<T> {
  /** The last value read or written; kept while a later request runs or fails. */
  data: T | undefined;
  status: 'idle' | 'loading' | 'saving' | 'ready' | 'error';
  error: AiError | undefined;
  /** When `data` was read or written (epoch ms). */
  updatedAt: number | undefined;
}

/** How a query reads its value; the signal aborts once nobody waits for it any more. */
export type QueryFetcher<T> = (signal: AbortSignal) => Promise<T>;

export interface QueryCacheOptions {
  /** How long a value is fresh: reads within it are served without a request. Default 5 minutes. */
  staleMs?: number;
  /** How long an entry nobody observes is kept before it is forgotten. Default 5 minutes. */
  gcMs?: number;
  /** Errors of these queries are read as admin routes' (`admin_unavailable` for a missing route). */
  admin?: (key: QueryKey) => boolean;
  now?: () => number;
}

export interface QueryEntry<T> {
  store: StoreApi<QueryState<T>>;
  /**
   * Reads the value unless it is fresh (or `force`); callers at the same time share one request. Never rejects: a
   * failure is in the state, and the last value known is returned.
   */
  fetch(fetcher: QueryFetcher<T>, options?: { force?: boolean; staleMs?: number }): Promise<T | undefined>;
  /**
   * Changes the value on the server and keeps what it answered; the latest read or write wins. Never rejects: a
   * failure is in the state (the value before it is kept) and the promise answers undefined.
   */
  write(change: QueryFetcher<T>): Promise<T | undefined>;
  /** Counts an observer while it is subscribed; an entry nobody observes is forgotten after `gcMs`. */
  observe(): () => void;
}

interface Entry {
  entry: QueryEntry<unknown>;
  stale: boolean;
  observers: number;
  gc: ReturnType<typeof setTimeout> | undefined;
  /** Re-reads the entry with the fetcher its observers last used (after an invalidation). */
  refetch: (() => void) | undefined;
}

const textOf = (key: QueryKey) => JSON.stringify(key);
const startsWith = (key: QueryKey, prefix: QueryKey) => prefix.length <= key.length && prefix.every((part, index) => Object.is(part, key[index]));

/**
 * Server state of one client, per key: each entry fetched once however many components ask (in-flight requests
 * shared), fresh for `staleMs`, invalidated by key prefix after a change, and forgotten when nobody has observed it
 * for `gcMs`. Framework-free: React reads an entry's store with `useStoreState`.
 *
 * @example
 * const queries = createQueryCache();
 * const images = queries.entry<ModelEntry[]>(['models', 'auto', 'image']);
 * await images.fetch((signal) => client.models.list({ modality: 'image' }, { signal }));
 * queries.invalidate(['models']); // every models query is read again by those who observe it
 */
export function createQueryCache(options: QueryCacheOptions = {}) {
  const { staleMs: defaultStaleMs = 5 * 60_000, gcMs = 5 * 60_000, now = Date.now } = options;
  const entries = new Map<string, Entry & { key: QueryKey }>();

  function create<T>(key: QueryKey): Entry & { key: QueryKey } {
    const store = createStore<QueryState<T>>()(() => ({ data: undefined, status: 'idle', error: undefined, updatedAt: undefined }));
    let running: { abort: AbortController; promise: Promise<T | undefined>; kind: 'read' | 'write' } | undefined;
    const record: Entry & { key: QueryKey } = { key, entry: undefined as unknown as QueryEntry<unknown>, stale: false, observers: 0, gc: undefined, refetch: undefined };

    const run = (kind: 'read' | 'write', request: QueryFetcher<T>): Promise<T | undefined> => {
      running?.abort.abort();
      const abort = new AbortController();
      const promise = (async () => {
        store.setState({ status: kind === 'read' ? 'loading' : 'saving', error: undefined });
        try {
          const data = await request(abort.signal);
          if (running?.abort === abort) {
            record.stale = false;
            store.setState({ data, status: 'ready', updatedAt: now() });
          }
          return data;
        } catch (thrown) {
          if (running?.abort === abort) store.setState({ status: 'error', error: toAiError(thrown, { admin: options.admin?.(key) ?? false }) });
          // A read that failed answers the last value known; a write that failed changed nothing, and says so.
          return kind === 'read' ? store.getState().data : undefined;
        } finally {
          if (running?.abort === abort) running = undefined;
        }
      })();
      running = { abort, promise, kind };
      return promise;
    };

    const entry: QueryEntry<T> = {
      store,
      fetch(fetcher, { force = false, staleMs = defaultStaleMs } = {}) {
        record.refetch = () => void entry.fetch(fetcher, { force: true });
        const { status, updatedAt, data } = store.getState();
        if (!force && !record.stale && status === 'ready' && updatedAt !== undefined && now() - updatedAt < staleMs) return Promise.resolve(data);
        // A read already under way serves this caller too; a write under way wins over a new read.
        if (running && (running.kind === 'write' || !force)) return running.promise;
        return run('read', fetcher);
      },
      write: (change) => run('write', change),
      observe() {
        record.observers += 1;
        if (record.gc !== undefined) clearTimeout(record.gc);
        record.gc = undefined;
        let observing = true;
        return () => {
          if (!observing) return;
          observing = false;
          record.observers -= 1;
          if (record.observers > 0) return;
          record.gc = setTimeout(() => {
            if (record.observers > 0) return;
            running?.abort.abort();
            entries.delete(textOf(key));
          }, gcMs);
        };
      },
    };
    record.entry = entry as QueryEntry<unknown>;
    return record;
  }

  return {
    /** The entry of `key`, made on first use. */
    entry<T>(key: QueryKey): QueryEntry<T> {
      const text = textOf(key);
      let record = entries.get(text);
      if (!record) {
        record = create<T>(key);
        entries.set(text, record);
      }
      return record.entry as QueryEntry<T>;
    },
    /**
     * Marks every entry under `prefix` stale: the observed ones are read again now, the others on their next read.
     * Answers how many entries it marked.
     */
    invalidate(prefix: QueryKey): number {
      let marked = 0;
      for (const record of entries.values()) {
        if (!startsWith(record.key, prefix)) continue;
        record.stale = true;
        marked += 1;
        if (record.observers > 0) record.refetch?.();
      }
      return marked;
    },
    /** The keys held now (for tests and devtools). */
    keys(): QueryKey[] {
      return [...entries.values()].map((record) => record.key);
    },
  };
}

export type QueryCache = ReturnType<typeof createQueryCache>;
