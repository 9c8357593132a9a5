import { cleanup, render, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from './ai-provider.js';
import { useModels, type UseModelsOptions, type UseModelsResult } from './use-models.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => cleanup());

/** Node's fetch, with the paths it was asked for counted (a real request each time; nothing is answered here). */
function countingFetch() {
  const paths: string[] = [];
  const fetchCounted: typeof fetch = (input, init) => {
    paths.push(new URL(String(input)).pathname);
    return globalThis.fetch(input, init);
  };
  return { paths, fetch: fetchCounted };
}

function wrapper(token: string | undefined, fetchImpl: typeof fetch = globalThis.fetch) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <AiProvider baseUrl={harness.url} headers={token ? { authorization: `Bearer ${token}` } : {}} fetch={fetchImpl}>
        {children}
      </AiProvider>
    );
  };
}

describe('useModels', () => {
  it('lists the admin catalog with provider, modalities, context, max output, prices and parameters; searches and sorts without another request', async () => {
    const counted = countingFetch();
    const { result, rerender } = renderHook((options: UseModelsOptions) => useModels(options), { initialProps: { modality: 'text', sort: 'price' }, wrapper: wrapper(ADMIN_TOKEN, counted.fetch) });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const { models } = result.current;
    expect(models.length).toBeGreaterThan(10);
    const mini = models.find((model) => model.id === 'openai/gpt-4o-mini')!;
    expect(mini).toMatchObject({ kind: 'model', provider: 'openai', modalities: ['text'], contextLength: expect.any(Number), maxOutputTokens: expect.any(Number) });
    expect(mini.pricing).toEqual({ promptPerMillion: 0.15, completionPerMillion: 0.6 });
    expect(mini.supportedParameters).toContain('temperature');
    const prices = models.map((model) => (model.pricing.promptPerMillion ?? 0) + (model.pricing.completionPerMillion ?? 0));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));

    rerender({ modality: 'text', search: 'CLAUDE', sort: 'context' });
    await waitFor(() => expect(result.current.models.every((model) => model.id.includes('claude'))).toBe(true));
    expect(result.current.models.length).toBeGreaterThan(0);
    expect(counted.paths.filter((path) => path.endsWith('/api/ai/models'))).toHaveLength(1);
  });

  it('two pickers of one provider share the cache, each showing its own modality', async () => {
    const counted = countingFetch();
    const seen: Record<string, UseModelsResult> = {};
    function Picker({ modality }: { modality: 'text' | 'image' }) {
      seen[modality] = useModels({ modality });
      return null;
    }
    function Pickers() {
      return (
        <>
          <Picker modality="text" />
          <Picker modality="image" />
        </>
      );
    }
    const Wrapper = wrapper(ADMIN_TOKEN, counted.fetch);
    const view = render(
      <Wrapper>
        <Pickers />
      </Wrapper>,
    );
    await waitFor(() => expect([seen['text']!.status, seen['image']!.status]).toEqual(['ready', 'ready']));
    expect(seen['text']!.models.every((model) => model.modalities.includes('text'))).toBe(true);
    expect(seen['image']!.models.length).toBeGreaterThan(0);
    expect(seen['image']!.models.every((model) => model.modalities.includes('image'))).toBe(true);
    // Mounted again within the TTL: the cache answers.
    view.rerender(
      <Wrapper>
        <Pickers />
        <Picker modality="text" />
      </Wrapper>,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen['text']!.status).toBe('ready');
    expect(counted.paths.filter((path) => path.endsWith('/api/ai/models'))).toHaveLength(2);
  });

  it("lists a user's features, and refresh fetches again", async () => {
    const counted = countingFetch();
    const { result } = renderHook(() => useModels({ modality: 'text' }), { wrapper: wrapper(CLIENT_KEY, counted.fetch) });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.models.map((model) => model.id)).toEqual(['chat', 'code']);
    expect(result.current.models[0]).toMatchObject({ kind: 'feature', model: 'openai/gpt-4o-mini', provider: 'openai', pricing: { promptPerMillion: 0.15 } });
    const before = counted.paths.length;
    await result.current.refresh();
    expect(counted.paths.length).toBeGreaterThan(before);
  });

  it('shows a failure in status and error', async () => {
    const { result } = renderHook(() => useModels(), { wrapper: wrapper(undefined) });
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(result.current.models).toEqual([]);
  });
});
