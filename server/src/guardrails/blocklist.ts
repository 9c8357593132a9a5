/** Escapes a word for use inside a regular expression. */
const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * One case-insensitive expression for a blocklist: whole words (or phrases), and regular expressions already
 * checked to be safe when the feature was saved. Undefined when the list is empty.
 * @example
 * blocklistPattern(['darn'], ['promo\\d+'])?.test('use PROMO42'); // true
 */
export function blocklistPattern(words: readonly string[], patterns: readonly string[]): RegExp | undefined {
  const parts = [...words.map((word) => `(?<![\\p{L}\\p{N}])${escape(word)}(?![\\p{L}\\p{N}])`), ...patterns.map((pattern) => `(?:${pattern})`)];
  return parts.length === 0 ? undefined : new RegExp(parts.join('|'), 'giu');
}

/** The spans of a text the blocklist matches (empty matches skipped). */
export function blocklistMatches(pattern: RegExp, text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  for (const match of text.matchAll(pattern)) if (match[0] !== '') spans.push({ start: match.index, end: match.index + match[0].length });
  return spans;
}
