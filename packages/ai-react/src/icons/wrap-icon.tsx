import { createIcon } from './icon.js';

/** A line wrapping back (wrap long lines). */
export const WrapIcon = /* @__PURE__ */ createIcon('WrapIcon', <><path d="M3 6h18M3 12h15a3 3 0 1 1 0 6h-4" /><path d="m16 16-2 2 2 2" /><path d="M3 18h7" /></>);
