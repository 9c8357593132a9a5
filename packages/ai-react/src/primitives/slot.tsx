'use client';
import { Children, cloneElement, forwardRef, isValidElement, type HTMLAttributes, type ReactElement, type ReactNode, type Ref } from 'react';

type AnyProps = Record<string, unknown>;

/** One ref callback that sets every given ref. */
export function composeRefs<T>(...refs: Array<Ref<T> | undefined>): (node: T | null) => void {
  return (node) => {
    for (const ref of refs) {
      if (typeof ref === 'function') ref(node);
      else if (ref) (ref as { current: T | null }).current = node;
    }
  };
}

/** The part's props merged into the child's: handlers both run (the child's first), classes and styles join. */
function mergeProps(slot: AnyProps, child: AnyProps): AnyProps {
  const merged: AnyProps = { ...slot, ...child };
  for (const key of Object.keys(child)) {
    const ours = slot[key];
    const theirs = child[key];
    if (/^on[A-Z]/.test(key) && typeof ours === 'function' && typeof theirs === 'function') {
      merged[key] = (...args: unknown[]) => {
        (theirs as (...a: unknown[]) => void)(...args);
        const event = args[0] as { defaultPrevented?: boolean } | undefined;
        if (!event?.defaultPrevented) (ours as (...a: unknown[]) => void)(...args);
      };
    } else if (key === 'className' && ours && theirs) merged[key] = `${String(ours)} ${String(theirs)}`;
    else if (key === 'style' && ours && theirs) merged[key] = { ...(ours as object), ...(theirs as object) };
  }
  return merged;
}

function refOf(element: ReactElement): Ref<unknown> | undefined {
  // React 19 keeps `ref` among the props; React 18 on the element.
  return ((element.props as AnyProps).ref ?? (element as unknown as { ref?: Ref<unknown> }).ref) as Ref<unknown> | undefined;
}

/**
 * Renders its only child with the part's props, handlers and ref merged in — what `asChild` renders, so a user's
 * own `<button>` or link becomes the part.
 *
 * @example
 * <Composer.Send asChild><MyButton>Go</MyButton></Composer.Send>
 */
export const Slot = /* @__PURE__ */ forwardRef<HTMLElement, HTMLAttributes<HTMLElement> & { children?: ReactNode }>(function Slot({ children, ...props }, ref) {
  const child = Children.only(children);
  if (!isValidElement(child)) throw new Error('`asChild` needs a single element child');
  const childRef = refOf(child);
  return cloneElement(child as ReactElement<AnyProps>, { ...mergeProps(props as AnyProps, child.props as AnyProps), ref: ref || childRef ? composeRefs(ref, childRef) : undefined });
});
