'use client';
import { forwardRef, useMemo, type HTMLAttributes } from 'react';
import type { MessageBudget } from '../../core/message-budget.js';
import type { MessageFilePart } from '../../core/message-parts.js';
import { useMessageBudget, type UseMessageBudgetOptions, type UseMessageBudgetResult } from '../../react/use-message-budget.js';
import { classes } from '../ai-root.js';
import { useComposer } from '../composer/composer.js';
import { isBusy, useThreadSelector } from '../thread/thread-context.js';
import { useShallowStable } from '../use-shallow-stable.js';
import { defaultComposerBudgetLabels, type ComposerBudgetLabels } from './composer-budget-labels.js';
import { composerBudgetText } from './composer-budget-text.js';

export interface ComposerBudgetProps extends HTMLAttributes<HTMLDivElement> {
  /**
   * The budget to show (`useMessageBudget`'s result). Without it, the part must be inside `Composer.Root`: it
   * estimates the composer's draft and files with the thread's conversation itself (`useComposerBudget`).
   */
  budget?: (MessageBudget & { pending?: boolean }) | undefined;
  /** Without `budget`: the feature the chat sends to (default the provider's), and the estimate's other options. */
  feature?: string | undefined;
  options?: Omit<UseMessageBudgetOptions, 'feature' | 'messages' | 'draft' | 'attachments'> | undefined;
  labels?: Partial<ComposerBudgetLabels> | undefined;
  /** Leaves out the `ia-composer-budget` class (the stylesheet's look). */
  unstyled?: boolean | undefined;
}

/**
 * The budget of the message being drafted, estimated from inside `Composer.Root`: its text and ready files, after the
 * thread's conversation. Idle while an answer is on its way (the conversation is still growing).
 *
 * @example
 * function Send() {
 *   const budget = useComposerBudget({ feature: 'chat' });
 *   return <><ComposerBudget budget={budget} /><Composer.Send disabled={budget.status === 'blocked'} /></>;
 * }
 */
export function useComposerBudget(options: Omit<UseMessageBudgetOptions, 'messages' | 'draft' | 'attachments'> = {}): UseMessageBudgetResult {
  const { text, attachments, busy } = useComposer('useComposerBudget');
  // Nothing while an answer streams: the selector answers the same `undefined` until the conversation is still.
  const messages = useThreadSelector('useComposerBudget', (state) => (isBusy(state.status) ? undefined : state.messages));
  const ready = useShallowStable(attachments.drafts.flatMap((draft): MessageFilePart[] => (draft.status === 'ready' && draft.part ? [draft.part] : [])));
  return useMessageBudget({ ...options, enabled: (options.enabled ?? true) && !busy && messages !== undefined, messages, draft: text, attachments: ready });
}

/** The view of a budget: a compact summary, and a polite live message when the message may not go through. */
const ComposerBudgetView = forwardRef<HTMLDivElement, Omit<ComposerBudgetProps, 'feature' | 'options'> & { budget: MessageBudget & { pending?: boolean } }>(function ComposerBudgetView({ budget, labels, unstyled, className, ...props }, ref) {
  const stable = useShallowStable(labels);
  const merged = useMemo(() => ({ ...defaultComposerBudgetLabels, ...stable }), [stable]);
  const { summary, message } = composerBudgetText(budget, merged, new Date());
  return (
    <div ref={ref} data-part="budget" data-state={budget.status} data-pending={budget.pending ? '' : undefined} data-limit={budget.limit?.kind} className={classes(unstyled, 'ia-composer-budget', className)} {...props}>
      {summary && <span data-part="budget-summary">{summary}</span>}
      {/* Always mounted, so a screen reader hears the warning when it appears; quiet while all is well. */}
      <span role="status" aria-live="polite" data-part="budget-message">
        {message}
      </span>
    </div>
  );
});

const ComposerBudgetOfComposer = forwardRef<HTMLDivElement, Omit<ComposerBudgetProps, 'budget'>>(function ComposerBudgetOfComposer({ feature, options, ...props }, ref) {
  const budget = useComposerBudget({ ...options, ...(feature === undefined ? {} : { feature }) });
  return <ComposerBudgetView ref={ref} budget={budget} {...props} />;
});

/**
 * What the message being drafted would reserve at most and what is left of the caller's budget ("≤ $0.004 · $0.83
 * left today"), and a warning before the gateway would refuse it ("This message may cost more than the $0.01 left
 * today; resets at 00:00 UTC"). `data-state` is the budget's status (`idle | checking | ok | warn | blocked`),
 * `data-pending` marks a newer draft being checked. Inside `Composer.Root` it estimates the draft itself; anywhere
 * else, pass `budget` from `useMessageBudget`.
 *
 * @example
 * <Composer.Root>
 *   <Composer.Input />
 *   <ComposerBudget feature="chat" />
 *   <Composer.Send />
 * </Composer.Root>
 */
export const ComposerBudget = /* @__PURE__ */ forwardRef<HTMLDivElement, ComposerBudgetProps>(function ComposerBudget({ budget, feature, options, ...props }, ref) {
  return budget ? <ComposerBudgetView ref={ref} budget={budget} {...props} /> : <ComposerBudgetOfComposer ref={ref} feature={feature} options={options} {...props} />;
});
