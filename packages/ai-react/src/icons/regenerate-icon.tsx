import { createIcon } from './icon.js';

/** A circular arrow (regenerate). */
export const RegenerateIcon = /* @__PURE__ */ createIcon('RegenerateIcon', <><path d="M21 12a9 9 0 1 1-2.64-6.36L21 8" /><path d="M21 3v5h-5" /></>);
