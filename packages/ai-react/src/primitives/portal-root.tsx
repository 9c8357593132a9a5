'use client';
import { forwardRef, useLayoutEffect, useRef, useState } from 'react';
import { AiRoot, useEnclosingRootElement, type AiRootProps } from './ai-root.js';
import { readingDirection, type ReadingDirection } from './reading-direction.js';
import { composeRefs } from './slot.js';

export interface PortalRootProps extends AiRootProps {
  /** The element the dialog is opened from (its trigger), when there is one; read before the enclosing root. */
  directionFrom?: (() => Element | null | undefined) | undefined;
}

/**
 * The root of a dialog drawn in a portal at the end of the document. Like every root it takes the theme of the root
 * it is in; it also takes the direction of where it was opened, read once as it opens (from `directionFrom`, else
 * the enclosing root, else the focused element), because a `dir` on an app's own wrapper does not reach the end of
 * the document. A `dir` given wins.
 *
 * @example
 * <Dialog.Portal><PortalRoot directionFrom={() => trigger.current}><Dialog.Content /></PortalRoot></Dialog.Portal>
 */
export const PortalRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, PortalRootProps>(function PortalRoot({ directionFrom, ...props }, ref) {
  const enclosing = useEnclosingRootElement();
  const own = useRef<HTMLDivElement | null>(null);
  const [dir, setDir] = useState<ReadingDirection>();
  // Before the first paint, so the dialog is never drawn the wrong way round; the focus has not moved in yet. Read
  // once, as the portal's root mounts when the dialog opens. Set only where it differs from the direction the portal
  // inherits, so a page whose own direction changes while the dialog is open is still followed.
  useLayoutEffect(() => {
    const source = directionFrom?.() ?? enclosing?.current ?? document.activeElement;
    const wanted = source ? readingDirection(source) : undefined;
    if (wanted && own.current && wanted !== readingDirection(own.current)) setDir(wanted);
  }, []);
  return <AiRoot ref={composeRefs(ref, own)} dir={dir} {...props} />;
});
