'use client';
import { forwardRef, type HTMLAttributes } from 'react';

export type AiTheme = 'light' | 'dark' | 'system';

export interface AiRootProps extends HTMLAttributes<HTMLDivElement> {
  /** Light, dark, or the system preference (default). */
  theme?: AiTheme;
  /** Drops the component's own classes, for apps that style everything themselves. */
  unstyled?: boolean;
}

/**
 * The root element of every component: it carries `data-insforge-ai` (which scopes the design tokens) and the
 * theme. Props spread last, so an app can override any attribute.
 */
export const AiRoot = /* @__PURE__ */ forwardRef<HTMLDivElement, AiRootProps>(function AiRoot({ theme = 'system', unstyled = false, ...props }, ref) {
  return <div ref={ref} data-insforge-ai="" data-theme={theme} data-unstyled={unstyled ? '' : undefined} {...props} />;
});

/** Joins class names, skipping empty ones; with `unstyled`, the component's own classes are dropped. */
export function classes(unstyled: boolean | undefined, own: string | undefined, ...extra: Array<string | false | null | undefined>): string | undefined {
  const names = [unstyled ? undefined : own, ...extra].filter(Boolean);
  return names.length > 0 ? names.join(' ') : undefined;
}
