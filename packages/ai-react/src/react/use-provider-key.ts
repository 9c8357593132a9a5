'use client';
import { useMemo } from 'react';
import type { ProviderKeyState } from '../core/admin-types.js';
import type { AiError } from '../core/errors.js';
import { useAiContext } from './ai-provider.js';
import type { QueryState } from '../core/query-cache.js';
import { LIVE, useQuery } from './use-query.js';

/** What OpenRouter said about the key when it was last validated. */
export type ProviderKeyFacts = Pick<ProviderKeyState, 'label' | 'limit' | 'limitRemaining' | 'usage' | 'isFreeTier' | 'validatedAt' | 'valid'>;

export interface UseProviderKeyResult {
  /** The key in use, masked (`sk-or-v1-…abcd`), or undefined when there is none (or before it is read). */
  masked: string | undefined;
  configured: boolean;
  /** `stored` (set through the API), `environment` (the gateway's own key) or `none`. */
  source: ProviderKeyState['source'] | undefined;
  facts: ProviderKeyFacts;
  /** The whole answer of the last call. */
  state: ProviderKeyState | undefined;
  /** Validates the key with OpenRouter, then stores it (encrypted); the key never comes back. */
  set(key: string): Promise<ProviderKeyState | undefined>;
  /** Asks OpenRouter about the key in use again. */
  test(): Promise<ProviderKeyState | undefined>;
  /** Forgets the stored key (the gateway's own key, if any, is used again). */
  remove(): Promise<ProviderKeyState | undefined>;
  refresh(): Promise<ProviderKeyState | undefined>;
  status: QueryState<ProviderKeyState>['status'];
  /** `admin_unavailable` when the server has no admin routes; `provider_key_invalid` for a key OpenRouter refused. */
  error: AiError | undefined;
}

/**
 * The project's OpenRouter key for an admin screen: masked, with OpenRouter's facts, and set, test and remove.
 *
 * @example
 * const key = useProviderKey();
 * <p>{key.masked ?? 'No key'}</p> <button onClick={() => void key.test()}>Test</button>
 */
export function useProviderKey(): UseProviderKeyResult {
  const { client } = useAiContext('useProviderKey');
  const { data: state, status, error, refresh, write } = useQuery(['admin', 'provider-key'], (signal) => client.providerKey.get({ signal }), LIVE);
  return useMemo(() => {
    const { label, limit, limitRemaining, usage, isFreeTier, validatedAt, valid } = state ?? {};
    const facts = Object.fromEntries(Object.entries({ label, limit, limitRemaining, usage, isFreeTier, validatedAt, valid }).filter(([, value]) => value !== undefined)) as ProviderKeyFacts;
    return {
      masked: state?.masked,
      configured: state?.configured ?? false,
      source: state?.source,
      facts,
      state,
      set: (key: string) => write((signal) => client.providerKey.set(key, { signal })),
      test: () => write((signal) => client.providerKey.test({ signal })),
      remove: () => write((signal) => client.providerKey.remove({ signal })),
      refresh,
      status,
      error,
    };
  }, [state, status, error, write, client, refresh]);
}
