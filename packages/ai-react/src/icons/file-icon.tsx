import { createIcon } from './icon.js';

/** A sheet with a folded corner (a document, a file). */
export const FileIcon = /* @__PURE__ */ createIcon('FileIcon', <><path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8Z" /><path d="M14 3v5h5M9 13h6M9 17h4" /></>);
