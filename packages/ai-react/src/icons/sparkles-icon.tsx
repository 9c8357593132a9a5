import { createIcon } from './icon.js';

/** A sparkle (the assistant). */
export const SparklesIcon = /* @__PURE__ */ createIcon('SparklesIcon', <path d="M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9Z" />);
