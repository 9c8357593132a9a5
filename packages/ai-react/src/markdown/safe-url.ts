// Browsers ignore ASCII control characters and whitespace inside a URL's scheme ("java\tscript:" runs), so
// they are removed before the scheme is read. Entities are never decoded here: React sets the attribute as it is.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const IGNORED = /[\u0000-\u0020\u007f-\u009f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

/**
 * The URL to link to, or `undefined` when it must not be a link: only http(s), mailto and relative URLs pass;
 * `javascript:`, `data:`, `vbscript:` and every other scheme do not.
 *
 * @example
 * safeHref('https://example.com'); // "https://example.com"
 * safeHref('JaVa\tScRiPt:alert(1)'); // undefined
 */
export function safeHref(url: string): string | undefined {
  const compact = url.replace(IGNORED, '');
  if (compact === '') return undefined;
  const scheme = SCHEME.exec(compact)?.[1];
  if (scheme !== undefined) return ALLOWED_SCHEMES.has(scheme.toLowerCase()) ? compact : undefined;
  // A colon before any "/", "?" or "#" would make a browser read a scheme we did not see.
  const colon = compact.indexOf(':');
  if (colon !== -1 && !/[/?#]/.test(compact.slice(0, colon))) return undefined;
  return compact;
}

const IMAGE_DATA = /^data:image\//i;

/**
 * The URL to link an image's download to, or `undefined`: what `safeHref` allows, a `blob:` URL, or a `data:image/…`
 * URL (generated images are data URLs). React 18 renders a `javascript:` href as it is, and a click runs it.
 *
 * @example
 * safeImageHref('data:image/png;base64,iVBOR…'); // the same URL
 * safeImageHref('javascript:alert(1)'); // undefined
 */
export function safeImageHref(url: string): string | undefined {
  const compact = url.replace(IGNORED, '');
  return IMAGE_DATA.test(compact) || /^blob:/i.test(compact) ? compact : safeHref(compact);
}
