import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ModelEntry, ModelListQuery } from './chat-types.js';
import type { AiClient } from './client.js';
import { toAiError, type AiError } from './errors.js';

export interface CatalogState {
  /** The entries of the last query loaded. */
  models: readonly ModelEntry[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: AiError | undefined;
  /** When the shown entries were fetched (epoch ms). */
  fetchedAt: number | undefined;
  query: ModelListQuery;
  /**
   * Shows the entries for `query`: from the cache while younger than the TTL, else fetched (once, however many
   * ask). Never rejects: a failure is in `status` and `error`, and the last entries known are returned.
   */
  load(query?: ModelListQuery, options?: { force?: boolean }): Promise<readonly ModelEntry[]>;
}

export interface CatalogStoreOptions {
  client: Pick<AiClient, 'models'>;
  /** How long a fetched list is used before it is fetched again; default 5 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export type ModelSort = 'name' | 'price' | 'context';

/**
 * The model catalog of one client, cached per query for `ttlMs`. Create one per provider: the cache lives in the
 * store, never in the module.
 *
 * @example
 * const catalog = createCatalogStore({ client });
 * await catalog.getState().load({ modality: 'image' });
 */
export function createCatalogStore(options: CatalogStoreOptions): StoreApi<CatalogState> {
  const { client, ttlMs = 5 * 60_000, now = Date.now } = options;
  const cache = new Map<string, { models: readonly ModelEntry[]; fetchedAt: number }>();
  const inflight = new Map<string, Promise<readonly ModelEntry[]>>();
  const keyOf = (query: ModelListQuery) => `${query.source ?? 'auto'}|${query.modality ?? ''}`;

  return createStore<CatalogState>()((set, get) => ({
    models: [],
    status: 'idle',
    error: undefined,
    fetchedAt: undefined,
    query: {},
    async load(query = {}, { force = false } = {}) {
      const key = keyOf(query);
      const cached = cache.get(key);
      if (cached && !force && now() - cached.fetchedAt < ttlMs) {
        set({ models: cached.models, fetchedAt: cached.fetchedAt, query, status: 'ready', error: undefined });
        return cached.models;
      }
      set({ query, status: 'loading', error: undefined });
      let pending = inflight.get(key);
      if (!pending) {
        pending = client.models.list(query).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      try {
        const models = await pending;
        const fetchedAt = now();
        cache.set(key, { models, fetchedAt });
        // A later `load` of another query wins the screen; this one only fills the cache.
        if (keyOf(get().query) === key) set({ models, fetchedAt, status: 'ready' });
        return models;
      } catch (thrown) {
        const error = toAiError(thrown);
        if (keyOf(get().query) === key) set({ status: 'error', error });
        return cached?.models ?? [];
      }
    },
  }));
}

const priceOf = (entry: ModelEntry) => (entry.pricing.promptPerMillion ?? 0) + (entry.pricing.completionPerMillion ?? 0);

/**
 * Entries matching a search (id, name or provider, any case), sorted; a new array, the entries themselves shared.
 *
 * @example
 * const shown = selectModels(state.models, { search: 'gpt', sort: 'price' });
 */
export function selectModels(models: readonly ModelEntry[], { search, sort }: { search?: string; sort?: ModelSort } = {}): ModelEntry[] {
  const needle = search?.trim().toLowerCase();
  const found = needle ? models.filter((entry) => `${entry.id} ${entry.name} ${entry.provider}`.toLowerCase().includes(needle)) : [...models];
  if (sort === 'name') found.sort((a, b) => a.name.localeCompare(b.name));
  if (sort === 'price') found.sort((a, b) => priceOf(a) - priceOf(b));
  if (sort === 'context') found.sort((a, b) => (b.contextLength ?? 0) - (a.contextLength ?? 0));
  return found;
}
