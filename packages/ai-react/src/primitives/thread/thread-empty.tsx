'use client';
import { forwardRef, type ButtonHTMLAttributes, type HTMLAttributes } from 'react';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { Slot } from '../slot.js';
import { useThreadContext, useThreadSelector } from './thread-context.js';

export interface ThreadEmptyProps extends HTMLAttributes<HTMLDivElement> {
  asChild?: boolean | undefined;
}

/**
 * Shown only while the conversation has no message (and once a saved one was read, so it never flashes before a
 * restored conversation): the place for a greeting and suggested prompts.
 *
 * @example
 * <Thread.Empty><h2>How can I help?</h2><Thread.Suggestion prompt="Summarize my week" /></Thread.Empty>
 */
export const ThreadEmpty = /* @__PURE__ */ forwardRef<HTMLDivElement, ThreadEmptyProps>(function ThreadEmpty({ asChild, ...props }, ref) {
  const empty = useThreadSelector('Thread.Empty', (state) => state.loaded && state.messages.length === 0);
  if (!empty) return null;
  const Element = asChild ? Slot : 'div';
  return <Element ref={ref} {...props} />;
});

export interface ThreadSuggestionProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** The message the suggestion stands for; also the button's text when it has no children. */
  prompt: string;
  /** Send it at once (default), or only put it in the composer to be completed. */
  method?: 'send' | 'fill' | undefined;
  asChild?: boolean | undefined;
}

/**
 * A suggested prompt: a button that sends its `prompt` (or puts it in the composer with `method="fill"`).
 *
 * @example
 * <Thread.Suggestion prompt="What can you do?" />
 */
export const ThreadSuggestion = /* @__PURE__ */ forwardRef<HTMLButtonElement, ThreadSuggestionProps>(function ThreadSuggestion({ prompt, method = 'send', asChild, onClick, children, ...props }, ref) {
  const { chat, fillComposer, focusComposer } = useThreadContext('Thread.Suggestion');
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={ref}
      type="button"
      data-method={method}
      {...props}
      onClick={composeEventHandlers(onClick, () => {
        if (method === 'send') void chat.send(prompt);
        else fillComposer.current?.(prompt);
        focusComposer();
      })}
    >
      {children ?? prompt}
    </Element>
  );
});
