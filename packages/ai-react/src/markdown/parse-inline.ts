import { safeHref } from './safe-url.js';

/** Inline markdown: text, code spans, emphasis, strong, strikethrough, links, citations and hard line breaks. */
export type InlineNode =
  | string
  | { type: 'code'; text: string }
  | { type: 'em' | 'strong' | 'del'; children: InlineNode[] }
  /** `href` is undefined when the URL was unsafe: the label is then shown as plain text. */
  | { type: 'link'; href: string | undefined; children: InlineNode[] }
  /** A numbered citation, `[3]`: a link to the answer's source 3 where there is one, else the text as written. */
  | { type: 'citation'; number: number }
  | { type: 'break' };

const PUNCTUATION = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
// Sticky expressions, matched at an index of the whole text: nothing is sliced per candidate.
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/iy;
const BARE_URL = /(?:https?:\/\/|www\.)[^\s<]*[^\s<?!.,:;*_~"')\]]/iy;
/** `[1]` to `[999]`, as web-search answers number their sources. */
const CITATION = /\[([1-9]\d{0,2})\]/y;
/** Deeper nesting than this is shown as text: hostile input cannot exhaust the stack. */
const MAX_DEPTH = 12;

interface Scan {
  text: string;
  /** Per delimiter, the earliest start from which a search for its closer already failed: later ones fail too. */
  failed: Map<string, number>;
  /**
   * Per delimiter, the last closer found and where that search started: a search starting between the two finds the
   * same closer, so nested openers (`*a *a *a … a*`) do not each rescan the rest of the text.
   */
  found: Map<string, { from: number; at: number }>;
  /** Per length, the starts of the backtick runs of exactly that length, in order (computed once per text). */
  codeRuns?: Map<number, number[]>;
  /** The `]` matching each `[` (or -1), computed once per text with a stack. */
  labelClose?: Int32Array;
  /**
   * The furthest index that a search for a closer so far depended on, Infinity once one found none (text yet to
   * come could close it). The parse of the text before a top-level position past it cannot change with what follows.
   */
  reach: number;
  /**
   * Where the text can be cut (see `parseInlineParts`), collected by the top level when asked, at least `cutSpacing`
   * apart: the index in the text and the number of top-level nodes before it.
   */
  cuts?: Array<{ at: number; node: number }>;
  cutSpacing?: number;
}

/** Records that the parse so far depended on the text up to `index` (-1: on all of it), and returns `result`. */
const reaching = <T>(scan: Scan, index: number, result: T): T => {
  scan.reach = Math.max(scan.reach, index < 0 ? Infinity : index);
  return result;
};

const matchAt = (pattern: RegExp, text: string, at: number) => {
  pattern.lastIndex = at;
  return pattern.exec(text);
};

const runLength = (text: string, at: number, char: string) => {
  let end = at;
  while (text[end] === char) end++;
  return end - at;
};

/** The index of a closing code span of exactly `length` backticks after `from`, or -1 (a binary search). */
function findCodeClose(scan: Scan, from: number, length: number): number {
  if (!scan.codeRuns) {
    const runs = new Map<number, number[]>();
    for (let at = scan.text.indexOf('`'); at !== -1; ) {
      const run = runLength(scan.text, at, '`');
      const starts = runs.get(run);
      if (starts) starts.push(at);
      else runs.set(run, [at]);
      at = scan.text.indexOf('`', at + run);
    }
    scan.codeRuns = runs;
  }
  const starts = scan.codeRuns.get(length);
  if (!starts) return reaching(scan, -1, -1);
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((starts[middle] as number) < from) low = middle + 1;
    else high = middle;
  }
  const close = starts[low] ?? -1;
  return reaching(scan, close < 0 ? -1 : close + length, close);
}

/**
 * The index of the delimiter run of exactly `length` that closes one opened before `from`: preceded by a non-space,
 * and for `_` not followed by a letter (so snake_case stays as it is). Code spans and escapes are skipped.
 */
function findDelimiterClose(scan: Scan, from: number, char: string, length: number): number {
  const key = char.repeat(length);
  if ((scan.failed.get(key) ?? Infinity) <= from) return reaching(scan, -1, -1);
  const known = scan.found.get(key);
  if (known && known.from <= from && from < known.at) return reaching(scan, known.at + length, known.at);
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
      if (run === length && at > from && !SPACE.test(text[at - 1] ?? ' ') && !(char === '_' && WORD.test(after))) {
        scan.found.set(key, { from, at });
        return reaching(scan, at + length, at);
      }
      at += run;
    } else {
      at++;
    }
  }
  scan.failed.set(key, from);
  return reaching(scan, -1, -1);
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
  const close = scan.labelClose[open] ?? -1;
  return reaching(scan, close, close);
}

const isSpace = (char: string | undefined) => char !== undefined && SPACE.test(char);
const skipSpaces = (text: string, at: number) => {
  while (isSpace(text[at])) at++;
  return at;
};

/** The end of a bare destination from `at`: no spaces, escapes kept, parentheses balanced one level deep. */
function bareDestinationEnd(text: string, at: number): number {
  for (;;) {
    const char = text[at];
    if (char === undefined || isSpace(char) || char === ')') return at;
    if (char === '\\') {
      if (text[at + 1] === undefined || text[at + 1] === '\n') return at;
      at += 2;
    } else if (char === '(') {
      let inner = at + 1;
      while (text[inner] !== undefined && text[inner] !== ')' && text[inner] !== '(' && !isSpace(text[inner])) inner += text[inner] === '\\' && text[inner + 1] !== undefined && text[inner + 1] !== '\n' ? 2 : 1;
      if (text[inner] !== ')') return at;
      at = inner + 1;
    } else {
      at++;
    }
  }
}

/** After a destination: an optional title ("…", '…' or (…), after a space) and the closing `)`; the index after it, or -1. */
function closeOfDestination(text: string, at: number): number {
  const titleStart = skipSpaces(text, at);
  const quote = text[titleStart];
  if (titleStart > at && (quote === '"' || quote === "'" || quote === '(')) {
    const closer = quote === '(' ? ')' : quote;
    let end = titleStart + 1;
    while (text[end] !== undefined && text[end] !== closer && text[end] !== '\n' && !(quote === '(' && text[end] === '(')) end++;
    if (text[end] === closer) at = end + 1;
  }
  at = skipSpaces(text, at);
  return text[at] === ')' ? at + 1 : -1;
}

/**
 * `(destination "optional title")` at `open`: the destination and the index after `)`, or undefined. Read by hand,
 * once forward: a regular expression here backtracked quadratically on `(` followed by spaces.
 */
function readDestination(text: string, open: number): { url: string; end: number } | undefined {
  if (text[open] !== '(') return undefined;
  const start = skipSpaces(text, open + 1);
  let url: string | undefined;
  let end = -1;
  if (text[start] === '<') {
    let close = start + 1;
    while (text[close] !== undefined && text[close] !== '>' && text[close] !== '<' && text[close] !== '\n') close++;
    if (text[close] === '>') {
      end = closeOfDestination(text, close + 1);
      url = text.slice(start + 1, close);
    }
  }
  if (end === -1) {
    const destinationEnd = bareDestinationEnd(text, start);
    end = closeOfDestination(text, destinationEnd);
    url = text.slice(start, destinationEnd);
  }
  if (end === -1 || url === undefined) return undefined;
  return { url: url.replace(/\\([!-/:-@[-`{-~])/g, '$1'), end };
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
  let nextCut = start + (scan.cutSpacing ?? 0);
  while (at < end) {
    const char = text[at] as string;
    const next = text[at + 1] ?? '';
    if (scan.cuts && depth === 0 && at >= nextCut && scan.reach < at && isSpace(text[at - 1]) && WORD.test(char)) {
      if (buffer !== '') nodes.push(buffer);
      buffer = '';
      scan.cuts.push({ at, node: nodes.length });
      nextCut = at + (scan.cutSpacing ?? 0);
    }
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
      if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && /[^ ]/.test(code)) code = code.slice(1, -1);
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
      // A destination that did not parse may still, once more text arrives (an unclosed title); one that did ends at its `)`.
      if (close !== -1 && close < end) reaching(scan, destination ? destination.end - 1 : text[close + 1] === '(' ? -1 : close + 1, undefined);
      if (!destination || destination.end > end) {
        const citation = char === '[' && !inLink ? matchAt(CITATION, text, at) : null;
        if (citation && at + citation[0].length <= end) {
          push({ type: 'citation', number: Number(citation[1]) });
          at += citation[0].length;
          continue;
        }
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
    } else if (char === '\n' && buffer.length >= 2 && text[at - 1] === ' ' && text[at - 2] === ' ') {
      // Read from the text, not the buffer: asking a string built a character at a time about its end flattens it,
      // once per line. No construct ends in a space, so these two spaces are the buffer's last characters.
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
  return parse({ text, failed: new Map(), found: new Map(), reach: -1 }, 0, text.length, 0, false);
}

/** A part of a text cut by `parseInlineParts`, with its nodes. */
export interface InlinePart {
  text: string;
  nodes: InlineNode[];
}

/**
 * Parses `text` in parts whose nodes are those that parsing each part on its own gives, and joined (with the text
 * either side of a cut as two strings) those of the whole. A cut falls after a space and before a letter or digit,
 * where nothing opened before it closes after it, and nothing before it still waits for a closer that more text
 * could bring (an unclosed `*`, backtick or `[`): so a cut found while a stream grows the text stays a cut of the
 * final text. Cuts are taken greedily, the first `spacing` or more into the text, each next one `spacing` or more
 * after the last.
 *
 * @example
 * parseInlineParts('One **two** three. Four *five', 5).map((part) => part.text);
 * // ['One **two** ', 'three. ', 'Four *five']: no cut after `*five`, which may yet be closed
 */
export function parseInlineParts(text: string, spacing: number): InlinePart[] {
  const cuts: Array<{ at: number; node: number }> = [];
  const nodes = parse({ text, failed: new Map(), found: new Map(), reach: -1, cuts, cutSpacing: spacing }, 0, text.length, 0, false);
  const ends = [...cuts, { at: text.length, node: nodes.length }];
  return ends.map((end, index) => {
    const start = ends[index - 1] ?? { at: 0, node: 0 };
    return { text: text.slice(start.at, end.at), nodes: nodes.slice(start.node, end.node) };
  });
}
