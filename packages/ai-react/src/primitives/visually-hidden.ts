import type { CSSProperties } from 'react';

/**
 * Hides an element visually but keeps it for screen readers. Inline, so it also works `unstyled` and without the
 * stylesheet (a class would show the text there).
 *
 * @example
 * <span style={visuallyHidden}>Selected</span>
 */
export const visuallyHidden: CSSProperties = { position: 'absolute', width: 1, height: 1, margin: -1, padding: 0, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap', border: 0 };
