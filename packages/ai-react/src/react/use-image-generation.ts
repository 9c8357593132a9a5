'use client';
import { useMemo } from 'react';
import type { GeneratedImage, ImageGenerationParams } from '../core/chat-types.js';
import type { AiError } from '../core/errors.js';
import { createImageStore, type ImageGeneration, type ImageState } from '../core/image-store.js';
import { useAiContext } from './ai-provider.js';
import { useInstance } from './use-instance.js';
import { useStoreState } from './use-store-state.js';

export interface UseImageGenerationOptions {
  /** The image feature; default the provider's `defaults.imageFeature`, else "image". */
  feature?: string | undefined;
}

export interface UseImageGenerationResult {
  /** Draws images for a prompt; resolves with the generation once it is over (a failure is in its `status`). */
  generate(params: Omit<ImageGenerationParams, 'feature'>): Promise<ImageGeneration>;
  /** Every image generated so far, oldest first. */
  images: readonly GeneratedImage[];
  /** Each request and what came of it, oldest first. */
  generations: readonly ImageGeneration[];
  /** `submitted` while a generation is running; `error` when the latest one failed. */
  status: ImageState['status'];
  error: AiError | undefined;
  /** Cancels one running generation, or all of them; the gateway aborts the upstream request. */
  cancel(id?: string): void;
  /** Cancels what is running and forgets every generation. */
  clear(): void;
}

/**
 * Image generation with one feature, its own store per mounted component; anything running is cancelled on unmount.
 *
 * @example
 * const { generate, images, status } = useImageGeneration({ feature: 'image' });
 * void generate({ prompt: 'A lighthouse at dusk', size: '1024x1024', n: 2 });
 */
export function useImageGeneration(options: UseImageGenerationOptions = {}): UseImageGenerationResult {
  const { client, defaults } = useAiContext('useImageGeneration');
  const feature = options.feature ?? defaults.imageFeature ?? 'image';
  const store = useInstance([client, feature], () => createImageStore({ client, feature }), (created) => created.getState().cancel());
  const { generations, status, error, generate, cancel, clear } = useStoreState(store);
  const images = useMemo(() => generations.flatMap((generation) => generation.images), [generations]);
  return useMemo(() => ({ generate, images, generations, status, error, cancel, clear }), [generate, images, generations, status, error, cancel, clear]);
}
