import { cleanup, render, renderHook, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { createAiClient } from '../core/client.js';
import { memoryStorage } from '../core/storage/conversation-storage.js';
import { AiProvider, useAiContext } from './ai-provider.js';
import { useChat } from './use-chat.js';
import { useFeatureSettings } from './use-feature-settings.js';
import { useImageGeneration } from './use-image-generation.js';
import { useLimits } from './use-limits.js';
import { useModels } from './use-models.js';
import { useProviderKey } from './use-provider-key.js';
import { useUsage } from './use-usage.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** React reports a render error on the console as well as throwing it; the test asserts on the throw. */
const quietConsole = () => vi.spyOn(console, 'error').mockImplementation(() => undefined);

describe('AiProvider', () => {
  it.each<[string, () => unknown]>([
    ['useChat', () => useChat()],
    ['useImageGeneration', () => useImageGeneration()],
    ['useModels', () => useModels()],
    ['useFeatureSettings', () => useFeatureSettings('chat')],
    ['useProviderKey', () => useProviderKey()],
    ['useUsage', () => useUsage()],
    ['useLimits', () => useLimits()],
  ])('%s outside a provider throws, naming the hook', (name, hook) => {
    quietConsole();
    expect(() => renderHook(hook)).toThrow(`\`${name}\` must be used within \`<AiProvider>\``);
  });

  it('needs a client or a baseUrl', () => {
    quietConsole();
    expect(() => render(<AiProvider>{null}</AiProvider>)).toThrow('`AiProvider` needs a `client` or a `baseUrl`');
  });

  it('uses a client it is given as it is, and the storage and defaults given', async () => {
    const client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    const storage = memoryStorage();
    const { result } = renderHook(() => ({ context: useAiContext(), chat: useChat() }), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <AiProvider client={client} storage={storage} defaults={{ feature: 'code' }}>
          {children}
        </AiProvider>
      ),
    });
    expect(result.current.context).toMatchObject({ client, storage, defaults: { feature: 'code' } });
    await result.current.chat.send('Write a function');
    await waitFor(() => expect(result.current.chat.status).toBe('ready'));
    const [probe] = harness.emulator.generations({ kind: 'chat' }).slice(-1);
    // The `code` feature answers with its own model.
    expect(probe!.requestedModel).toBe('anthropic/claude-sonnet-4');
    expect((await storage.list()).map((summary) => summary.feature)).toEqual(['code']);
  });

  it('works in StrictMode (effects mounted twice), and does not recreate the client for an inline fetch', async () => {
    const { result, rerender } = renderHook(() => ({ context: useAiContext(), chat: useChat(), models: useModels({ modality: 'text' }) }), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <StrictMode>
          <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={(input, init) => globalThis.fetch(input, init)}>
            {children}
          </AiProvider>
        </StrictMode>
      ),
    });
    const { client } = result.current.context;
    await result.current.chat.send('Hello in strict mode');
    await waitFor(() => expect(result.current.chat.status).toBe('ready'));
    await waitFor(() => expect(result.current.models.status).toBe('ready'));
    expect(result.current.models.models.map((model) => model.id)).toEqual(['chat', 'code']);
    rerender();
    expect(result.current.context.client).toBe(client);
    expect(result.current.chat.messages).toHaveLength(2);
  });

  it('reads a restored conversation once in StrictMode (the chat React makes and drops reads nothing)', async () => {
    const stored = memoryStorage([{ id: 'restored', title: 'Kept', feature: 'chat', createdAt: 1, updatedAt: 2, messages: [{ id: 'u1', role: 'user', content: 'Hello', createdAt: 1 }] }]);
    const loads: string[] = [];
    const storage = { ...stored, load: (id: string) => (loads.push(id), stored.load(id)) };
    const client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
    const { result } = renderHook(() => useChat({ conversationId: 'restored' }), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <StrictMode>
          <AiProvider client={client} storage={storage}>
            {children}
          </AiProvider>
        </StrictMode>
      ),
    });
    await waitFor(() => expect(result.current.messages).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(loads).toEqual(['restored']);
  });

  it('sends the latest headers without recreating the client or the chat', async () => {
    let token = 'ik_not_a_real_key_0123456789';
    const view = renderHook(() => ({ context: useAiContext(), chat: useChat() }), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${token}` }} fetch={globalThis.fetch} storage={undefined}>
          {children}
        </AiProvider>
      ),
    });
    const { client } = view.result.current.context;
    await view.result.current.chat.send('Hello');
    await waitFor(() => expect(view.result.current.chat.error?.code).toBe('unauthorized'));
    token = CLIENT_KEY;
    view.rerender();
    await view.result.current.chat.regenerate();
    await waitFor(() => expect(view.result.current.chat.status).toBe('ready'));
    expect(view.result.current.context.client).toBe(client);
    expect(view.result.current.chat.messages).toHaveLength(2);
  });
});
