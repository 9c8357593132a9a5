import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from './ai-provider.js';
import { useAdminAccess } from './use-admin-access.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function wrapperFor(token: string, fetch: typeof globalThis.fetch = globalThis.fetch) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${token}` }} fetch={fetch}>
        {children}
      </AiProvider>
    );
  };
}

describe('useAdminAccess', () => {
  it('is checking, then granted for an admin and denied for a user the gateway refuses', async () => {
    const admin = renderHook(() => useAdminAccess(), { wrapper: wrapperFor(ADMIN_TOKEN) });
    expect(admin.result.current).toBe('checking');
    await waitFor(() => expect(admin.result.current).toBe('granted'));
    const user = renderHook(() => useAdminAccess(), { wrapper: wrapperFor(CLIENT_KEY) });
    await waitFor(() => expect(user.result.current).toBe('denied'));
  });

  it('counts a failure that says nothing about permission (the network) as granted, so the admin reaches the dialog that explains it', async () => {
    const offline: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    const { result } = renderHook(() => useAdminAccess(), { wrapper: wrapperFor(ADMIN_TOKEN, offline) });
    await waitFor(() => expect(result.current).toBe('granted'));
  });
});
