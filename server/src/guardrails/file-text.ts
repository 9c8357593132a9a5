import { isDataUrl, percentDecode } from '@insforge/ai-protocol';

/**
 * Media types a model reads as text: `text/*` and the structured text formats (JSON, XML, YAML, CSV, scripts…),
 * `+json` and `+xml` suffixes included. Anything else in a file (a PDF, a Word document, an image) is bytes the
 * gateway cannot read.
 */
const TEXT_LIKE = /^(?:text\/[\w.+-]+|application\/(?:[\w.-]+\+)?(?:json|xml|yaml|x-yaml|javascript|x-javascript|ecmascript|sql|csv|x-ndjson|ndjson|toml|x-toml|graphql|x-sh|x-tex|markdown))$/;

/** Charsets whose text is written back as UTF-8 unchanged: UTF-8 and its ASCII subset. */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);

/** The text a `data:` URL of a text-like media type holds, and how to give a changed text back in its place. */
export interface DataUrlText {
  text: string;
  /** The URL holding `text` instead, or undefined when it cannot be written back exactly (another charset, bytes that are not UTF-8). */
  rewrite: ((text: string) => string) | undefined;
}

/**
 * Reads the text of a `data:` URL whose media type a model reads as text (`text/plain`, `application/json`…), base64
 * or percent-encoded, in its charset (UTF-8 unless it names another, and then as UTF-8 as well, on a line of its own,
 * where that reads otherwise); undefined for a link, another media type, or a payload that cannot be decoded.
 * @example
 * dataUrlText('data:text/plain;base64,aGk=')?.text; // 'hi'
 * dataUrlText('data:application/pdf;base64,JVBERi0='); // undefined: a PDF is not text the gateway can read
 */
export function dataUrlText(url: unknown): DataUrlText | undefined {
  if (typeof url !== 'string' || !isDataUrl(url)) return undefined;
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma);
  const [type = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  if (!TEXT_LIKE.test(type)) return undefined;
  const base64 = parameters.includes('base64');
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '') ?? 'utf-8';
  const payload = url.slice(comma + 1);
  // Read leniently, as a provider's decoder does: base64 skips what is not in its alphabet.
  const bytes = base64 ? Buffer.from(payload, 'base64') : Buffer.from(percentDecode(payload));
  const prefix = url.slice(0, comma + 1);
  const encode = (text: string) => prefix + (base64 ? Buffer.from(text, 'utf8').toString('base64') : encodeURIComponent(text));
  if (UTF8_LABELS.has(charset)) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), rewrite: encode };
    } catch {
      // Not UTF-8 after all: read as a model would (each broken byte a replacement character), never rewritten.
      return { text: new TextDecoder('utf-8').decode(bytes), rewrite: undefined };
    }
  }
  let labelled: string;
  try {
    labelled = new TextDecoder(charset).decode(bytes);
  } catch {
    // A charset the runtime does not know: read as Latin-1, which maps every byte, so nothing hides in it unread.
    labelled = bytes.toString('latin1');
  }
  // A provider may ignore the label and read UTF-8 (as most do): UTF-8 bytes labelled UTF-16 would otherwise be
  // screened as CJK text the model never reads. Both readings are screened where they differ.
  const asUtf8 = new TextDecoder('utf-8').decode(bytes);
  return { text: asUtf8 === labelled ? labelled : `${labelled}\n${asUtf8}`, rewrite: undefined };
}

const LINK = /^https?:\/\//i;

/**
 * The text of an `http(s)` link as a reader (and the server it names) reads it: percent-escapes decoded as UTF-8
 * (a broken byte a replacement character), and `+` in the query a space, as a form's query spells one; undefined for
 * what is not such a link (a `data:` URL, a file reference).
 * @example
 * linkText('https://birds.test/find?q=the+night%69ngale'); // 'https://birds.test/find?q=the nightingale'
 */
export function linkText(url: unknown): string | undefined {
  if (typeof url !== 'string' || !LINK.test(url)) return undefined;
  const query = url.indexOf('?');
  const spelled = query < 0 ? url : url.slice(0, query) + url.slice(query).replaceAll('+', ' ');
  return spelled.includes('%') ? new TextDecoder('utf-8').decode(percentDecode(spelled)) : spelled;
}
