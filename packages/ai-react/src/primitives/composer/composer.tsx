'use client';
import type { FeatureAccepts } from '@insforge/ai-protocol';
import { forwardRef, useEffect, useLayoutEffect, useRef, useState, type ButtonHTMLAttributes, type DragEvent, type SubmitEvent, type FormHTMLAttributes, type HTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { createScopedContext } from '../create-scoped-context.js';
import { composeRefs, Slot } from '../slot.js';
import { isBusy, useThreadContext, useThreadSelector } from '../thread/thread-context.js';
import { useControllableState } from '../use-controllable-state.js';
import { acceptsAttachments } from '../../core/attachments.js';
import { isSendKey } from './send-key.js';
import { useAttachmentDrafts, type AttachmentDrafts } from './use-attachment-drafts.js';

interface ComposerContextValue {
  text: string;
  setText(text: string): void;
  busy: boolean;
  /** The files attached so far; adding works only where the feature takes attachments (`accepts`). */
  attachments: AttachmentDrafts;
  accepts: FeatureAccepts | undefined;
}

const [ComposerContext, useComposerContext] = createScopedContext<ComposerContextValue>('Composer.Root');

export interface ComposerRootProps extends FormHTMLAttributes<HTMLFormElement> {
  asChild?: boolean | undefined;
  /** The text (controlled), the initial text, and who hears a change. */
  value?: string | undefined;
  defaultValue?: string | undefined;
  onValueChange?: ((text: string) => void) | undefined;
  /**
   * What the feature takes (a `/v1/models` entry's `accepts`): files can then be picked, pasted and dropped, each
   * checked against it before anything is sent. Without it the composer takes text only.
   */
  accepts?: FeatureAccepts | undefined;
}

/**
 * The message form. Its text is its own state (or yours, controlled), so typing renders nothing else, and it reads
 * only whether an answer is on its way: it does not render while an answer streams. `onSubmit` runs first and can
 * cancel the send with `event.preventDefault()`. `data-state` is `idle | busy`, `data-empty` marks no text.
 *
 * @example
 * <Composer.Root onSubmit={(event) => { if (!allowed) event.preventDefault(); }}><Composer.Input /><Composer.Send /></Composer.Root>
 */
export const ComposerRoot = /* @__PURE__ */ forwardRef<HTMLFormElement, ComposerRootProps>(function ComposerRoot({ asChild, value, defaultValue = '', onValueChange, onSubmit, accepts, onDragOver, onDragLeave, onDrop, ...props }, ref) {
  const { chat, focusComposer, fillComposer } = useThreadContext('Composer.Root');
  const busy = useThreadSelector('Composer.Root', (state) => isBusy(state.status));
  const [text, setText] = useControllableState({ value, defaultValue, onChange: onValueChange });
  const attachments = useAttachmentDrafts(accepts);
  const [dragging, setDragging] = useState(false);
  const takesFiles = acceptsAttachments(accepts);
  useEffect(() => {
    fillComposer.current = setText;
    return () => {
      if (fillComposer.current === setText) fillComposer.current = undefined;
    };
  }, [fillComposer, setText]);
  const Element = asChild ? Slot : 'form';
  return (
    <ComposerContext.Provider value={{ text, setText, busy, attachments, accepts }}>
      <Element
        ref={ref}
        data-state={busy ? 'busy' : 'idle'}
        data-empty={text.trim() === '' && attachments.drafts.length === 0 ? '' : undefined}
        data-dragging={dragging ? '' : undefined}
        {...props}
        onDragOver={composeEventHandlers(onDragOver, (event: DragEvent<HTMLFormElement>) => {
          if (!takesFiles || !event.dataTransfer.types.includes('Files')) return;
          event.preventDefault();
          setDragging(true);
        })}
        onDragLeave={composeEventHandlers(onDragLeave, () => setDragging(false))}
        onDrop={composeEventHandlers(onDrop, (event: DragEvent<HTMLFormElement>) => {
          setDragging(false);
          if (!takesFiles || event.dataTransfer.files.length === 0) return;
          event.preventDefault();
          attachments.add(Array.from(event.dataTransfer.files));
        })}
        onSubmit={(event: SubmitEvent<HTMLFormElement>) => {
          onSubmit?.(event);
          const cancelled = event.defaultPrevented;
          // The page never navigates, whatever the app's handler did.
          event.preventDefault();
          // A file still being read, or one the feature refuses, keeps the message here: nothing is sent with it.
          const files = attachments.sendable();
          if (cancelled || busy || files === undefined || (text.trim() === '' && files.length === 0)) return;
          void chat.send(text, files.length > 0 ? { attachments: files } : undefined);
          setText('');
          attachments.clear();
          focusComposer();
        }}
      />
    </ComposerContext.Provider>
  );
});

export interface ComposerInputProps extends Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'defaultValue'> {
  /** The tallest it grows, in px, before it scrolls; default 200. */
  maxHeight?: number | undefined;
}

/**
 * The textbox, named by the `message` label, growing with its text up to `maxHeight`. Enter sends, Shift+Enter adds
 * a line, nothing is sent while an input method composes, and ↑ in an empty box edits the last message you sent.
 *
 * @example
 * <Composer.Input placeholder="Ask anything…" />
 */
export const ComposerInput = /* @__PURE__ */ forwardRef<HTMLTextAreaElement, ComposerInputProps>(function ComposerInput({ maxHeight = 200, onChange, onKeyDown, onPaste, ...props }, ref) {
  const { chat, labels, composerRef, editors } = useThreadContext('Composer.Input');
  const { text, setText, attachments, accepts } = useComposerContext('Composer.Input');
  const own = useRef<HTMLTextAreaElement | null>(null);
  useLayoutEffect(() => {
    const element = own.current;
    // Browsers with `field-sizing: content` size it in CSS; elsewhere, measure.
    if (!element || (typeof CSS !== 'undefined' && CSS.supports?.('field-sizing', 'content'))) return;
    element.style.height = 'auto';
    const height = Math.min(element.scrollHeight, maxHeight);
    if (height > 0) element.style.height = `${height}px`;
    element.style.overflowY = element.scrollHeight > maxHeight ? 'auto' : 'hidden';
  }, [text, maxHeight]);
  return (
    <textarea
      aria-label={labels.message}
      rows={1}
      style={{ maxHeight }}
      {...props}
      ref={composeRefs(ref, own, composerRef)}
      value={text}
      onChange={composeEventHandlers(onChange, (event) => setText(event.target.value))}
      onPaste={composeEventHandlers(onPaste, (event) => {
        // A pasted screenshot or file becomes an attachment where the feature takes files; pasted text stays text.
        const files = Array.from(event.clipboardData.files);
        if (files.length === 0 || !acceptsAttachments(accepts)) return;
        event.preventDefault();
        attachments.add(files);
      })}
      onKeyDown={composeEventHandlers(onKeyDown, (event) => {
        if (isSendKey(event)) {
          event.preventDefault();
          event.currentTarget.form?.requestSubmit();
        } else if (event.key === 'ArrowUp' && text === '') {
          const last = chat.store.getState().messages.findLast((message) => message.role === 'user');
          const open = last ? editors.get(last.id) : undefined;
          if (!open) return;
          event.preventDefault();
          open();
        }
      })}
    />
  );
});

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  asChild?: boolean | undefined;
  /** Render it while an answer streams too (disabled), instead of leaving the place to `Composer.Stop`. */
  forceMount?: boolean | undefined;
}

/**
 * Sends (a submit button named by the `send` label), disabled while the text is empty; gone while an answer is on
 * its way, where `Composer.Stop` shows.
 *
 * @example
 * <Composer.Send asChild><MyButton>Go</MyButton></Composer.Send>
 */
export const ComposerSend = /* @__PURE__ */ forwardRef<HTMLButtonElement, ButtonProps>(function ComposerSend({ asChild, forceMount, ...props }, ref) {
  const { labels } = useThreadContext('Composer.Send');
  const { text, busy, attachments } = useComposerContext('Composer.Send');
  if (busy && !forceMount) return null;
  const Element = asChild ? Slot : 'button';
  const blocked = attachments.drafts.some((draft) => draft.status !== 'ready');
  const empty = text.trim() === '' && attachments.drafts.length === 0;
  return <Element ref={ref} type="submit" aria-label={labels.send} data-tooltip={labels.send} data-action="send" disabled={busy || empty || blocked} {...props} />;
});

/**
 * Stops the answer on its way (the gateway ends the model's generation) and gives focus back to the textbox; shown
 * only then (the focus goes to the textbox too when the answer ends while Stop has it).
 *
 * @example
 * <Composer.Stop><StopIcon /></Composer.Stop>
 */
export const ComposerStop = /* @__PURE__ */ forwardRef<HTMLButtonElement, Omit<ButtonProps, 'forceMount'>>(function ComposerStop({ asChild, onClick, ...props }, ref) {
  const { chat, labels, focusComposer } = useThreadContext('Composer.Stop');
  const { busy } = useComposerContext('Composer.Stop');
  const own = useRef<HTMLButtonElement | null>(null);
  // Read before the commit takes the button away: an answer that ends while Stop has the focus would drop it on the page.
  const focused = !busy && own.current?.contains(document.activeElement);
  useLayoutEffect(() => {
    if (focused) focusComposer();
  });
  if (!busy) return null;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={composeRefs(ref, own)}
      type="button"
      aria-label={labels.stop}
      data-tooltip={labels.stop}
      data-action="stop"
      {...props}
      onClick={composeEventHandlers(onClick, () => {
        chat.stop();
        focusComposer();
      })}
    />
  );
});

/**
 * A place in the composer for what an app attaches (files, images, context chips): rendered as given.
 *
 * @example
 * <Composer.Attachments>{files.map((file) => <Chip key={file.name} file={file} />)}</Composer.Attachments>
 */
export const ComposerAttachments = /* @__PURE__ */ forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement> & { asChild?: boolean | undefined }>(function ComposerAttachments({ asChild, ...props }, ref) {
  useComposerContext('Composer.Attachments');
  const Element = asChild ? Slot : 'div';
  return <Element ref={ref} data-part="attachments" {...props} />;
});

/** The composer's text and its setter, for parts of your own (a character count, a template button). */
export const useComposer = (part: string) => useComposerContext(part);
export { useComposerContext };
