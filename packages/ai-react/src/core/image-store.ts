import { createStore, type StoreApi } from 'zustand/vanilla';
import { createId } from './chat-messages.js';
import type { GeneratedImage, ImageGenerationParams } from './chat-types.js';
import type { AiClient } from './client.js';
import { AiError, toAiError } from './errors.js';

export type ImageGenerationStatus = 'pending' | 'done' | 'error' | 'cancelled';

/** One request for images, and what came of it. */
export interface ImageGeneration {
  id: string;
  params: Omit<ImageGenerationParams, 'feature'>;
  status: ImageGenerationStatus;
  images: readonly GeneratedImage[];
  error?: AiError;
  model?: string;
  costUsd?: number;
  startedAt: number;
  finishedAt?: number;
}

export interface ImageState {
  /** Oldest first. */
  generations: readonly ImageGeneration[];
  /** `submitted` while any generation is pending; `error` when the latest one failed. */
  status: 'ready' | 'submitted' | 'error';
  error: AiError | undefined;
  /** Starts a generation; resolves with it once it is over (a failure is in its `status` and `error`). */
  generate(params: Omit<ImageGenerationParams, 'feature'>): Promise<ImageGeneration>;
  /** Cancels one pending generation, or all of them; the gateway aborts the upstream request. */
  cancel(id?: string): void;
  /** Cancels what is pending and forgets every generation. */
  clear(): void;
}

export interface ImageStoreOptions {
  client: Pick<AiClient, 'images'>;
  /** The image feature; default "image". */
  feature?: string;
  now?: () => number;
  createId?: () => string;
}

function statusOf(generations: readonly ImageGeneration[]): Pick<ImageState, 'status' | 'error'> {
  if (generations.some((generation) => generation.status === 'pending')) return { status: 'submitted', error: undefined };
  const last = generations.at(-1);
  return last?.status === 'error' ? { status: 'error', error: last.error } : { status: 'ready', error: undefined };
}

/**
 * Image generations of one feature, one store per mounted component: generate, cancel, and every result kept.
 *
 * @example
 * const images = createImageStore({ client, feature: 'image' });
 * const generation = await images.getState().generate({ prompt: 'A lighthouse at dusk', size: '1024x1024' });
 */
export function createImageStore(options: ImageStoreOptions): StoreApi<ImageState> {
  const { client, feature = 'image', now = Date.now, createId: newId = createId } = options;
  const running = new Map<string, AbortController>();
  return createStore<ImageState>()((set, get) => {
    const update = (id: string, patch: Partial<ImageGeneration>) => {
      const generations = get().generations.map((generation) => (generation.id === id && generation.status === 'pending' ? { ...generation, ...patch, finishedAt: now() } : generation));
      set({ generations, ...statusOf(generations) });
      return generations.find((generation) => generation.id === id);
    };
    return {
      generations: [],
      status: 'ready',
      error: undefined,
      async generate(params) {
        const generation: ImageGeneration = { id: newId(), params, status: 'pending', images: [], startedAt: now() };
        const abort = new AbortController();
        running.set(generation.id, abort);
        const generations = [...get().generations, generation];
        set({ generations, ...statusOf(generations) });
        try {
          const result = await client.images.generate({ ...params, feature }, { signal: abort.signal });
          // A server that answers without an image (the gateway itself calls that an upstream error) must not look done.
          if (result.images.length === 0) throw new AiError({ code: 'upstream_unavailable', message: 'The server answered with no image.' });
          const patch: Partial<ImageGeneration> = { status: 'done', images: result.images };
          if (result.model) patch.model = result.model;
          if (result.usage?.costUsd !== undefined) patch.costUsd = result.usage.costUsd;
          return update(generation.id, patch) ?? generation;
        } catch (thrown) {
          const error = toAiError(thrown);
          return update(generation.id, error.code === 'aborted' ? { status: 'cancelled' } : { status: 'error', error }) ?? generation;
        } finally {
          running.delete(generation.id);
        }
      },
      cancel(id) {
        for (const [runningId, abort] of running) {
          if (id !== undefined && runningId !== id) continue;
          abort.abort();
          update(runningId, { status: 'cancelled' });
        }
      },
      clear() {
        get().cancel();
        set({ generations: [], status: 'ready', error: undefined });
      },
    };
  });
}
