// Browsers ignore ASCII control characters and whitespace inside a URL's scheme ("java\tscript:" runs), so
// they are removed before the scheme is read. Entities are never decoded here: React sets the attribute as it is.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const IGNORED = /[\u0000-\u0020\u007f-\u009f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

/**
 * The URL without what browsers ignore in it (ASCII control characters and whitespace): what they read a scheme from.
 *
 * @example
 * compactUrl('java\tscript:alert(1)'); // "javascript:alert(1)"
 */
export function compactUrl(url: string): string {
  return url.replace(IGNORED, '');
}

/**
 * The URL to link to, or `undefined` when it must not be a link: only http(s), mailto and relative URLs pass;
 * `javascript:`, `data:`, `vbscript:` and every other scheme do not.
 *
 * @example
 * safeHref('https://example.com'); // "https://example.com"
 * safeHref('JaVa\tScRiPt:alert(1)'); // undefined
 */
export function safeHref(url: string): string | undefined {
  const compact = compactUrl(url);
  if (compact === '') return undefined;
  const scheme = SCHEME.exec(compact)?.[1];
  if (scheme !== undefined) return ALLOWED_SCHEMES.has(scheme.toLowerCase()) ? compact : undefined;
  // A colon before any "/", "?" or "#" would make a browser read a scheme we did not see.
  const colon = compact.indexOf(':');
  if (colon !== -1 && !/[/?#]/.test(compact.slice(0, colon))) return undefined;
  return compact;
}
