/**
 * Answers built to make a backtracking regular expression (or a rescan per character) go quadratic. A model, or a
 * prompt injection, can write any of them; the tab must not freeze. Each is about `size` characters long.
 * Shared by the linear-time test and the markdown benchmark.
 */
export function hostileMarkdown(size: number): Record<string, string> {
  const fill = (unit: string, prefix = '', suffix = '') => prefix + unit.repeat(Math.ceil((size - prefix.length - suffix.length) / unit.length)) + suffix;
  // Code spans of lengths 1, 2, 3…: n spans take n(n+1)/2 + n characters.
  const spans = Math.max(1, Math.floor(Math.sqrt(2 * size)) - 1);
  return {
    'a link destination of spaces': fill(' ', '[a]('),
    'a link destination of spaces and a title quote': fill(' "', '[a]('),
    'a link destination of nested parentheses': fill('(', '[a]('),
    'a table delimiter row of spaces': `a|b\n${fill(' ', '|-')}x`,
    'a table delimiter row of dashes and spaces': `a|b\n${fill('- ', '|')}x`,
    'a heading of spaces': fill(' ', '# a', 'b'),
    'a heading of spaces and hashes': fill(' #', '# a', 'b'),
    'a thematic break of spaces': fill(' ', '-', 'x'),
    'a list item of spaces': fill(' ', '-', 'x'),
    'many bare URLs of dots': fill('www.. ', ''),
    'one bare URL of punctuation': fill('.', 'https://a'),
    'autolinks never closed': fill('<a:b', ''),
    'code spans of growing length': Array.from({ length: spans }, (_, index) => '`'.repeat(index + 1)).join(' '),
    'emphasis never closed': fill('*a _b ~~c **d '),
    'brackets never closed': fill('[a]'),
    'quotes of lazy lines': fill('> a\nb\n'),
    'a table with many pipes': `${fill('|', 'a')}\n${fill('|-', '')}`,
    'lines of only spaces': fill(`${' '.repeat(1000)}\n`),
    'a link destination of line breaks': fill('\n', '[a]('),
    'nested emphasis closed at the very end': fill('*a ', '', 'a*'),
    'nested strong emphasis closed at the very end': fill('**a ', '', 'a**'),
    'a code span padded on one side': fill('a', '` ', '`'),
    'many short lines': fill('a\n'),
  };
}
