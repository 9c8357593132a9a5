import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { shownAnswer, type AssistantTurn } from '../core/chat-messages.js';
import { AiProvider } from './ai-provider.js';
import { useChat } from './use-chat.js';
import { useFeatureSettings } from './use-feature-settings.js';
import { useImageGeneration } from './use-image-generation.js';
import { useLimits } from './use-limits.js';
import { useModels } from './use-models.js';
import { useProviderKey } from './use-provider-key.js';
import { useUsage } from './use-usage.js';

// No gateway here: the hooks talk to plain OpenAI-compatible servers. The emulator serves OpenRouter's API
// (`/api/v1/chat/completions`, `/api/v1/models`) and nothing under `/api/ai`; a tiny server answers OpenAI's
// `POST /v1/images/generations` as OpenAI does.
let emulator: Emulator;
let images: Server;
let imagesUrl: string;
const imageRequests: unknown[] = [];
// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  emulator = await startEmulator({ catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } });
  images = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/images/generations') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
        return;
      }
      const request = JSON.parse(body) as { n?: number };
      imageRequests.push(request);
      const data = Array.from({ length: request.n ?? 1 }, () => ({ b64_json: PNG }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1_700_000_000, data }));
    });
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => images.close(resolve));
  await emulator.close();
});
afterEach(() => cleanup());

/** The emulator's OpenAI-compatible API: the client adds `/v1/…` to `baseUrl`. */
function OpenRouterLike({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={`${emulator.origin}/api`} headers={{ authorization: `Bearer ${emulator.apiKey}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}

describe('against any OpenAI-compatible server', () => {
  it('useChat streams an answer (the feature is a model id there)', async () => {
    const { result } = renderHook(() => useChat({ feature: 'openai/gpt-4o-mini' }), { wrapper: OpenRouterLike });
    await result.current.send('Hello, plain server');
    await waitFor(() => expect(result.current.status).toBe('ready'));
    const answer = shownAnswer(result.current.messages[1] as AssistantTurn);
    expect(answer).toMatchObject({ status: 'done', model: 'openai/gpt-4o-mini', finishReason: 'stop' });
    expect(answer.content).toContain('Hello, plain server');
    expect(answer.usage?.completionTokens).toBeGreaterThan(0);
  });

  it('useModels lists the models of /v1/models when there is no admin catalog', async () => {
    const { result } = renderHook(() => useModels({ search: 'gpt-4o-mini' }), { wrapper: OpenRouterLike });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.models.map((model) => model.id)).toContain('openai/gpt-4o-mini');
    expect(result.current.models[0]).toMatchObject({ provider: 'openai', modalities: ['text'] });
  });

  it('useImageGeneration reads an OpenAI images answer', async () => {
    function OpenAiLike({ children }: { children: ReactNode }) {
      return (
        <AiProvider baseUrl={imagesUrl} fetch={globalThis.fetch}>
          {children}
        </AiProvider>
      );
    }
    const { result } = renderHook(() => useImageGeneration({ feature: 'dall-e-3' }), { wrapper: OpenAiLike });
    const generation = await result.current.generate({ prompt: 'A red square', size: '256x256', n: 2 });
    expect(generation.status).toBe('done');
    await waitFor(() => expect(result.current.images).toHaveLength(2));
    expect(result.current.images[0]!.url).toBe(`data:image/png;base64,${PNG}`);
    expect(imageRequests.at(-1)).toMatchObject({ model: 'dall-e-3', prompt: 'A red square', size: '256x256', n: 2, response_format: 'b64_json' });
  });

  it('the admin hooks say admin_unavailable, with a plain message, where the server has no admin routes', async () => {
    const { result } = renderHook(() => ({ settings: useFeatureSettings('chat'), key: useProviderKey(), usage: useUsage({ period: 'day' }), limits: useLimits() }), { wrapper: OpenRouterLike });
    await waitFor(() => expect(Object.values(result.current).map((hook) => hook.status)).toEqual(['error', 'error', 'error', 'error']));
    for (const hook of Object.values(result.current)) {
      expect(hook.error).toMatchObject({ code: 'admin_unavailable', status: 404, retryable: false });
      expect(hook.error?.userMessage).toBe('This server has no admin routes; change these settings where the AI server is configured.');
    }
  });
});
