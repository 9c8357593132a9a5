// Framework-free (no React import): a candidate for src/core, kept here while the core has no store for the
// admin reads that are only fetched and replaced whole (provider key, usage summary, limits).
import { createStore, type StoreApi } from 'zustand/vanilla';
import { toAiError, type AiError } from '../core/errors.js';

export interface ResourceState<T> {
  /** The last value read or written; kept while a later request runs or fails. */
  data: T | undefined;
  status: 'idle' | 'loading' | 'saving' | 'ready' | 'error';
  error: AiError | undefined;
}

export interface ResourceStore<T> {
  store: StoreApi<ResourceState<T>>;
  /** Reads the value; a later `load` or `write` wins over this one. Never rejects: a failure is in the state. */
  load(read: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  /** Changes the value on the server and shows what it answered. Never rejects: a failure is in the state. */
  write(change: (signal: AbortSignal) => Promise<T>): Promise<T | undefined>;
  /** Aborts what is running; its outcome is dropped. */
  dispose(): void;
}

/**
 * A value read from (and written to) an admin route, with its status and error; the latest request wins, so a
 * slow early read never overwrites a later save.
 *
 * @example
 * const key = createResourceStore<ProviderKeyState>();
 * await key.load((signal) => client.providerKey.get({ signal }));
 */
export function createResourceStore<T>(): ResourceStore<T> {
  const store = createStore<ResourceState<T>>()(() => ({ data: undefined, status: 'idle', error: undefined }));
  let running: AbortController | undefined;
  const run = async (status: 'loading' | 'saving', request: (signal: AbortSignal) => Promise<T>) => {
    running?.abort();
    const abort = new AbortController();
    running = abort;
    store.setState({ status, error: undefined });
    try {
      const data = await request(abort.signal);
      if (running === abort) store.setState({ data, status: 'ready' });
      return data;
    } catch (thrown) {
      // Admin routes: a server without them says `admin_unavailable`, not "not found".
      if (running === abort) store.setState({ status: 'error', error: toAiError(thrown, { admin: true }) });
      return undefined;
    } finally {
      if (running === abort) running = undefined;
    }
  };
  return {
    store,
    load: (read) => run('loading', read),
    write: (change) => run('saving', change),
    dispose() {
      running?.abort();
      running = undefined;
    },
  };
}
