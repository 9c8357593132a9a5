import { compactUrl, safeHref } from '../../markdown/safe-url.js';

/** The file extension of an image URL's type (`data:image/jpeg;…` → `jpg`), else `png`. */
function extensionOf(url: string): string {
  const type = /^data:image\/([a-z0-9.+-]+)[;,]/i.exec(url)?.[1]?.toLowerCase() ?? /\.(png|jpe?g|webp|gif)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  if (type === 'jpeg') return 'jpg';
  return type && /^[a-z0-9]+$/.test(type) ? type : 'png';
}

/**
 * A file name for a generated image, from its prompt: `a-lighthouse-at-dusk-1.png`.
 *
 * @example
 * <a href={image.url} download={imageFileName('A lighthouse at dusk', 0, image.url)}>Download</a>
 */
export function imageFileName(prompt: string, index: number, url: string): string {
  const slug = prompt
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || 'image'}-${index + 1}.${extensionOf(url)}`;
}

/**
 * Copies an image: as an image where the browser can (`ClipboardItem`, PNG), else its URL as text. Resolves with
 * what was copied; rejects when there is no clipboard (an insecure page) or the browser refuses.
 *
 * @example
 * await copyImage(image.url); // 'image' | 'link'
 */
export async function copyImage(url: string, clipboard: Clipboard | undefined = globalThis.navigator?.clipboard): Promise<'image' | 'link'> {
  if (!clipboard) throw new Error('The clipboard is not available on this page.');
  if (typeof ClipboardItem !== 'undefined' && typeof clipboard.write === 'function' && extensionOf(url) === 'png') {
    try {
      // The blob as a promise: Safari only allows a write started within the click.
      const blob = fetch(url).then((response) => response.blob());
      await clipboard.write([new ClipboardItem({ 'image/png': blob })]);
      return 'image';
    } catch {
      // An image the browser will not take: its URL is the next best thing.
    }
  }
  await clipboard.writeText(url);
  return 'link';
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
  const compact = compactUrl(url);
  return IMAGE_DATA.test(compact) || /^blob:/i.test(compact) ? compact : safeHref(compact);
}
