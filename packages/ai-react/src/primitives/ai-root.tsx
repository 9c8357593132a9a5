'use client';
import { createContext, forwardRef, useContext, useRef, type HTMLAttributes, type RefObject } from 'react';
import { composeRefs } from './slot.js';

export type AiTheme = 'light' | 'dark' | 'system';

export interface AiRootProps extends HTMLAttributes<HTMLDivElement> {
  /**
   * Light, dark, or the system preference. Left out, a root takes the theme of the root it is in (a dialog's, through
   * its portal too), and `system` when it is in none.
   */
  theme?: AiTheme | undefined;
  /** Drops the component's own classes, for apps that style everything themselves. */
  unstyled?: boolean;
}

/** The theme of the root a root is in: a component inside another (its dialog, its popover) takes it when given none. */
const EnclosingTheme = /* @__PURE__ */ createContext<AiTheme>('system');

/** The element of the root a root is in: a dialog drawn in a portal reads the direction it was opened in from it. */
const EnclosingElement = /* @__PURE__ */ createContext<RefObject<HTMLDivElement | null> | undefined>(undefined);

/** The element of the nearest enclosing root (undefined outside any), set once that root has mounted. */
export function useEnclosingRootElement(): RefObject<HTMLDivElement | null> | undefined {
  return useContext(EnclosingElement);
}

/**
 * The root element of every component: it carries `data-insforge-ai` (which scopes the design tokens) and the
 * theme, its own or the enclosing root's. Props spread last, so an app can override any attribute.
 */
export const AiRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, AiRootProps>(function AiRoot({ theme, unstyled = false, ...props }, ref) {
  const enclosing = useContext(EnclosingTheme);
  const shown = theme ?? enclosing;
  const element = useRef<HTMLDivElement | null>(null);
  return (
    <EnclosingTheme.Provider value={shown}>
      <EnclosingElement.Provider value={element}>
        <div ref={composeRefs(ref, element)} data-insforge-ai="" data-theme={shown} data-unstyled={unstyled ? '' : undefined} {...props} />
      </EnclosingElement.Provider>
    </EnclosingTheme.Provider>
  );
});

/** Joins class names, skipping empty ones; with `unstyled`, the component's own classes are dropped. */
export function classes(unstyled: boolean | undefined, own: string | undefined, ...extra: Array<string | false | null | undefined>): string | undefined {
  const names = [unstyled ? undefined : own, ...extra].filter(Boolean);
  return names.length > 0 ? names.join(' ') : undefined;
}
