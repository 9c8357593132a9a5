import { createIcon } from './icon.js';

/** A chevron pointing up (collapse). */
export const ChevronUpIcon = /* @__PURE__ */ createIcon('ChevronUpIcon', <path d="m18 15-6-6-6 6" />);
