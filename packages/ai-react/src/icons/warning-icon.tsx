import { createIcon } from './icon.js';

/** An exclamation mark in a triangle (warning). */
export const WarningIcon = /* @__PURE__ */ createIcon('WarningIcon', <><path d="m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3Z" /><path d="M12 9v4M12 17h.01" /></>);
