import { forwardRef, type ReactNode, type SVGProps } from 'react';

export interface IconProps extends Omit<SVGProps<SVGSVGElement>, 'ref'> {
  /** Width and height in px (or any CSS length); default 16. */
  size?: number | string;
}

/**
 * Builds a small stroked icon: 24×24 view box, `currentColor`, hidden from screen readers (the button around it
 * carries the name). One file per icon keeps the set tree-shakeable.
 *
 * @example
 * export const CopyIcon = createIcon('CopyIcon', <><rect x="9" y="9" width="12" height="12" rx="2" /></>);
 */
export function createIcon(name: string, body: ReactNode) {
  const Icon = forwardRef<SVGSVGElement, IconProps>(function Icon({ size = 16, ...props }, ref) {
    return (
      <svg
        ref={ref}
        width={size}
        height={size}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={1.75}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden="true"
        focusable="false"
        {...props}
      >
        {body}
      </svg>
    );
  });
  Icon.displayName = name;
  return Icon;
}
