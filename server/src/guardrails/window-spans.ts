/** Where a blocklist matched a text: `start` inclusive, `end` exclusive, in UTF-16 code units. */
export type Span = { start: number; end: number };

/**
 * The spans of a text a global regular expression matches (empty matches skipped), from left to right without
 * overlap. Between windows it yields the next window's start, where a caller may pause, or stop and later resume
 * from that start (`from`) with the end of the last span it had (`after`). A text longer than two reaches (and
 * `context` characters) is read window by window: windows of twice `reach` overlapping by `reach`, each with
 * `context` characters on each side so `\b`, `^`, `$` and a word's edges judge its first and last, and one attempt
 * never reads more than a window. Every match of up to `reach` characters is found; a longer one is found as far as its
 * window reaches, or, when `edgeSensitive` (a pattern with an assertion that would judge the window's end instead of
 * the text's), not at all.
 *
 * Self-contained, as its source is also the blocklist worker's (`blocklist-worker.ts`): it refers to nothing outside
 * itself and declares no function inside itself (a bundler keeping names would wrap one in a helper of its own).
 * @example
 * [...windowSpans(/promo\d+/giu, 'use PROMO42', false, 256, 2)]; // [{ start: 4, end: 11 }]
 */
export function* windowSpans(pattern: RegExp, text: string, edgeSensitive: boolean, reach: number, context: number, from = 0, after = 0): Generator<Span | number> {
  pattern.lastIndex = 0;
  if (text.length <= 2 * reach + context) {
    for (const match of text.matchAll(pattern)) if (match[0] !== '') yield { start: match.index, end: match.index + match[0].length };
    return;
  }
  let next = after;
  for (let start = from; start < text.length; start += reach) {
    if (start > from) yield start;
    const own = start + reach;
    const offset = Math.max(0, start - context);
    const end = Math.min(text.length, start + 2 * reach + context);
    const window = text.slice(offset, end);
    // Set again for each window: a caller pausing between windows may use the pattern for another text meanwhile.
    pattern.lastIndex = Math.max(start, next) - offset;
    for (let match = pattern.exec(window); match; match = pattern.exec(window)) {
      const first = offset + match.index;
      if (first >= own) break;
      const to = first + match[0].length;
      if (match[0] === '' || (edgeSensitive && end < text.length && to > end - context)) {
        pattern.lastIndex = match.index + ((window.codePointAt(match.index) ?? 0) > 0xffff ? 2 : 1);
        continue;
      }
      yield { start: first, end: to };
      next = to;
    }
  }
  pattern.lastIndex = 0;
}
