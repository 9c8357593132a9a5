import { safeHref } from './safe-url.js';

/** Inline markdown: text, code spans, emphasis, strong, strikethrough, links and hard line breaks. */
export type InlineNode =
  | string
  | { type: 'code'; text: string }
  | { type: 'em' | 'strong' | 'del'; children: InlineNode[] }
  /** `href` is undefined when the URL was unsafe: the label is then shown as plain text. */
  | { type: 'link'; href: string | undefined; children: InlineNode[] }
  | { type: 'break' };

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
// Sticky expressions, matched at an index of the whole text: nothing is sliced per candidate.
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/iy;
const BARE_URL = /(?:https?:\/\/|www\.)[^\s<]*[^\s<?!.,:;*_~"')\]]/iy;
const DESTINATION = /\(\s*(?:<([^<>\n]*)>|((?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*))(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?\s*\)/y;
/** Deeper nesting than this is shown as text: hostile input cannot exhaust the stack. */
const MAX_DEPTH = 12;

interface Scan {
  text: string;
  /** Per delimiter, the earliest start from which a search for its closer already failed: later ones fail too. */
  failed: Map<string, number>;
  /** The `]` matching each `[` (or -1), computed once per text with a stack. */
  labelClose?: Int32Array;
}

const matchAt = (pattern: RegExp, text: string, at: number) => {
  pattern.lastIndex = at;
  return pattern.exec(text);
};

const runLength = (text: string, at: number, char: string) => {
  let end = at;
  while (text[end] === char) end++;
  return end - at;
};

/** The index of a closing code span of exactly `length` backticks after `from`, or -1. */
function findCodeClose(scan: Scan, from: number, length: number): number {
  const key = '`'.repeat(length);
  if ((scan.failed.get(key) ?? Infinity) <= from) return -1;
  for (let at = scan.text.indexOf('`', from); at !== -1; ) {
    const run = runLength(scan.text, at, '`');
    if (run === length) return at;
    at = scan.text.indexOf('`', at + run);
  }
  scan.failed.set(key, from);
  return -1;
}

/**
 * The index of the delimiter run of exactly `length` that closes one opened before `from`: preceded by a non-space,
 * and for `_` not followed by a letter (so snake_case stays as it is). Code spans and escapes are skipped.
 */
function findDelimiterClose(scan: Scan, from: number, char: string, length: number): number {
  const key = char.repeat(length);
  if ((scan.failed.get(key) ?? Infinity) <= from) return -1;
  const { text } = scan;
  for (let at = from; at < text.length; ) {
    const current = text[at];
    if (current === '\\') {
      at += 2;
    } else if (current === '`') {
      const run = runLength(text, at, '`');
      const close = findCodeClose(scan, at + run, run);
      at = close === -1 ? at + run : close + run;
    } else if (current === char) {
      const run = runLength(text, at, char);
      const after = text[at + run] ?? '';
      if (run === length && at > from && !SPACE.test(text[at - 1] ?? ' ') && !(char === '_' && WORD.test(after))) return at;
      at += run;
    } else {
      at++;
    }
  }
  scan.failed.set(key, from);
  return -1;
}

/** The index of the `]` matching the `[` at `open`, or -1: one pass with a stack, so a flood of `[` stays linear. */
function findLabelClose(scan: Scan, open: number): number {
  if (!scan.labelClose) {
    const { text } = scan;
    const closes = new Int32Array(text.length).fill(-1);
    const stack: number[] = [];
    for (let at = 0; at < text.length; at++) {
      const char = text[at];
      if (char === '\\') at++;
      else if (char === '[') stack.push(at);
      else if (char === ']' && stack.length > 0) closes[stack.pop() as number] = at;
    }
    scan.labelClose = closes;
  }
  return scan.labelClose[open] ?? -1;
}

/** `(destination "optional title")` at `open`: the destination and the index after `)`, or undefined. */
function readDestination(text: string, open: number): { url: string; end: number } | undefined {
  const match = text[open] === '(' ? matchAt(DESTINATION, text, open) : null;
  if (!match) return undefined;
  return { url: (match[1] ?? match[2] ?? '').replace(/\\([!-/:-@[-`{-~])/g, '$1'), end: open + match[0].length };
}

const link = (url: string, children: InlineNode[]): InlineNode => ({ type: 'link', href: safeHref(url), children });

function parse(scan: Scan, start: number, end: number, depth: number, inLink: boolean): InlineNode[] {
  const { text } = scan;
  const nodes: InlineNode[] = [];
  let buffer = '';
  const push = (node: InlineNode) => {
    if (buffer !== '') nodes.push(buffer);
    buffer = '';
    nodes.push(node);
  };
  const inner = (from: number, to: number, link = inLink) => (depth >= MAX_DEPTH ? [text.slice(from, to)] : parse(scan, from, to, depth + 1, link));
  let at = start;
  let autolink: RegExpExecArray | null;
  while (at < end) {
    const char = text[at] as string;
    const next = text[at + 1] ?? '';
    if (char === '\\' && next === '\n') {
      push({ type: 'break' });
      at += 2;
    } else if (char === '\\' && PUNCTUATION.test(next)) {
      buffer += next;
      at += 2;
    } else if (char === '`') {
      const run = runLength(text, at, '`');
      const close = at + run < end ? findCodeClose(scan, at + run, run) : -1;
      if (close === -1 || close >= end) {
        buffer += text.slice(at, at + run);
        at += run;
        continue;
      }
      let code = text.slice(at + run, close).replace(/\n/g, ' ');
      if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
      push({ type: 'code', text: code });
      at = close + run;
    } else if (char === '*' || char === '_' || char === '~') {
      const run = runLength(text, at, char);
      const opensWord = !SPACE.test(text[at + run] ?? ' ') && !(char === '_' && WORD.test(text[at - 1] ?? ''));
      // Only a run of the same length closes it: an unclosed `**` stays text until its closer arrives, instead
      // of flickering through `*<em>…` while a stream is half way through it.
      const length = char === '~' ? (run === 2 ? 2 : 0) : Math.min(run, 3);
      const close = opensWord && length > 0 && run <= 3 ? findDelimiterClose(scan, at + run, char, length) : -1;
      if (close === -1 || close >= end) {
        buffer += text.slice(at, at + run);
        at += run;
        continue;
      }
      const children = inner(at + run, close);
      if (char === '~') push({ type: 'del', children });
      else if (length === 1) push({ type: 'em', children });
      else if (length === 2) push({ type: 'strong', children });
      else push({ type: 'em', children: [{ type: 'strong', children }] });
      at = close + run;
    } else if (char === '[' || (char === '!' && next === '[')) {
      const open = char === '!' ? at + 1 : at;
      const close = inLink ? -1 : findLabelClose(scan, open);
      const destination = close === -1 || close >= end ? undefined : readDestination(text, close + 1);
      if (!destination || destination.end > end) {
        buffer += text.slice(at, open + 1);
        at = open + 1;
        continue;
      }
      // Images become links to the image: loading a model-chosen URL would leak the page to it.
      const label = char === '!' ? [text.slice(open + 1, close) || destination.url] : inner(open + 1, close, true);
      push(link(destination.url, label));
      at = destination.end;
    } else if (!inLink && (autolink = char === '<' ? matchAt(AUTOLINK, text, at) : null) && at + autolink[0].length <= end) {
      const url = autolink[1] as string;
      push(link(url, [url]));
      at += autolink[0].length;
    } else if (!inLink && (autolink = (char === 'h' || char === 'w') && !WORD.test(text[at - 1] ?? '') ? matchAt(BARE_URL, text, at) : null) && at + autolink[0].length <= end) {
      const url = autolink[0];
      push(link(url.startsWith('www.') ? `https://${url}` : url, [url]));
      at += url.length;
    } else if (char === '\n' && / {2,}$/.test(buffer)) {
      buffer = buffer.trimEnd();
      push({ type: 'break' });
      at++;
    } else {
      buffer += char;
      at++;
    }
  }
  if (buffer !== '') nodes.push(buffer);
  return nodes;
}

/**
 * Parses inline markdown. Nothing is ever HTML: `<b>` stays the text "<b>", and unsafe link URLs lose their link.
 *
 * @example
 * parseInline('**Hi** [docs](https://example.com)');
 * // [{ type: 'strong', children: ['Hi'] }, ' ', { type: 'link', href: 'https://example.com', children: ['docs'] }]
 */
export function parseInline(text: string): InlineNode[] {
  return parse({ text, failed: new Map() }, 0, text.length, 0, false);
}
