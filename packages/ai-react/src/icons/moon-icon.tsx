import { createIcon } from './icon.js';

/** A crescent (dark theme). */
export const MoonIcon = /* @__PURE__ */ createIcon('MoonIcon', <path d="M12 3a6 6 0 0 0 9 9 9 9 0 1 1-9-9Z" />);
