import { createIcon } from './icon.js';

/** Three dots (more actions). */
export const MoreIcon = /* @__PURE__ */ createIcon('MoreIcon', <><circle cx="5" cy="12" r="1" fill="currentColor" /><circle cx="12" cy="12" r="1" fill="currentColor" /><circle cx="19" cy="12" r="1" fill="currentColor" /></>);
