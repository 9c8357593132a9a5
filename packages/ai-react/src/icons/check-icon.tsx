import { createIcon } from './icon.js';

/** A check mark (done, copied). */
export const CheckIcon = /* @__PURE__ */ createIcon('CheckIcon', <path d="M20 6 9 17l-5-5" />);
