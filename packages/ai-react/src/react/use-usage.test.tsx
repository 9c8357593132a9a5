import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import type { UsageSummaryParams } from '../core/admin-types.js';
import { createAiClient } from '../core/client.js';
import { AiProvider } from './ai-provider.js';
import { useUsage } from './use-usage.js';

type HarnessOptions = NonNullable<Parameters<typeof startHarness>[0]>;

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  const options: HarnessOptions = { emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } };
  // `usage: undefined` replaces the harness's in-memory sink with the gateway's own ledger (its database), which
  // the usage routes read.
  Object.assign(options, { usage: undefined });
  harness = await startHarness(options);
  const user = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
  await user.chat.complete({ model: 'chat', messages: [{ role: 'user', content: 'Count me' }] });
  await user.chat.complete({ model: 'code', messages: [{ role: 'user', content: 'Count me too' }] });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

function wrapper(token: string) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${token}` }} fetch={globalThis.fetch}>
        {children}
      </AiProvider>
    );
  };
}

describe('useUsage', () => {
  it('sums the period, grouped as asked, and reads again when the grouping changes', async () => {
    const { result, rerender } = renderHook((params: UsageSummaryParams) => useUsage(params), { initialProps: { period: 'day', groupBy: 'feature' }, wrapper: wrapper(ADMIN_TOKEN) });
    // The ledger writes in batches: ask again until both requests are in.
    await waitFor(async () => {
      await result.current.refresh();
      expect(result.current.totals?.requests).toBe(2);
    });
    expect(result.current.status).toBe('ready');
    expect(result.current.totals).toMatchObject({ promptTokens: expect.any(Number), completionTokens: expect.any(Number), costUsd: expect.any(Number) });
    expect(result.current.groups.map((group) => group['feature']).sort()).toEqual(['chat', 'code']);

    rerender({ period: 'day', groupBy: 'model' });
    await waitFor(() => expect(result.current.summary?.['groupBy']).toEqual(['model']));
    expect(result.current.groups.map((group) => group['model']).sort()).toEqual(['anthropic/claude-sonnet-4', 'openai/gpt-4o-mini']);
  });

  it('a caller who is not an admin gets forbidden', async () => {
    const { result } = renderHook(() => useUsage({ period: 'day' }), { wrapper: wrapper(CLIENT_KEY) });
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'forbidden', status: 403 });
  });
});
