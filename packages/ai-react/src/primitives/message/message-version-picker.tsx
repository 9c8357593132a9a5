'use client';
import { forwardRef } from 'react';
import { ChevronLeftIcon } from '../../icons/chevron-left-icon.js';
import { ChevronRightIcon } from '../../icons/chevron-right-icon.js';
import { BranchPickerCount, BranchPickerNext, BranchPickerPrevious, BranchPickerRoot, type BranchPickerRootProps } from '../branch-picker/branch-picker.js';

export interface MessageVersionPickerProps extends BranchPickerRootProps {
  /** The classes of the two buttons and of the count. */
  buttonClassName?: string | undefined;
  countClassName?: string | undefined;
}

/**
 * `‹ 1/2 ›` for the message: `BranchPicker` with its three parts in the usual order. Nothing for a message with one
 * version.
 *
 * @example
 * <Message.VersionPicker />
 */
export const MessageVersionPicker = /* @__PURE__ */ forwardRef<HTMLDivElement, MessageVersionPickerProps>(function MessageVersionPicker({ buttonClassName, countClassName, ...props }, ref) {
  return (
    <BranchPickerRoot ref={ref} {...props}>
      <BranchPickerPrevious className={buttonClassName}>
        <ChevronLeftIcon />
      </BranchPickerPrevious>
      <BranchPickerCount className={countClassName} />
      <BranchPickerNext className={buttonClassName}>
        <ChevronRightIcon />
      </BranchPickerNext>
    </BranchPickerRoot>
  );
});
