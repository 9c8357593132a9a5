import { createIcon } from './icon.js';

/** A shield with a question mark (asks for permission). */
export const ShieldIcon = /* @__PURE__ */ createIcon('ShieldIcon', <><path d="M12 21s-7-3.5-7-9.5V5.5L12 3l7 2.5v6C19 17.5 12 21 12 21Z" /><path d="M10 9.5a2 2 0 1 1 2.6 1.9c-.4.15-.6.5-.6.9v.45M12 15.5h.01" /></>);
