import { createIcon } from './icon.js';

/** A filled square (stop). */
export const StopIcon = /* @__PURE__ */ createIcon('StopIcon', <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" stroke="none" />);
