'use client';
import { forwardRef, useId, type ComponentPropsWithoutRef, type ReactNode } from 'react';
import { SparklesIcon } from '../../icons/sparkles-icon.js';
import { composeEventHandlers } from '../../primitives/compose-event-handlers.js';
import { composeRefs, Slot } from '../../primitives/slot.js';
import { SegmentedControl } from '../segmented-control/segmented-control.js';
import { slotClass } from './image-generator-classes.js';
import { useImageGeneratorContext, type ImageQuality, type ImageStyle } from './image-generator-context.js';

const COUNTS = [1, 2, 3, 4] as const;

/**
 * The form a prompt is generated from: submitting it (Enter in the prompt, the Generate button) draws the prompt
 * with the options. Your `onSubmit` runs first; `event.preventDefault()` in it cancels the generation.
 *
 * @example
 * <ImageGenerator.Form onSubmit={(event) => { if (!allowed) event.preventDefault(); }}>…</ImageGenerator.Form>
 */
export const ImageGeneratorForm = /* @__PURE__ */ forwardRef<HTMLFormElement, ComponentPropsWithoutRef<'form'>>(function ImageGeneratorForm({ onSubmit, className, ...props }, ref) {
  const { submit, pending, unstyled, classNames } = useImageGeneratorContext('ImageGenerator.Form');
  return (
    <form
      ref={ref}
      aria-busy={pending}
      {...props}
      className={slotClass('form', { unstyled, classNames }, className)}
      onSubmit={composeEventHandlers(onSubmit, (event) => {
        event.preventDefault();
        submit();
      })}
    />
  );
});

/**
 * The prompt, with its label and keyboard hint: Enter generates, Shift+Enter starts a new line (Ctrl/Cmd+Enter
 * generates too), and text being composed (IME) is never sent.
 *
 * @example
 * <ImageGenerator.Prompt rows={4} />
 */
export const ImageGeneratorPrompt = /* @__PURE__ */ forwardRef<HTMLTextAreaElement, ComponentPropsWithoutRef<'textarea'>>(function ImageGeneratorPrompt({ onKeyDown, onChange, className, ...props }, ref) {
  const { prompt, setPrompt, promptRef, labels, unstyled, classNames } = useImageGeneratorContext('ImageGenerator.Prompt');
  const id = useId();
  return (
    <div className={unstyled ? undefined : 'ia-image-generator__prompt-field'}>
      <label className={slotClass('field', { unstyled, classNames }, unstyled ? undefined : 'ia-image-generator__prompt-label')} htmlFor={id}>
        {labels.prompt}
      </label>
      <textarea
        id={id}
        rows={3}
        aria-required="true"
        aria-describedby={`${id}-hint`}
        placeholder={labels.promptPlaceholder}
        enterKeyHint="go"
        {...props}
        ref={composeRefs(ref, promptRef)}
        value={prompt}
        className={slotClass('prompt', { unstyled, classNames }, className)}
        onChange={composeEventHandlers(onChange, (event) => setPrompt(event.target.value))}
        onKeyDown={composeEventHandlers(onKeyDown, (event) => {
          if (event.key !== 'Enter' || event.shiftKey || event.altKey || event.nativeEvent.isComposing) return;
          event.preventDefault();
          event.currentTarget.form?.requestSubmit();
        })}
      />
      <p id={`${id}-hint`} className={unstyled ? undefined : 'ia-image-generator__hint'}>
        {labels.promptHint}
      </p>
    </div>
  );
});

/**
 * The options as segmented controls (each choice visible at once): size, quality, how many images and style.
 *
 * @example
 * <ImageGenerator.Options />
 */
export function ImageGeneratorOptions({ className }: { className?: string | undefined }): ReactNode {
  const { options, setOptions, sizes, labels, unstyled, classNames } = useImageGeneratorContext('ImageGenerator.Options');
  const offered = sizes.includes(options.size) ? sizes : [options.size, ...sizes];
  // Two sizes of one shape would read alike: then each shows its dimensions.
  const shortNames = offered.map((size) => labels.sizeShort(size));
  const distinct = new Set(shortNames).size === shortNames.length;
  return (
    <div role="group" aria-label={labels.options} className={slotClass('options', { unstyled, classNames }, className)}>
      <SegmentedControl
        label={labels.size}
        value={options.size}
        onValueChange={(size) => setOptions({ size })}
        options={offered.map((size, index) => ({ value: size, label: distinct ? shortNames[index] : size.replace('x', '×'), name: labels.sizeName(size) }))}
        unstyled={unstyled}
      />
      <SegmentedControl<ImageQuality>
        label={labels.quality}
        value={options.quality}
        onValueChange={(quality) => setOptions({ quality })}
        options={[
          { value: 'standard', label: labels.qualities.standard },
          { value: 'hd', label: labels.qualities.hd },
        ]}
        unstyled={unstyled}
      />
      <SegmentedControl<number> label={labels.count} value={options.count} onValueChange={(count) => setOptions({ count })} options={COUNTS.map((count) => ({ value: count, label: String(count) }))} unstyled={unstyled} />
      <SegmentedControl<ImageStyle | ''>
        label={labels.style}
        value={options.style}
        onValueChange={(style) => setOptions({ style })}
        options={[
          { value: '', label: labels.styles.default },
          { value: 'vivid', label: labels.styles.vivid },
          { value: 'natural', label: labels.styles.natural },
        ]}
        unstyled={unstyled}
      />
    </div>
  );
}

export interface ImageGeneratorGenerateProps extends ComponentPropsWithoutRef<'button'> {
  /** Render your own element (a button of your design system) as the Generate button. */
  asChild?: boolean | undefined;
}

/**
 * Submits the form. `aria-disabled` (not `disabled`) while a generation runs or the prompt is empty, so it keeps
 * the focus.
 *
 * @example
 * <ImageGenerator.Generate asChild><MyButton>Draw it</MyButton></ImageGenerator.Generate>
 */
export const ImageGeneratorGenerate = /* @__PURE__ */ forwardRef<HTMLButtonElement, ImageGeneratorGenerateProps>(function ImageGeneratorGenerate({ asChild, children, className, ...props }, ref) {
  const { pending, prompt, labels, unstyled, classNames } = useImageGeneratorContext('ImageGenerator.Generate');
  const blocked = pending || !prompt.trim();
  const shared = { type: 'submit' as const, 'aria-disabled': blocked ? ('true' as const) : undefined, 'data-state': pending ? 'pending' : blocked ? 'blocked' : 'ready', ...props, className: slotClass('generate', { unstyled, classNames }, className) };
  if (asChild) return <Slot ref={ref} {...shared}>{children}</Slot>;
  return (
    <button ref={ref} {...shared}>
      {children ?? (
        <>
          <SparklesIcon />
          <span>{labels.generate}</span>
        </>
      )}
    </button>
  );
});
