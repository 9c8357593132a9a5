import { parsePattern } from '../features/pattern-syntax.js';
import type { BlocklistWorker } from './blocklist-worker.js';
import { matchingView, matchingWordOpenings, matchingWordSource, type MatchingView } from './matching-view.js';
import { MOST_VISITS, patternHoldFrom } from './pattern-hold.js';
import { windowSpans, type Span } from './window-spans.js';

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

/**
 * A blocklist compiled once per request: where it matches a text, and the text with those matches starred out.
 * Asynchronous: its words are read on the event loop in slices of `SLICE_MS`, its patterns in the worker.
 */
export interface Blocklist {
  find(text: string): Promise<Span[]>;
  redact(text: string): Promise<string>;
  /**
   * Where the suffix of a text starts that could still become a match, in the text as sent; the text's length when
   * none could: a start of one of the words (or one a letter may yet lengthen into another word), and the start of
   * what could still be, or be the beginning of, a match of one of the patterns (`patternHoldFrom`), in the text as
   * sent and in its `matchingView`, as the patterns read both. A pattern is read over the text's last
   * `BLOCKLIST_REACH` characters; one the automaton cannot hold (too large, or refused by `parsePattern`) holds all of
   * them back. Absent when the list holds nothing to look for (words of invisible code points only).
   */
  holdFrom?(text: string): number;
}

/**
 * A blocklist of whole words (or phrases) and regular expressions, matched case-insensitively on the text's
 * `matchingView` (invisible code points and accents dropped, compatibility forms and look-alike letters folded, the
 * words read the same way), so `night\u200bingale`, `ｎｉｇｈｔｉｎｇａｌｅ`, `nightingаle` (Cyrillic `а`) and `nìghtingale` are
 * `nightingale`; spans are those of the text as sent. Patterns also read the text as sent, as one may name characters
 * the view folds (`crème`, a Cyrillic word, `\p{Script=Greek}`). Undefined when the list is empty. The words, escaped,
 * match in time linear in the text and are read here; the patterns, whatever the check at save time let through (or a
 * feature saved before it was stricter), run in the gateway's `BlocklistWorker`, which refuses a text they cannot
 * finish in time with a `PatternBudgetError`. A text's spans are those of every word and pattern, overlapping ones
 * merged. `screening` says whom the texts are screened for (a project: the worker takes turns between them) and the
 * signal that drops a text the request no longer needs.
 * @example
 * compileBlocklist(['darn'], ['promo\\d+'], worker)?.find('use PROMO42'); // [{ start: 4, end: 11 }]
 */
export function compileBlocklist(words: readonly string[], patterns: readonly string[], worker: BlocklistWorker, screening: { owner?: string; signal?: AbortSignal } = {}): Blocklist | undefined {
  if (words.length === 0 && patterns.length === 0) return undefined;
  // A word of invisible code points only is nothing to look for.
  const sources = words.map(matchingWordSource).filter((source) => source !== '');
  const wordPattern = sources.length > 0 ? new RegExp(sources.map((source) => `(?<![\\p{L}\\p{N}])${source}(?![\\p{L}\\p{N}])`).join('|'), 'giu') : undefined;
  const workerPatterns = patterns.map((source) => ({ source, edgeSensitive: assertsAtEdges(source) }));
  // A streamed piece's hold and its find read the same text one after the other: its view is made once.
  let lastText: string | undefined;
  let lastView: MatchingView | undefined;
  const viewOf = (text: string): MatchingView => {
    if (lastView === undefined || text !== lastText) {
      lastText = text;
      lastView = matchingView(text);
    }
    return lastView;
  };
  const find = async (text: string) => {
    const view = viewOf(text);
    const folded = view.text !== text;
    const [wordSpans, patternSpans, patternSpansAsSent] = await Promise.all([
      wordPattern ? slicedSpans(wordPattern, view.text) : [],
      workerPatterns.length > 0 ? worker.find(workerPatterns, view.text, BLOCKLIST_REACH, CONTEXT, screening) : [],
      workerPatterns.length > 0 && folded ? worker.find(workerPatterns, text, BLOCKLIST_REACH, CONTEXT, screening) : [],
    ]);
    const viewSpans = [...wordSpans, ...patternSpans];
    return mergeSpans([...(folded ? viewSpans.map((span) => view.original(span)) : viewSpans), ...patternSpansAsSent]);
  };
  const wordsHoldFrom = wordPattern ? wordHoldFrom(words) : undefined;
  const patternsHoldFrom = patterns.length > 0 ? patternHoldFrom(patterns, BLOCKLIST_REACH) : undefined;
  const blocklist: Blocklist = { find, redact: async (text) => redactSpans(text, await find(text)) };
  if (!wordsHoldFrom && !patternsHoldFrom) return blocklist;
  blocklist.holdFrom = (text: string) => {
    const view = viewOf(text);
    // One budget for both readings of the patterns: a piece's hold costs about 60 µs at most, however it reads.
    const budget = { visits: MOST_VISITS };
    const asSent = patternsHoldFrom ? patternsHoldFrom(text, budget) : text.length;
    // Patterns read the view too, unless it is the text itself.
    const inView = Math.min(wordsHoldFrom ? wordsHoldFrom(view.text) : view.text.length, patternsHoldFrom && view.text !== text ? patternsHoldFrom(view.text, budget) : view.text.length);
    return Math.min(asSent, inView === view.text.length ? text.length : view.original({ start: inView, end: view.text.length }).start);
  };
  return blocklist;
}

/**
 * `Blocklist.holdFrom` for words, on a text's `matchingView`: the earliest start of a word, at the start of a word of
 * the view, that runs to its end. Only the last characters a word can span are read (and one before, for the
 * lookbehind).
 */
function wordHoldFrom(words: readonly string[]): (view: string) => number {
  const openings = words.map(matchingWordOpenings).filter((opening) => opening.source !== '');
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${openings.map((opening) => opening.source).join('|')})$`, 'iu');
  const reach = Math.max(...openings.map((opening) => opening.length)) + 1;
  return (view) => {
    const from = Math.max(0, view.length - reach);
    const start = pattern.exec(view.slice(from))?.index;
    return start === undefined ? view.length : from + start;
  };
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

/** The spans of a text the words match (see `windowSpans`), read in slices of `SLICE_MS` between which the event loop runs. */
async function slicedSpans(pattern: RegExp, text: string): Promise<Span[]> {
  const spans: Span[] = [];
  let since = performance.now();
  for (const span of windowSpans(pattern, text, false, BLOCKLIST_REACH, CONTEXT)) {
    if (typeof span === 'object') spans.push(span);
    else if (performance.now() - since > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
  }
  return spans;
}

/** Spans in order of their start, those that overlap merged into one (a single regular expression's never overlap). */
function mergeSpans(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans.sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && span.start < last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
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
