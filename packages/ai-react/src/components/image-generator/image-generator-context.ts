'use client';
import type { RefObject } from 'react';
import type { ImageGenerationParams } from '../../core/chat-types.js';
import type { ImageGeneration } from '../../core/image-store.js';
import { createScopedContext } from '../../primitives/create-scoped-context.js';
import type { ImageGeneratorClassNames } from './image-generator-classes.js';
import type { ImageGeneratorLabels } from './image-generator-labels.js';

export type ImageQuality = NonNullable<ImageGenerationParams['quality']>;
export type ImageStyle = NonNullable<ImageGenerationParams['style']>;

/** The options a prompt is drawn with. */
export interface ImageOptions {
  size: string;
  quality: ImageQuality;
  /** 1 to 4. */
  count: number;
  /** '' for the model's default. */
  style: ImageStyle | '';
}

/** What an ImageGenerator's parts share: the prompt, the options, the generations and what to do with them. */
export interface ImageGeneratorContextValue {
  labels: ImageGeneratorLabels;
  classNames: ImageGeneratorClassNames | undefined;
  unstyled: boolean | undefined;
  /** The sizes offered, `WIDTHxHEIGHT`. */
  sizes: readonly string[];
  prompt: string;
  setPrompt(prompt: string): void;
  promptRef: RefObject<HTMLTextAreaElement | null>;
  options: ImageOptions;
  setOptions(patch: Partial<ImageOptions>): void;
  /** Every generation of the session, oldest first. */
  generations: readonly ImageGeneration[];
  /** The generation on show: the latest unless one was picked from the history. */
  shown: ImageGeneration | undefined;
  show(id: string | undefined): void;
  /** True while any generation runs. */
  pending: boolean;
  /** Draws the prompt with the options (nothing while one runs; an empty prompt focuses the prompt). */
  submit(): void;
  /** Runs the given parameters again (a retry). */
  run(params: Omit<ImageGenerationParams, 'feature'>): void;
  cancel(id: string): void;
  /** Puts a generation's prompt and options back in the form. */
  reuse(generation: ImageGeneration): void;
}

export const [ImageGeneratorContext, useImageGeneratorContext] = createScopedContext<ImageGeneratorContextValue>('ImageGenerator.Root');
