import { createIcon } from './icon.js';

/** Four corners pointing out (enlarge). */
export const ExpandIcon = /* @__PURE__ */ createIcon('ExpandIcon', <path d="M15 3h6v6M9 21H3v-6M21 3l-7 7M3 21l7-7" />);
