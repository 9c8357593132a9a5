'use client';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { createCatalogStore, type CatalogState } from '../core/catalog-store.js';
import { createAiClient, type AiClient } from '../core/client.js';
import { createQueryCache, type QueryCache } from '../core/query-cache.js';
import type { ConversationStorage } from '../core/storage/conversation-storage.js';
import { localStorageAdapter } from '../core/storage/local-storage.js';
import type { StoreApi } from 'zustand/vanilla';
import { useInstance } from './use-instance.js';
import { useLatest } from './use-latest.js';

/** What hooks use when their own options leave it out. */
export interface AiDefaults {
  /** The chat feature of `useChat` (default "chat"). */
  feature?: string | undefined;
  /** The image feature of `useImageGeneration` (default "image"). */
  imageFeature?: string | undefined;
}

export interface AiProviderProps {
  /**
   * A client made with `createAiClient` (once, outside the component or in `useState`); or give `baseUrl` (and
   * headers) and the provider makes one.
   */
  client?: AiClient | undefined;
  /** Where the gateway is mounted (e.g. "/ai"), when no `client` is given. */
  baseUrl?: string | undefined;
  /** Sent with every request; the latest value is used, so an inline object is fine. */
  headers?: Record<string, string> | undefined;
  /** Called before every request (the host's JWT); the latest function is used. */
  getHeaders?: (() => Promise<Record<string, string>> | Record<string, string>) | undefined;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch | undefined;
  /**
   * Where conversations are kept; default `localStorageAdapter()` (nothing is kept while rendering on a server).
   * Create it once (outside the component, or in `useState`): another storage starts the chats over.
   */
  storage?: ConversationStorage | undefined;
  defaults?: AiDefaults | undefined;
  /** How long the model catalog (and every other server read of the hooks) stays fresh; default 5 minutes. */
  catalogTtlMs?: number | undefined;
  children?: ReactNode;
}

/** What every hook reads from the nearest `<AiProvider>`: all of it per provider instance. */
export interface AiContextValue {
  client: AiClient;
  storage: ConversationStorage;
  defaults: AiDefaults;
  /**
   * @deprecated The hooks read the catalog through `queries` now (one entry per modality and source); this store is
   * kept for code that reads it directly.
   */
  catalog: StoreApi<CatalogState>;
  /** This client's server reads (catalog, usage, limits, the OpenRouter key…) per key; see `createQueryCache`. */
  queries: QueryCache;
}

const AiContext = createContext<AiContextValue | null>(null);
AiContext.displayName = 'AiContext';

/**
 * Gives the hooks below it a client, conversation storage and defaults. Everything it creates belongs to this
 * instance (created once, never in a module), so two providers on a page share nothing. Reads no browser global
 * while rendering, so it renders on a server.
 *
 * @example
 * <AiProvider baseUrl="/ai" getHeaders={async () => ({ authorization: `Bearer ${await session.token()}` })}>
 *   <Chat />
 * </AiProvider>
 */
export function AiProvider(props: AiProviderProps): ReactNode {
  const { client: given, baseUrl, storage: givenStorage, defaults, catalogTtlMs, children } = props;
  const latest = useLatest(props);
  const client = useInstance([given, baseUrl, props.fetch === undefined], () => {
    if (given) return given;
    if (typeof baseUrl !== 'string') throw new TypeError('`AiProvider` needs a `client` or a `baseUrl` (where the gateway is mounted, e.g. "/ai").');
    // Headers and fetch are read through the ref on every request: an inline object or arrow function given
    // again on each render never recreates the client (nor, with it, the chats and the model catalog).
    return createAiClient({
      baseUrl,
      getHeaders: async () => ({ ...latest.current.headers, ...(await latest.current.getHeaders?.()) }),
      ...(props.fetch ? { fetch: (input, init) => (latest.current.fetch ?? globalThis.fetch)(input, init) } : {}),
    });
  });
  const defaultStorage = useInstance([], () => localStorageAdapter());
  const catalog = useInstance([client, catalogTtlMs], () => createCatalogStore({ client, ...(catalogTtlMs === undefined ? {} : { ttlMs: catalogTtlMs }) }));
  const queries = useInstance([client, catalogTtlMs], () => createQueryCache({ ...(catalogTtlMs === undefined ? {} : { staleMs: catalogTtlMs }), admin: (key) => key[0] !== 'models' }));
  const storage = givenStorage ?? defaultStorage;
  const feature = defaults?.feature;
  const imageFeature = defaults?.imageFeature;
  const value = useMemo<AiContextValue>(() => ({ client, storage, catalog, queries, defaults: { feature, imageFeature } }), [client, storage, catalog, queries, feature, imageFeature]);
  return <AiContext.Provider value={value}>{children}</AiContext.Provider>;
}

/**
 * The nearest provider's client, storage, defaults and catalog; throws, naming the hook, outside a provider.
 *
 * @example
 * const { client } = useAiContext('useChat');
 */
export function useAiContext(hookName = 'useAiContext'): AiContextValue {
  const value = useContext(AiContext);
  if (!value) throw new Error(`\`${hookName}\` must be used within \`<AiProvider>\``);
  return value;
}
