import { createIcon } from './icon.js';

/** Three lines (menu, conversation list). */
export const MenuIcon = /* @__PURE__ */ createIcon('MenuIcon', <path d="M4 6h16M4 12h16M4 18h16" />);
