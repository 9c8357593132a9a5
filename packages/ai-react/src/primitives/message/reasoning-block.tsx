'use client';
import { forwardRef, useId, useState, type HTMLAttributes, type ReactNode } from 'react';
import type { MessageReasoningPart } from '../../core/message-parts.js';
import { ChevronDownIcon } from '../../icons/chevron-down-icon.js';
import { Markdown } from '../../markdown/markdown.js';
import { useThreadContext } from '../thread/thread-context.js';

export interface ReasoningBlockProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'part'> {
  part: MessageReasoningPart;
  /** The model is still writing this reasoning: the block is open and says "Thinking…". */
  thinking?: boolean | undefined;
  /** Open (controlled); without it the block is open while the model thinks and folds once it is done. */
  open?: boolean | undefined;
  onOpenChange?: ((open: boolean) => void) | undefined;
  /** The class of the toggle and of the reasoning text. */
  triggerClassName?: string | undefined;
  contentClassName?: string | undefined;
  /** Replaces how the reasoning text is shown (default: muted markdown). */
  children?: ReactNode;
}

/** Seconds between the first and the last reasoning delta, when both are known. */
const secondsOf = (part: MessageReasoningPart) => (part.startedAt !== undefined && part.finishedAt !== undefined ? (part.finishedAt - part.startedAt) / 1000 : undefined);

/**
 * One reasoning part: a toggle that says "Thinking…" while the model thinks (open, so the thoughts show as they
 * come) and "Thought for N s" once it is done (folded; the user opens it again). Reasoning the provider sends only
 * encrypted has nothing to read: one line says so, without a toggle. `data-state` is `open | closed`,
 * `data-status` `thinking | done | hidden`.
 *
 * @example
 * <ReasoningBlock part={part} thinking={answer.status === 'streaming' && isLastPart} />
 */
export const ReasoningBlock = /* @__PURE__ */ forwardRef<HTMLDivElement, ReasoningBlockProps>(function ReasoningBlock({ part, thinking = false, open, onOpenChange, triggerClassName, contentClassName, children, ...props }, ref) {
  const { labels } = useThreadContext('ReasoningBlock');
  // What the user chose; until they choose, the block follows the model (open while it thinks).
  const [chosen, setChosen] = useState<boolean | undefined>(undefined);
  const contentId = useId();
  const seconds = secondsOf(part);
  const thinkingText = <span data-shimmer="">{labels.thinking}</span>;
  const hidden = part.text.trim() === '';
  if (hidden) {
    // Nothing to unfold: encrypted reasoning (or none yet) is one line.
    return (
      <div ref={ref} data-part="reasoning" data-status={thinking ? 'thinking' : 'hidden'} {...props}>
        <p className={triggerClassName} data-part="reasoning-summary">
          {thinking ? thinkingText : labels.reasoningHidden(seconds)}
        </p>
      </div>
    );
  }
  const shown = open ?? chosen ?? thinking;
  const summary = thinking ? thinkingText : seconds !== undefined ? labels.thoughtFor(seconds) : labels.reasoning;
  return (
    <div ref={ref} data-part="reasoning" data-state={shown ? 'open' : 'closed'} data-status={thinking ? 'thinking' : 'done'} {...props}>
      <button
        type="button"
        className={triggerClassName}
        data-part="reasoning-summary"
        aria-expanded={shown}
        aria-controls={shown ? contentId : undefined}
        onClick={() => {
          setChosen(!shown);
          onOpenChange?.(!shown);
        }}
      >
        {summary}
        <ChevronDownIcon size={14} data-part="chevron" />
      </button>
      {shown ? (
        <div id={contentId} className={contentClassName} data-part="reasoning-text">
          {children ?? <Markdown source={part.text} labels={labels} />}
        </div>
      ) : null}
    </div>
  );
});
