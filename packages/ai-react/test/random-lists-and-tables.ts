/** A seeded generator of numbers in [0, 1): the same seed gives the same inputs every run. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

// Lines that make lists and tables change shape as they stream: siblings of each marker kind, nested items, blank
// lines (a tight list turns loose), lazy and indented continuations, code fences inside items, rows, delimiter rows
// (a row followed by one starts another table), rules, headings, quotes, tabs and CRLF line breaks.
const LINES = [
  '- item with **bold',
  '- item',
  '* star item',
  '+ plus',
  '1. one',
  '2) two',
  '10. ten',
  '-',
  '- ',
  '  - nested',
  '    - deeper',
  '\t- tabbed',
  '   more of the item',
  '  indented text',
  'lazy line',
  'bold** closed',
  '',
  '',
  '  ```ts',
  '  const a = 1;',
  '  ```',
  '```',
  '| a | b |',
  '| 1 | 2 |',
  '|---|---|',
  '| :-- | --: |',
  'x | y',
  '| only \\| one |',
  '| c |',
  '---',
  '***',
  '# Heading',
  '> quoted',
  'Plain paragraph',
  '- [link](https://example.com) `code`',
];

/**
 * A markdown answer of `count` random lines, mostly lists and tables, each `\n` sometimes `\r\n`.
 *
 * @example
 * randomListsAndTables(seededRandom(1), 40); // '- item\n  - nested\n\n| a | b |…'
 */
export function randomListsAndTables(next: () => number, count: number): string {
  let text = '';
  for (let index = 0; index < count; index++) {
    if (index > 0) text += next() < 0.1 ? '\r\n' : '\n';
    text += LINES[Math.floor(next() * LINES.length)] as string;
  }
  return text;
}
