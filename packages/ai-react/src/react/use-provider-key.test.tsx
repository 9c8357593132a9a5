import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { randomBytes } from 'node:crypto';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '@insforge/ai-server/testing';
import { KeyEncryption } from '@insforge/ai-server';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from './ai-provider.js';
import { useProviderKey } from './use-provider-key.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    // Stored keys are encrypted: the gateway needs a master key to accept one.
    encryption: new KeyEncryption([{ id: 'test', key: randomBytes(32) }]),
    // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
    emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } },
  });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function Wrapper({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${ADMIN_TOKEN}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}
const masked = (key: string) => `${key.slice(0, 6)}…${key.slice(-4)}`;

describe('useProviderKey', () => {
  it('shows the key in use masked, sets a new one checked with OpenRouter, tests it and removes it', async () => {
    const { result } = renderHook(() => useProviderKey(), { wrapper: Wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    // The gateway's own key (from its options) until one is stored.
    expect(result.current).toMatchObject({ configured: true, source: 'environment', masked: masked(harness.upstreamKey) });

    const account = harness.emulator.addKey({ label: 'Team key', limit: 25 });
    const stored = await result.current.set(account.key);
    expect(stored).toMatchObject({ source: 'stored', masked: masked(account.key) });
    await waitFor(() => expect(result.current.source).toBe('stored'));
    expect(result.current.masked).toBe(masked(account.key));
    expect(result.current.facts).toMatchObject({ label: 'Team key', limit: 25, isFreeTier: false, validatedAt: expect.any(String) });
    expect(JSON.stringify(result.current.state)).not.toContain(account.key);

    await result.current.test();
    await waitFor(() => expect(result.current.facts.valid).toBe(true));
    expect(result.current).toMatchObject({ source: 'stored', status: 'ready', error: undefined });

    await result.current.remove();
    await waitFor(() => expect(result.current.source).toBe('environment'));
    expect(result.current.masked).toBe(masked(harness.upstreamKey));
  });

  it('reports a key OpenRouter refuses, and keeps showing the key in use', async () => {
    const { result } = renderHook(() => useProviderKey(), { wrapper: Wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(await result.current.set(`sk-or-v1-${'0'.repeat(64)}`)).toBeUndefined();
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'provider_key_invalid', userMessage: 'OpenRouter rejected this key; check it and paste it again.' });
    expect(result.current.masked).toBe(masked(harness.upstreamKey));
  });
});
