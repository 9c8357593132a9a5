import { createIcon } from './icon.js';

/** A plus (new, add). */
export const PlusIcon = /* @__PURE__ */ createIcon('PlusIcon', <path d="M12 5v14M5 12h14" />);
