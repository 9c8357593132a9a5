import { parsePattern } from '../features/pattern-syntax.js';

/** Escapes a word for use inside a regular expression. */
const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * The longest match a blocklist is sure to find (the reach a streamed answer's window already has). Patterns are
 * tried on a long text in windows of twice this, each overlapping the next by this, so that one attempt never
 * reads more than a window: a pattern that fails slowly (`[a-z]+@` on a long word tries every start, each to the
 * end of the word) costs a bounded amount per character instead of growing with the square of the text.
 */
export const BLOCKLIST_REACH = 256;
/** Characters of context on each side of a window, so `\b`, `^`, `$` and a word's edges judge its first and last. */
const CONTEXT = 2;
/** How long a scan of a long text keeps the event loop before it lets other requests (and health checks) run. */
const SLICE_MS = 10;

type Span = { start: number; end: number };

/**
 * A blocklist compiled once per request: where it matches a text, and the text with those matches starred out.
 * Asynchronous because a long text is scanned in slices of `SLICE_MS`, between which the event loop runs.
 */
export interface Blocklist {
  find(text: string): Promise<Span[]>;
  redact(text: string): Promise<string>;
}

/**
 * A blocklist of whole words (or phrases) and regular expressions already checked to be safe when the feature was
 * saved, matched case-insensitively. Undefined when the list is empty.
 * @example
 * compileBlocklist(['darn'], ['promo\\d+'])?.find('use PROMO42'); // [{ start: 4, end: 11 }]
 */
export function compileBlocklist(words: readonly string[], patterns: readonly string[]): Blocklist | undefined {
  const parts = [...words.map((word) => `(?<![\\p{L}\\p{N}])${escape(word)}(?![\\p{L}\\p{N}])`), ...patterns.map((pattern) => `(?:${pattern})`)];
  if (parts.length === 0) return undefined;
  const pattern = new RegExp(parts.join('|'), 'giu');
  const edgeSensitive = patterns.some(assertsAtEdges);
  const find = (text: string) => matchesOf(pattern, text, edgeSensitive);
  return { find, redact: async (text) => redactSpans(text, await find(text)) };
}

/** Whether a pattern uses `^`, `$`, `\b` or `\B`, which judge the characters around a match (none past a window's end). */
function assertsAtEdges(pattern: string): boolean {
  const stack = [parsePattern(pattern)];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.kind === 'assertion') return true;
    if (node.kind === 'sequence') stack.push(...node.items);
    else if (node.kind === 'alternation') stack.push(...node.branches);
    else if (node.kind === 'repeat') stack.push(node.body);
  }
  return false;
}

/**
 * The spans of a text the pattern matches (empty matches skipped), from left to right without overlap. A text
 * longer than two reaches is read window by window (see `BLOCKLIST_REACH`): every match of up to 256 characters
 * is found; a longer one is found as far as its window reaches, or, for a pattern with an assertion that would
 * judge the window's end instead of the text's, not at all.
 */
async function matchesOf(pattern: RegExp, text: string, edgeSensitive: boolean): Promise<Span[]> {
  const spans: Span[] = [];
  if (text.length <= 2 * BLOCKLIST_REACH + CONTEXT) {
    for (const match of text.matchAll(pattern)) if (match[0] !== '') spans.push({ start: match.index, end: match.index + match[0].length });
    return spans;
  }
  let next = 0;
  let since = performance.now();
  for (let start = 0; start < text.length; start += BLOCKLIST_REACH) {
    if (performance.now() - since > SLICE_MS) {
      // Between windows only: the pattern's lastIndex is set again for each one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    const own = start + BLOCKLIST_REACH;
    const offset = Math.max(0, start - CONTEXT);
    const end = Math.min(text.length, start + 2 * BLOCKLIST_REACH + CONTEXT);
    const window = text.slice(offset, end);
    pattern.lastIndex = Math.max(start, next) - offset;
    for (let match = pattern.exec(window); match; match = pattern.exec(window)) {
      const from = offset + match.index;
      if (from >= own) break;
      const to = from + match[0].length;
      if (match[0] === '' || (edgeSensitive && end < text.length && to > end - CONTEXT)) {
        pattern.lastIndex = match.index + ((window.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1);
        continue;
      }
      spans.push({ start: from, end: to });
      next = to;
    }
  }
  pattern.lastIndex = 0;
  return spans;
}

/**
 * The text with every character of the spans starred out.
 * @example
 * redactSpans('oh darn', [{ start: 3, end: 7 }]); // 'oh ****'
 */
function redactSpans(text: string, spans: readonly Span[]): string {
  let redacted = '';
  let at = 0;
  for (const { start, end } of spans) {
    redacted += text.slice(at, start) + '*'.repeat(end - start);
    at = end;
  }
  return redacted + text.slice(at);
}
