'use client';
import { forwardRef, useLayoutEffect, useState } from 'react';
import { AiRoot, useEnclosingRootElement, type AiRootProps } from './ai-root.js';
import { readingDirection, type ReadingDirection } from './reading-direction.js';

export interface PortalRootProps extends AiRootProps {
  /** The element the dialog is opened from (its trigger), when there is one; read before the enclosing root. */
  directionFrom?: (() => Element | null | undefined) | undefined;
}

/**
 * The root of a dialog drawn in a portal at the end of the document. Like every root it takes the theme of the root
 * it is in; it also takes the direction of where it was opened (from `directionFrom`, else the enclosing root, else
 * the focused element), because a `dir` on an app's own wrapper does not reach the end of the document, and follows
 * it while open: an app that switches its wrapper between left to right and right to left switches the dialog too.
 * It always carries that direction as its `dir`, so a style can match its child by it. A `dir` given wins.
 *
 * @example
 * <Dialog.Portal><PortalRoot directionFrom={() => trigger.current}><Dialog.Content /></PortalRoot></Dialog.Portal>
 */
export const PortalRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, PortalRootProps>(function PortalRoot({ directionFrom, dir: given, ...props }, ref) {
  const enclosing = useEnclosingRootElement();
  const [dir, setDir] = useState<ReadingDirection>();
  // Before the first paint, so the dialog is never drawn the wrong way round; the focus has not moved in yet. The
  // source is chosen once, as the portal's root mounts when the dialog opens.
  useLayoutEffect(() => {
    const source = directionFrom?.() ?? enclosing?.current ?? document.activeElement;
    if (!source) return;
    const follow = () => {
      // A source taken out of the page has no direction left to follow: the dialog keeps the last one.
      if (source.isConnected) setDir(readingDirection(source));
    };
    follow();
    // Only a `dir` on the source or one of its ancestors (the page's included) changes its direction: watching that
    // attribute on each of them, and nothing else, costs nothing while no one changes it.
    const observer = new MutationObserver(follow);
    for (let element: Element | null = source; element; element = element.parentElement) observer.observe(element, { attributes: true, attributeFilter: ['dir'] });
    return () => observer.disconnect();
  }, []);
  return <AiRoot ref={ref} dir={given ?? dir} {...props} />;
});
