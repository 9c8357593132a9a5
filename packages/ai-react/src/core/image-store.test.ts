import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '@insforge/ai-server/testing';
import { createAiClient, type AiClient } from './client.js';
import { createImageStore } from './image-store.js';

let harness: Harness;
let client: AiClient;

beforeAll(async () => {
  harness = await startHarness();
  client = createAiClient({ baseUrl: harness.url, headers: { authorization: `Bearer ${CLIENT_KEY}` } });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

describe('createImageStore', () => {
  it('generates images and keeps each generation with its status, model and cost', async () => {
    const store = createImageStore({ client });
    const pending = store.getState().generate({ prompt: 'A red kite', size: '256x256', n: 2 });
    expect(store.getState().status).toBe('submitted');
    expect(store.getState().generations[0]).toMatchObject({ status: 'pending', params: { prompt: 'A red kite' } });
    const generation = await pending;
    expect(generation).toMatchObject({ status: 'done', model: 'black-forest-labs/flux.2-pro', costUsd: expect.any(Number) });
    expect(generation.images).toHaveLength(2);
    expect(store.getState()).toMatchObject({ status: 'ready', error: undefined });
  });

  it('cancels a pending generation: the gateway aborts the upstream request', async () => {
    harness.emulator.addRule({ match: { contains: 'slow kite' }, scenario: 'ttft=3000' });
    const store = createImageStore({ client, feature: 'image' });
    const pending = store.getState().generate({ prompt: 'A slow kite', size: '256x256' });
    while (harness.emulator.generations({ kind: 'images', status: 'running' }).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const [running] = harness.emulator.generations({ kind: 'images', status: 'running' });
    store.getState().cancel();
    expect((await pending).status).toBe('cancelled');
    expect(store.getState().status).toBe('ready');
    const probe = await harness.emulator.waitForGeneration(running!.id);
    expect(probe).toMatchObject({ clientClosed: true, status: 'cancelled' });
    expect(probe.billed?.cost ?? 0).toBe(0);
  });

  it('keeps a failure on the generation and in the state', async () => {
    const store = createImageStore({ client, feature: 'no-such-image-feature' });
    const generation = await store.getState().generate({ prompt: 'Anything' });
    expect(generation).toMatchObject({ status: 'error', error: { code: 'model_not_found' } });
    expect(store.getState()).toMatchObject({ status: 'error', error: { code: 'model_not_found' } });
    store.getState().clear();
    expect(store.getState()).toMatchObject({ generations: [], status: 'ready' });
  });

  it('fails a generation a server answers without an image (an empty body, null, no data), instead of showing nothing as done', async () => {
    for (const body of ['', 'null', '{"data":[]}']) {
      const answering: typeof fetch = async () => new Response(body, { headers: { 'content-type': 'application/json' } });
      const store = createImageStore({ client: createAiClient({ baseUrl: 'http://images.test', fetch: answering }) });
      const generation = await store.getState().generate({ prompt: 'A red kite' });
      expect(generation, body).toMatchObject({ status: 'error', error: { code: 'upstream_unavailable', message: 'The server answered with no image.', retryable: true } });
      expect(store.getState().status).toBe('error');
    }
  });
});
