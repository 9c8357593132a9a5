'use client';
import { useMemo, useRef, useState, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import type { ImageGenerationParams } from '../../core/chat-types.js';
import type { ImageGeneration } from '../../core/image-store.js';
import { AiRoot, type AiTheme } from '../../primitives/ai-root.js';
import { useControllableState } from '../../primitives/use-controllable-state.js';
import { visuallyHidden } from '../../primitives/visually-hidden.js';
import { useImageGeneration } from '../../react/use-image-generation.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { ImageGeneratorContext, type ImageGeneratorContextValue, type ImageOptions, type ImageQuality, type ImageStyle } from './image-generator-context.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';

export interface ImageGeneratorRootProps extends Omit<ComponentPropsWithoutRef<'div'>, 'onSubmit'> {
  /** The image feature; default the provider's `defaults.imageFeature`, else "image". */
  feature?: string | undefined;
  /** The sizes offered, `WIDTHxHEIGHT`; the first is the default. */
  sizes?: readonly string[] | undefined;
  /** The prompt (controlled); or `defaultPrompt` to let the generator own it. */
  prompt?: string | undefined;
  defaultPrompt?: string | undefined;
  onPromptChange?: ((prompt: string) => void) | undefined;
  defaultSize?: string | undefined;
  defaultQuality?: ImageQuality | undefined;
  /** 1 to 4 (default 1). */
  defaultCount?: number | undefined;
  defaultStyle?: ImageStyle | undefined;
  /** Hears every generation once it is over: done, failed or cancelled. */
  onGenerationEnd?: ((generation: ImageGeneration) => void) | undefined;
  labels?: Partial<ImageGeneratorLabels> | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

const DEFAULT_SIZE = '1024x1024';
const DEFAULT_IMAGE_SIZES: readonly string[] = [DEFAULT_SIZE, '1024x1536', '1536x1024'];
const clampImageCount = (count: number) => Math.min(4, Math.max(1, Math.round(count)));

/**
 * Holds an image generator's state for its parts (prompt, options, the session's generations, the one on show)
 * and announces starts, results and cancellations once each to screen readers.
 *
 * @example
 * <ImageGenerator.Root feature="image">
 *   <ImageGenerator.Form><ImageGenerator.Prompt /><ImageGenerator.Generate /></ImageGenerator.Form>
 *   <ImageGenerator.Status />
 *   <ImageGenerator.Gallery />
 * </ImageGenerator.Root>
 */
export function ImageGeneratorRoot(props: ImageGeneratorRootProps): ReactNode {
  const {
    feature,
    sizes = DEFAULT_IMAGE_SIZES,
    prompt: givenPrompt,
    defaultPrompt = '',
    onPromptChange,
    defaultSize,
    defaultQuality = 'standard',
    defaultCount = 1,
    defaultStyle,
    onGenerationEnd,
    labels: labelOverrides,
    classNames,
    unstyled,
    theme,
    className,
    children,
    ...rest
  } = props;
  const labels = useMemo<ImageGeneratorLabels>(() => ({ ...defaultImageGeneratorLabels, ...labelOverrides }), [labelOverrides]);
  const { generate, generations, status, cancel } = useImageGeneration(feature ? { feature } : {});
  const [prompt, setPrompt] = useControllableState({ value: givenPrompt, defaultValue: defaultPrompt, onChange: onPromptChange });
  const [options, setAllOptions] = useState<ImageOptions>(() => ({ size: defaultSize ?? sizes[0] ?? DEFAULT_SIZE, quality: defaultQuality, count: clampImageCount(defaultCount), style: defaultStyle ?? '' }));
  const [shownId, setShownId] = useState<string>();
  const promptRef = useRef<HTMLTextAreaElement>(null);

  const shown = generations.find((generation) => generation.id === shownId) ?? generations.at(-1);
  // `submitted` while any generation runs, not only the one on show.
  const pending = status === 'submitted';
  const state = !shown ? 'idle' : shown.status === 'pending' ? 'generating' : shown.status;

  const run = (params: Omit<ImageGenerationParams, 'feature'>) => {
    setShownId(undefined);
    void generate(params).then((generation) => onGenerationEnd?.(generation));
  };
  const context: ImageGeneratorContextValue = {
    labels,
    classNames,
    unstyled,
    sizes,
    prompt,
    setPrompt,
    promptRef,
    options,
    setOptions: (patch) => setAllOptions((current) => ({ ...current, ...patch })),
    generations,
    shown,
    show: setShownId,
    pending,
    submit: () => {
      if (pending) return;
      if (!prompt.trim()) {
        promptRef.current?.focus();
        return;
      }
      const { size, quality, count, style } = options;
      run({ prompt: prompt.trim(), size, quality, n: count, ...(style ? { style } : {}) });
    },
    run,
    cancel: (id) => {
      cancel(id);
      promptRef.current?.focus();
    },
    reuse: ({ params }) => {
      setPrompt(params.prompt);
      setAllOptions((current) => ({ size: params.size ?? current.size, quality: params.quality ?? current.quality, count: clampImageCount(params.n ?? 1), style: params.style ?? '' }));
      promptRef.current?.focus();
    },
  };

  // One announcement per change of state, not per second: started, N images ready, cancelled (errors are alerts).
  const announcement = state === 'generating' ? labels.started : state === 'done' && shown ? labels.finished(shown.images.length) : state === 'cancelled' ? labels.cancelled : '';

  return (
    <ImageGeneratorContext.Provider value={context}>
      <AiRoot {...(theme ? { theme } : {})} unstyled={unstyled === true} data-state={state} {...rest} className={slotClass('root', { unstyled, classNames }, className)}>
        {children}
        <div style={visuallyHidden} role="status">
          {announcement}
        </div>
      </AiRoot>
    </ImageGeneratorContext.Provider>
  );
}
