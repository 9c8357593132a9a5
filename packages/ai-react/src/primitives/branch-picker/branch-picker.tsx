'use client';
import { forwardRef, type ButtonHTMLAttributes, type HTMLAttributes } from 'react';
import { versionsOf } from '../../core/message-branches.js';
import { composeEventHandlers } from '../compose-event-handlers.js';
import { useMessage, useMessageContext } from '../message/message-context.js';
import { Slot } from '../slot.js';
import { useThreadContext } from '../thread/thread-context.js';

function useVersions(part: string) {
  const { chat } = useThreadContext(part);
  const { id } = useMessageContext(part);
  const message = useMessage(part);
  const { current, total } = message ? versionsOf(message) : { current: 0, total: 1 };
  return { current, total, select: (index: number) => chat.selectVersion(id, index) };
}

export interface BranchPickerRootProps extends HTMLAttributes<HTMLDivElement> {
  asChild?: boolean | undefined;
  /** Render it for a message with one version too (default: nothing to pick, nothing shown). */
  forceMount?: boolean | undefined;
}

/**
 * `‹ 1/2 ›` for a message with versions: the answers of a regenerated turn, or the branches of an edited user
 * message. A group named by the `versions` label.
 *
 * @example
 * <BranchPicker.Root><BranchPicker.Previous /><BranchPicker.Count /><BranchPicker.Next /></BranchPicker.Root>
 */
export const BranchPickerRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, BranchPickerRootProps>(function BranchPickerRoot({ asChild, forceMount, ...props }, ref) {
  const { labels } = useThreadContext('BranchPicker.Root');
  const { total } = useVersions('BranchPicker.Root');
  if (total <= 1 && !forceMount) return null;
  const Element = asChild ? Slot : 'div';
  return <Element ref={ref} role="group" aria-label={labels.versions} data-total={total} {...props} />;
});

interface StepProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  asChild?: boolean | undefined;
}

function createStep(part: string, direction: -1 | 1) {
  return forwardRef<HTMLButtonElement, StepProps>(function BranchPickerStep({ asChild, onClick, children, ...props }, ref) {
    const { labels } = useThreadContext(part);
    const { current, total, select } = useVersions(part);
    const target = current + direction;
    const label = direction < 0 ? labels.previousVersion : labels.nextVersion;
    const Element = asChild ? Slot : 'button';
    return (
      <Element
        ref={ref}
        type="button"
        aria-label={label}
        data-tooltip={label}
        disabled={target < 0 || target >= total}
        {...props}
        onClick={composeEventHandlers(onClick, () => select(target))}
      >
        {children ?? <span aria-hidden="true">{direction < 0 ? '‹' : '›'}</span>}
      </Element>
    );
  });
}

/** Shows the previous version; disabled on the first. */
export const BranchPickerPrevious = /* @__PURE__ */ createStep('BranchPicker.Previous', -1);
/** Shows the next version; disabled on the last. */
export const BranchPickerNext = /* @__PURE__ */ createStep('BranchPicker.Next', 1);

/**
 * "1 / 2" (the `versionCount` label).
 *
 * @example
 * <BranchPicker.Count />
 */
export const BranchPickerCount = /* @__PURE__ */ forwardRef<HTMLSpanElement, HTMLAttributes<HTMLSpanElement>>(function BranchPickerCount(props, ref) {
  const { labels } = useThreadContext('BranchPicker.Count');
  const { current, total } = useVersions('BranchPicker.Count');
  return (
    <span ref={ref} {...props}>
      {labels.versionCount(current + 1, total)}
    </span>
  );
});
