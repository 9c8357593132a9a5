import type { HTMLAttributes } from 'react';
import { splitFileName } from '../core/attachments.js';

export interface FileNameProps extends HTMLAttributes<HTMLSpanElement> {
  name: string;
}

/**
 * A file name that a narrow chip can shorten in the middle. The element holds the whole name as its text (what
 * screen readers, text search and copy get) and as its tooltip; `data-start` and `data-end` (the extension and the
 * characters before it) let a stylesheet draw "quarterly-re…final-v2.pdf" instead. Unstyled, it is the plain name.
 *
 * @example
 * <FileName name="quarterly-report-final-v2.pdf" />
 */
export function FileName({ name, ...props }: FileNameProps) {
  const { start, end } = splitFileName(name);
  return (
    // dir="auto": a Latin name in a right-to-left page keeps its start on the left, and an Arabic one on the right.
    <span data-part="file-name" title={name} dir="auto" data-start={start} data-end={end} {...props}>
      <span data-part="file-name-text">{name}</span>
    </span>
  );
}
