'use client';
import { forwardRef, useEffect, useRef, type ButtonHTMLAttributes, type HTMLAttributes, type ReactNode } from 'react';
import { useCopyFeedback, type CopyState } from '../../markdown/copy-button.js';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { createScopedContext } from '../create-scoped-context.js';
import { answerOf, useMessage, useMessageContext } from '../message/message-context.js';
import { composeRefs, Slot } from '../slot.js';
import { useThreadContext } from '../thread/thread-context.js';
import { useControllableState } from '../use-controllable-state.js';

export type Feedback = 'up' | 'down';

interface ActionBarContextValue {
  feedback: Feedback | undefined;
  setFeedback(value: Feedback | undefined): void;
}

const [ActionBarContext, useActionBarContext] = createScopedContext<ActionBarContextValue>('ActionBar.Root');

export interface ActionBarRootProps extends HTMLAttributes<HTMLDivElement> {
  asChild?: boolean | undefined;
  /** The feedback given to this message (controlled), the initial one, and who hears a change. */
  feedback?: Feedback | undefined;
  defaultFeedback?: Feedback | undefined;
  onFeedbackChange?: ((value: Feedback | undefined) => void) | undefined;
}

/**
 * The buttons of one message: copy, regenerate, edit, feedback. Holds the message's feedback (controllable).
 *
 * @example
 * <ActionBar.Root onFeedbackChange={(value) => track(value)}><ActionBar.Copy /><ActionBar.Feedback value="up" /></ActionBar.Root>
 */
export const ActionBarRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, ActionBarRootProps>(function ActionBarRoot({ asChild, feedback, defaultFeedback, onFeedbackChange, ...props }, ref) {
  const [value, setValue] = useControllableState<Feedback | undefined>({ value: feedback, defaultValue: defaultFeedback, onChange: onFeedbackChange });
  const Element = asChild ? Slot : 'div';
  return (
    <ActionBarContext.Provider value={{ feedback: value, setFeedback: setValue }}>
      <Element ref={ref} data-part="action-bar" {...props} />
    </ActionBarContext.Provider>
  );
});

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  asChild?: boolean | undefined;
}

export interface ActionBarCopyProps extends Omit<ButtonProps, 'children'> {
  /** The button's content; a function gets the state (`idle | copied | failed`), to swap an icon. */
  children?: ReactNode | ((state: CopyState) => ReactNode);
}

/**
 * Copies the message's text (an answer's markdown as written) and says "Copied" for a moment; `data-state`
 * is `idle | copied | failed`. Nothing for an answer with no text.
 *
 * @example
 * <ActionBar.Copy>{(state) => (state === 'copied' ? <CheckIcon /> : <CopyIcon />)}</ActionBar.Copy>
 */
export const ActionBarCopy = /* @__PURE__ */ forwardRef<HTMLButtonElement, ActionBarCopyProps>(function ActionBarCopy({ asChild, onClick, children, ...props }, ref) {
  const { labels } = useThreadContext('ActionBar.Copy');
  const message = useMessage('ActionBar.Copy');
  const { state, copyText } = useCopyFeedback();
  const text = message?.role === 'user' ? message.content : (answerOf(message)?.content ?? '');
  if (text === '') return null;
  const label = state === 'copied' ? labels.copied : state === 'failed' ? labels.copyFailed : labels.copy;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={ref}
      type="button"
      aria-label={label}
      data-tooltip={label}
      data-state={state}
      data-action="copy"
      {...props}
      onClick={composeEventHandlers(onClick, () => copyText(text))}
    >
      {typeof children === 'function' ? children(state) : children}
    </Element>
  );
});

/**
 * Asks again for the last answer (the earlier answer stays a version); only on the conversation's last message.
 *
 * @example
 * <ActionBar.Regenerate><RegenerateIcon /></ActionBar.Regenerate>
 */
export const ActionBarRegenerate = /* @__PURE__ */ forwardRef<HTMLButtonElement, ButtonProps>(function ActionBarRegenerate({ asChild, onClick, ...props }, ref) {
  const { chat, labels, focusComposer } = useThreadContext('ActionBar.Regenerate');
  const { isLast } = useMessageContext('ActionBar.Regenerate');
  const message = useMessage('ActionBar.Regenerate');
  if (!isLast || message?.role !== 'assistant') return null;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={ref}
      type="button"
      aria-label={labels.regenerate}
      data-tooltip={labels.regenerate}
      data-action="regenerate"
      {...props}
      onClick={composeEventHandlers(onClick, () => {
        void chat.regenerate();
        focusComposer();
      })}
    />
  );
});

/**
 * Opens the inline editor of a user message (`Message.Editor`); focus comes back here when the edit is cancelled.
 *
 * @example
 * <ActionBar.Edit><EditIcon /></ActionBar.Edit>
 */
export const ActionBarEdit = /* @__PURE__ */ forwardRef<HTMLButtonElement, ButtonProps>(function ActionBarEdit({ asChild, onClick, ...props }, ref) {
  const { labels } = useThreadContext('ActionBar.Edit');
  const { editing, setEditing, returnFocus } = useMessageContext('ActionBar.Edit');
  const message = useMessage('ActionBar.Edit');
  const own = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    // Back from a cancelled edit: focus returns to the button that opened it (a sent edit moves it to the composer).
    if (editing || !returnFocus.current) return;
    returnFocus.current = false;
    own.current?.focus();
  }, [editing, returnFocus]);
  if (message?.role !== 'user') return null;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={composeRefs(ref, own)}
      type="button"
      aria-label={labels.edit}
      data-tooltip={labels.edit}
      data-action="edit"
      {...props}
      onClick={composeEventHandlers(onClick, () => setEditing(true))}
    />
  );
});

export interface ActionBarFeedbackProps extends ButtonProps {
  /** Which feedback this button gives; pressing it again takes it back. */
  value: Feedback;
}

/**
 * A thumbs-up or thumbs-down toggle (`aria-pressed`, `data-state="on" | "off"`); `ActionBar.Root`'s
 * `onFeedbackChange` hears it. Only on answers.
 *
 * @example
 * <ActionBar.Feedback value="up"><ThumbsUpIcon /></ActionBar.Feedback>
 */
export const ActionBarFeedback = /* @__PURE__ */ forwardRef<HTMLButtonElement, ActionBarFeedbackProps>(function ActionBarFeedback({ asChild, value, onClick, ...props }, ref) {
  const { labels } = useThreadContext('ActionBar.Feedback');
  const { feedback, setFeedback } = useActionBarContext('ActionBar.Feedback');
  const message = useMessage('ActionBar.Feedback');
  if (message?.role !== 'assistant') return null;
  const pressed = feedback === value;
  const label = value === 'up' ? labels.goodAnswer : labels.badAnswer;
  const Element = asChild ? Slot : 'button';
  return (
    <Element
      ref={ref}
      type="button"
      aria-label={label}
      aria-pressed={pressed}
      data-tooltip={label}
      data-state={pressed ? 'on' : 'off'}
      data-action={`feedback-${value}`}
      {...props}
      onClick={composeEventHandlers(onClick, () => setFeedback(pressed ? undefined : value))}
    />
  );
});
