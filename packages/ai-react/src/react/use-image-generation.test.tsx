import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import extraModels from '@insforge/openrouter-emulator/data/extra-models.json' with { type: 'json' };
import chatModels from '@insforge/openrouter-emulator/data/openrouter-models.json' with { type: 'json' };
import { AiProvider } from './ai-provider.js';
import { useImageGeneration, type UseImageGenerationOptions } from './use-image-generation.js';

let harness: Harness;

beforeAll(async () => {
  // The emulator's catalog passed in: jsdom's (client) transform rewrites the emulator's `new URL(…, import.meta.url)`.
  harness = await startHarness({ emulator: { catalog: { models: chatModels.data, embeddingModels: extraModels.embeddings, imageModels: extraModels.images } } });
});
afterAll(() => harness.close());
afterEach(() => {
  cleanup();
  harness.emulator.clearRules();
});

function Wrapper({ children }: { children: ReactNode }) {
  return (
    <AiProvider baseUrl={harness.url} headers={{ authorization: `Bearer ${CLIENT_KEY}` }} fetch={globalThis.fetch}>
      {children}
    </AiProvider>
  );
}
const renderImages = (options: UseImageGenerationOptions = {}) => renderHook(() => useImageGeneration(options), { wrapper: Wrapper });
const runningImage = (text: string) => harness.emulator.generations({ kind: 'images', status: 'running' }).find((probe) => JSON.stringify(probe.request).includes(text));

describe('useImageGeneration', () => {
  it('generates images with the prompt, size, quality, count and style asked for', async () => {
    // Long enough to see `submitted`: an answer within waitFor's first interval would pass it by.
    harness.emulator.addRule({ match: { contains: 'lighthouse at dusk' }, scenario: 'ttft=300' });
    const { result } = renderImages({ feature: 'image' });
    expect(result.current).toMatchObject({ status: 'ready', images: [], generations: [] });
    const generating = result.current.generate({ prompt: 'A lighthouse at dusk', size: '1024x1024', quality: 'hd', n: 2, style: 'natural' });
    await waitFor(() => expect(result.current.status).toBe('submitted'));
    const generation = await generating;
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(generation).toMatchObject({ status: 'done', params: { prompt: 'A lighthouse at dusk', n: 2 }, model: expect.any(String) });
    expect(result.current.images).toHaveLength(2);
    for (const image of result.current.images) expect(image.url).toMatch(/^data:image\/(png|jpeg|webp);base64,/);
    expect(result.current.generations).toEqual([generation]);
    const [probe] = harness.emulator.generations({ kind: 'images' }).slice(-1);
    // The gateway passes the style on in the prompt (OpenRouter's image models have no `style`), and OpenAI's hd as high.
    expect(probe!.request).toMatchObject({ n: 2, size: '1024x1024', quality: 'high', prompt: expect.stringMatching(/^A lighthouse at dusk[\s\S]*natural/) });
  });

  it('cancel aborts the request, and the gateway ends the upstream generation', async () => {
    harness.emulator.addRule({ match: { contains: 'slow lighthouse' }, scenario: 'ttft=10000' });
    const { result } = renderImages();
    const generating = result.current.generate({ prompt: 'A slow lighthouse', n: 1 });
    await waitFor(() => expect(runningImage('slow lighthouse')).toBeDefined());
    const running = runningImage('slow lighthouse')!;
    result.current.cancel();
    expect((await generating).status).toBe('cancelled');
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.images).toEqual([]);
    const probe = await harness.emulator.waitForGeneration(running.id, (generation) => generation.clientClosed);
    expect(probe.clientClosed).toBe(true);
  });

  it('unmounting cancels what is still running', async () => {
    harness.emulator.addRule({ match: { contains: 'abandoned' }, scenario: 'ttft=10000' });
    const { result, unmount } = renderImages();
    void result.current.generate({ prompt: 'An abandoned lighthouse' });
    await waitFor(() => expect(runningImage('abandoned')).toBeDefined());
    const running = runningImage('abandoned')!;
    unmount();
    expect((await harness.emulator.waitForGeneration(running.id, (generation) => generation.clientClosed)).clientClosed).toBe(true);
  });

  it('shows a failure with its code and a message to show', async () => {
    const { result } = renderImages({ feature: 'no-such-image-feature' });
    const generation = await result.current.generate({ prompt: 'Anything' });
    expect(generation.status).toBe('error');
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'model_not_found', status: 400, userMessage: expect.any(String) });
  });
});
