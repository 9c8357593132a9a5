'use client';
import { useId, useMemo, useRef, useState, type ComponentPropsWithoutRef, type FormEvent, type ReactNode } from 'react';
import type { ImageGenerationParams } from '../../core/chat-types.js';
import type { ImageGeneration } from '../../core/image-store.js';
import { AiRoot, type AiTheme } from '../../primitives/ai-root.js';
import { visuallyHidden } from '../../primitives/visually-hidden.js';
import { useImageGeneration } from '../../react/use-image-generation.js';
import { GenerationError } from './generation-error.js';
import { GenerationProgress } from './generation-progress.js';
import { ImageGallery } from './image-gallery.js';
import { slotClass, type ImageGeneratorClassNames } from './image-generator-classes.js';
import { defaultImageGeneratorLabels, type ImageGeneratorLabels } from './image-generator-labels.js';
import { ImageHistory } from './image-history.js';

type Quality = NonNullable<ImageGenerationParams['quality']>;
type Style = NonNullable<ImageGenerationParams['style']>;

export interface ImageGeneratorProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children' | 'onSubmit'> {
  /** The image feature; default the provider's `defaults.imageFeature`, else "image". */
  feature?: string | undefined;
  /** The sizes offered, `WIDTHxHEIGHT`; the first is the default. */
  sizes?: readonly string[] | undefined;
  defaultPrompt?: string | undefined;
  defaultSize?: string | undefined;
  defaultQuality?: Quality | undefined;
  /** 1 to 4 (default 1). */
  defaultCount?: number | undefined;
  defaultStyle?: Style | undefined;
  /** Hears every generation once it is over: done, failed or cancelled. */
  onGenerationEnd?: ((generation: ImageGeneration) => void) | undefined;
  labels?: Partial<ImageGeneratorLabels> | undefined;
  classNames?: ImageGeneratorClassNames | undefined;
  unstyled?: boolean | undefined;
  theme?: AiTheme | undefined;
}

const DEFAULT_SIZE = '1024x1024';
const SIZES = [DEFAULT_SIZE, '1024x1536', '1536x1024'];
const COUNTS = [1, 2, 3, 4];
const clampCount = (count: number) => Math.min(4, Math.max(1, Math.round(count)));

/**
 * An image generator: prompt, size, quality, count (1–4) and style; progress with the elapsed time and Cancel; a
 * gallery with download and copy; failures in plain words with retry (after the wait the server asks for); and
 * the session's earlier generations.
 *
 * @example
 * <ImageGenerator feature="image" sizes={['1024x1024', '1536x1024']} />
 */
export function ImageGenerator(props: ImageGeneratorProps): ReactNode {
  const {
    feature,
    sizes = SIZES,
    defaultPrompt = '',
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
    ...rest
  } = props;
  const labels = useMemo<ImageGeneratorLabels>(() => ({ ...defaultImageGeneratorLabels, ...labelOverrides }), [labelOverrides]);
  const slots = { unstyled, classNames };
  const { generate, generations, status, cancel } = useImageGeneration(feature ? { feature } : {});

  const [prompt, setPrompt] = useState(defaultPrompt);
  const [size, setSize] = useState(defaultSize ?? sizes[0] ?? DEFAULT_SIZE);
  const [quality, setQuality] = useState<Quality>(defaultQuality);
  const [count, setCount] = useState(clampCount(defaultCount));
  const [style, setStyle] = useState<Style | ''>(defaultStyle ?? '');
  // The generation on show: the latest unless one was picked from the history.
  const [shownId, setShownId] = useState<string>();
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const ids = useId();

  const shown = generations.find((generation) => generation.id === shownId) ?? generations.at(-1);
  // `submitted` while any generation runs, not only the one on show.
  const pending = status === 'submitted';
  const state = !shown ? 'idle' : shown.status === 'pending' ? 'generating' : shown.status;

  const run = (params: Omit<ImageGenerationParams, 'feature'>) => {
    setShownId(undefined);
    void generate(params).then((generation) => onGenerationEnd?.(generation));
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    if (!prompt.trim()) {
      promptRef.current?.focus();
      return;
    }
    run({ prompt: prompt.trim(), size, quality, n: count, ...(style ? { style } : {}) });
  };
  const cancelShown = () => {
    if (shown) cancel(shown.id);
    promptRef.current?.focus();
  };

  // One announcement per change of state, not per second: started, N images ready, cancelled (errors are alerts).
  const announcement = state === 'generating' ? labels.started : state === 'done' && shown ? labels.finished(shown.images.length) : state === 'cancelled' ? labels.cancelled : '';

  return (
    <AiRoot {...(theme ? { theme } : {})} unstyled={unstyled === true} data-state={state} {...rest} className={slotClass('root', slots, className)}>
      <form className={slotClass('form', slots)} onSubmit={onSubmit} aria-busy={pending}>
        <label className={slotClass('field', slots)} htmlFor={`${ids}-prompt`}>
          {labels.prompt}
        </label>
        <textarea
          ref={promptRef}
          id={`${ids}-prompt`}
          rows={3}
          aria-required="true"
          value={prompt}
          placeholder={labels.promptPlaceholder}
          className={slotClass('prompt', slots)}
          onChange={(event) => setPrompt(event.target.value)}
          onKeyDown={(event) => {
            // Ctrl/Cmd+Enter generates; Enter alone is a new line in a prompt.
            if (event.key === 'Enter' && (event.metaKey || event.ctrlKey) && !event.nativeEvent.isComposing) {
              event.preventDefault();
              event.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <div className={slotClass('options', slots)}>
          <label className={slotClass('field', slots)}>
            <span>{labels.size}</span>
            <select value={size} onChange={(event) => setSize(event.target.value)}>
              {(sizes.includes(size) ? sizes : [size, ...sizes]).map((option) => (
                <option key={option} value={option}>
                  {labels.sizeName(option)}
                </option>
              ))}
            </select>
          </label>
          <label className={slotClass('field', slots)}>
            <span>{labels.quality}</span>
            <select value={quality} onChange={(event) => setQuality(event.target.value as Quality)}>
              <option value="standard">{labels.qualities.standard}</option>
              <option value="hd">{labels.qualities.hd}</option>
            </select>
          </label>
          <label className={slotClass('field', slots)}>
            <span>{labels.count}</span>
            <select value={count} onChange={(event) => setCount(clampCount(Number(event.target.value)))}>
              {COUNTS.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          </label>
          <label className={slotClass('field', slots)}>
            <span>{labels.style}</span>
            <select value={style} onChange={(event) => setStyle(event.target.value as Style | '')}>
              <option value="">{labels.styles.default}</option>
              <option value="vivid">{labels.styles.vivid}</option>
              <option value="natural">{labels.styles.natural}</option>
            </select>
          </label>
        </div>
        <div className={slotClass('actions', slots)}>
          {/* aria-disabled, not disabled: the button keeps the focus while a generation runs. */}
          <button type="submit" className={slotClass('generate', slots)} aria-disabled={pending || !prompt.trim() ? 'true' : undefined}>
            {labels.generate}
          </button>
        </div>
      </form>

      <div style={visuallyHidden} role="status">
        {announcement}
      </div>

      {shown?.status === 'pending' ? <GenerationProgress key={shown.id} startedAt={shown.startedAt} onCancel={cancelShown} labels={labels} classNames={classNames} unstyled={unstyled} /> : null}
      {shown?.status === 'error' && shown.error ? (
        <GenerationError
          key={shown.id}
          error={shown.error}
          failedAt={shown.finishedAt ?? shown.startedAt}
          onRetry={pending ? undefined : () => run(shown.params)}
          onEditPrompt={() => {
            setPrompt(shown.params.prompt);
            promptRef.current?.focus();
          }}
          labels={labels}
          classNames={classNames}
          unstyled={unstyled}
        />
      ) : null}
      {shown?.status === 'cancelled' ? (
        <p className={slotClass('empty', slots)} data-state="cancelled">
          {labels.cancelled}
        </p>
      ) : null}
      {shown?.status === 'done' ? <ImageGallery images={shown.images} prompt={shown.params.prompt} labels={labels} classNames={classNames} unstyled={unstyled} /> : null}
      {!shown ? (
        <p className={slotClass('empty', slots)} data-state="idle">
          {labels.empty}
        </p>
      ) : null}

      {generations.length > 1 ? (
        <ImageHistory
          generations={generations}
          currentId={shown?.id}
          onShow={setShownId}
          onReusePrompt={(generation) => {
            const { params } = generation;
            setPrompt(params.prompt);
            if (params.size) setSize(params.size);
            if (params.quality) setQuality(params.quality);
            setCount(clampCount(params.n ?? 1));
            setStyle(params.style ?? '');
            promptRef.current?.focus();
          }}
          labels={labels}
          classNames={classNames}
          unstyled={unstyled}
        />
      ) : null}
    </AiRoot>
  );
}
