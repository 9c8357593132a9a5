'use client';
import { forwardRef, useEffect, useRef, useState, type SubmitEvent, type HTMLAttributes, type ReactNode } from 'react';
import { answerParts, cutShortReason, isAnswerOver } from '../../core/chat-messages.js';
import type { MessageReasoningPart } from '../../core/message-parts.js';
import { Markdown } from '../../markdown/markdown.js';
import { isSendKey } from '../composer/send-key.js';
import { Slot } from '../slot.js';
import { useThreadContext } from '../thread/thread-context.js';
import { visuallyHidden } from '../visually-hidden.js';
import { answerOf, useMessage, useMessageContext } from './message-context.js';
import { ReasoningBlock, type ReasoningBlockProps } from './reasoning-block.js';

interface PartProps extends HTMLAttributes<HTMLElement> {
  asChild?: boolean | undefined;
}

/**
 * One message as a list item: `data-role` (`user | assistant`), `data-status` (the answer's `pending | streaming |
 * done | stopped | error`), `data-state` (`editing | idle`) and `data-last` for styles. Starts with the speaker
 * ("You:", "Assistant:") for screen readers.
 *
 * @example
 * <Message.Root><Message.Content /><Message.Actions>…</Message.Actions></Message.Root>
 */
export const MessageRoot = /* @__PURE__ */ forwardRef<HTMLLIElement, HTMLAttributes<HTMLLIElement> & { asChild?: boolean | undefined }>(function MessageRoot({ asChild, children, ...props }, ref) {
  const { labels } = useThreadContext('Message.Root');
  const { isLast, editing } = useMessageContext('Message.Root');
  const message = useMessage('Message.Root');
  const answer = answerOf(message);
  const Element = asChild ? Slot : 'li';
  return (
    <Element ref={ref} data-role={message?.role} data-status={answer?.status} data-state={editing ? 'editing' : 'idle'} data-last={isLast ? '' : undefined} {...props}>
      {asChild ? (
        children
      ) : (
        <>
          <span style={visuallyHidden}>{message?.role === 'user' ? labels.you : labels.assistant}: </span>
          {children}
        </>
      )}
    </Element>
  );
});

export interface MessageContentProps extends HTMLAttributes<HTMLDivElement> {
  /** Drops the markdown's own `ia-` classes (code blocks, tables). */
  unstyled?: boolean | undefined;
  /** Shown while the answer waits for its first token; default the `thinking` label, shimmering (`data-shimmer`). */
  thinking?: ReactNode;
}

/**
 * The message's text: a user message as written (hidden while it is edited), an answer as safe markdown that
 * grows while it streams, or the "thinking" state before its first token.
 *
 * @example
 * <Message.Content className="my-content" />
 */
export const MessageContent = /* @__PURE__ */ forwardRef<HTMLDivElement, MessageContentProps>(function MessageContent({ unstyled, thinking, ...props }, ref) {
  const { labels } = useThreadContext('Message.Content');
  const { editing } = useMessageContext('Message.Content');
  const message = useMessage('Message.Content');
  if (!message) return null;
  if (message.role === 'user') {
    return editing ? null : (
      <div ref={ref} data-part="content" {...props}>
        {message.content}
      </div>
    );
  }
  const answer = answerOf(message);
  if (answer?.status === 'pending') {
    return (
      <div ref={ref} data-part="content" data-status="pending" {...props}>
        {thinking ?? <span data-shimmer="">{labels.thinking}</span>}
      </div>
    );
  }
  return <Markdown source={answer?.content ?? ''} labels={labels} unstyled={unstyled} data-part="content" data-status={answer?.status} {...props} />;
});

/**
 * The model's reasoning, all of it in one `ReasoningBlock`: open while the model thinks, then folded as "Thought
 * for N s"; reasoning the provider keeps encrypted says so. Nothing when the answer has none. (`Message.Parts` shows
 * each step's reasoning in its place instead.)
 *
 * @example
 * <Message.Reasoning />
 */
export const MessageReasoning = /* @__PURE__ */ forwardRef<HTMLDivElement, Omit<ReasoningBlockProps, 'part' | 'thinking'>>(function MessageReasoning(props, ref) {
  const answer = answerOf(useMessage('Message.Reasoning'));
  const parts = answer ? answerParts(answer).filter((part): part is MessageReasoningPart => part.type === 'reasoning') : [];
  if (!answer || parts.length === 0) return null;
  const startedAt = parts[0]?.startedAt;
  const finishedAt = parts.at(-1)?.finishedAt;
  const part: MessageReasoningPart = {
    type: 'reasoning',
    text: parts.map((each) => each.text).join('\n\n'),
    details: parts.flatMap((each) => each.details),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
  };
  const thinking = (answer.status === 'streaming' || answer.status === 'pending') && answer.content === '';
  return <ReasoningBlock ref={ref} part={part} thinking={thinking} {...props} />;
});

/**
 * Says how an answer ended when it did not end well: "Stopped", "No answer: the request failed", when a failure cut
 * an answer that had started, that it was cut off (the partial text stays above it), and for an answer that ended
 * at its length limit or was stopped by the provider's content filter, that it stops there (`data-finish` names the
 * reason) — an answer cut mid-sentence would otherwise look whole.
 *
 * @example
 * <Message.Status />
 */
export const MessageStatus = /* @__PURE__ */ forwardRef<HTMLParagraphElement, HTMLAttributes<HTMLParagraphElement>>(function MessageStatus(props, ref) {
  const { labels } = useThreadContext('Message.Status');
  const answer = answerOf(useMessage('Message.Status'));
  const cutShort = answer && cutShortReason(answer);
  if (cutShort && answer) {
    return (
      <p ref={ref} data-status={answer.status} data-finish={answer.finishReason} {...props}>
        {labels[cutShort]}
      </p>
    );
  }
  if (answer?.status !== 'stopped' && answer?.status !== 'error') return null;
  const text = answer.status === 'stopped' ? labels.stopped : answer.content === '' ? labels.failed : labels.interrupted;
  return (
    <p ref={ref} data-status={answer.status} data-partial={answer.content === '' ? undefined : ''} {...props}>
      {text}
    </p>
  );
});

/**
 * The actions of a message (`ActionBar.*` inside). An answer's show once it is over: nothing of them is built for
 * the frames while it streams. Hidden while its user message is edited.
 *
 * @example
 * <Message.Actions><ActionBar.Copy /><ActionBar.Regenerate /></Message.Actions>
 */
export const MessageActions = /* @__PURE__ */ forwardRef<HTMLDivElement, PartProps>(function MessageActions({ asChild, ...props }, ref) {
  const { isLast, editing } = useMessageContext('Message.Actions');
  const message = useMessage('Message.Actions');
  const answer = answerOf(message);
  if (!message || editing || (answer && !isAnswerOver(answer))) return null;
  const Element = asChild ? Slot : 'div';
  return <Element ref={ref} data-part="actions" data-last={isLast ? '' : undefined} {...props} />;
});

export interface MessageAvatarProps extends HTMLAttributes<HTMLSpanElement> {
  /** A name whose first letter stands for the speaker when there are no children. */
  name?: string | undefined;
}

/**
 * Who speaks: your avatar as children, or the first letter of `name`. Decorative (the message already names
 * its speaker to screen readers).
 *
 * @example
 * <Message.Avatar name="Ada" />
 */
export const MessageAvatar = /* @__PURE__ */ forwardRef<HTMLSpanElement, MessageAvatarProps>(function MessageAvatar({ name, children, ...props }, ref) {
  const message = useMessage('Message.Avatar');
  return (
    <span ref={ref} aria-hidden="true" data-role={message?.role} {...props}>
      {children ?? Array.from(name?.trim() ?? '')[0]?.toUpperCase()}
    </span>
  );
});

export interface MessageEditorProps extends HTMLAttributes<HTMLFormElement> {
  /** The classes of the editor's textbox and buttons. */
  inputClassName?: string | undefined;
  buttonClassName?: string | undefined;
  primaryButtonClassName?: string | undefined;
}

/**
 * The inline editor of a user message, shown while it is edited: a textbox with "Send" and "Cancel" (Enter sends,
 * Escape cancels and gives focus back). Sending asks again from there; the earlier text stays a branch.
 *
 * @example
 * <Message.Editor />
 */
export const MessageEditor = /* @__PURE__ */ forwardRef<HTMLFormElement, MessageEditorProps>(function MessageEditor({ inputClassName, buttonClassName, primaryButtonClassName, onSubmit, ...props }, ref) {
  const { chat, labels, focusComposer } = useThreadContext('Message.Editor');
  const { id, editing, setEditing, returnFocus } = useMessageContext('Message.Editor');
  const message = useMessage('Message.Editor');
  if (!editing || message?.role !== 'user') return null;
  return (
    <EditorForm
      ref={ref}
      initialText={message.content}
      labels={labels}
      classNames={{ input: inputClassName, button: buttonClassName, primary: primaryButtonClassName }}
      onCancel={() => {
        returnFocus.current = true;
        setEditing(false);
      }}
      onSend={(text, event) => {
        onSubmit?.(event);
        const cancelled = event.defaultPrevented;
        event.preventDefault();
        if (cancelled) return;
        setEditing(false);
        void chat.edit(id, text);
        focusComposer();
      }}
      {...props}
    />
  );
});

interface EditorFormProps extends Omit<HTMLAttributes<HTMLFormElement>, 'onSubmit'> {
  initialText: string;
  labels: { editMessage: string; send: string; cancel: string };
  classNames: { input: string | undefined; button: string | undefined; primary: string | undefined };
  onCancel(): void;
  onSend(text: string, event: SubmitEvent<HTMLFormElement>): void;
}

const EditorForm = forwardRef<HTMLFormElement, EditorFormProps>(function EditorForm({ initialText, labels, classNames, onCancel, onSend, ...props }, ref) {
  const [text, setText] = useState(initialText);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = input.current;
    element?.focus();
    element?.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const empty = text.trim() === '';
  return (
    <form
      ref={ref}
      data-part="editor"
      {...props}
      onSubmit={(event) => {
        if (empty) event.preventDefault();
        else onSend(text, event);
      }}
    >
      <textarea
        ref={input}
        className={classNames.input}
        aria-label={labels.editMessage}
        value={text}
        rows={2}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            // Handled here: the thread's Escape (stop the answer) must not run as well.
            event.preventDefault();
            onCancel();
          } else if (isSendKey(event)) {
            event.preventDefault();
            event.currentTarget.form?.requestSubmit();
          }
        }}
      />
      <div data-part="editor-actions">
        <button type="button" className={classNames.button} onClick={onCancel}>
          {labels.cancel}
        </button>
        <button type="submit" className={classNames.primary ?? classNames.button} data-variant="primary" disabled={empty}>
          {labels.send}
        </button>
      </div>
    </form>
  );
});
