import { createIcon } from './icon.js';

/** Three quarters of a circle (working; styles spin it). */
export const LoaderIcon = /* @__PURE__ */ createIcon('LoaderIcon', <path d="M21 12a9 9 0 1 1-6.22-8.56" />);
