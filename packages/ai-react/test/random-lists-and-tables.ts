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
  return randomLines(LINES, next, count);
}

/** `count` lines drawn from `lines`, joined by `\n`, sometimes `\r\n`. */
function randomLines(lines: readonly string[], next: () => number, count: number): string {
  let text = '';
  for (let index = 0; index < count; index++) {
    if (index > 0) text += next() < 0.1 ? '\r\n' : '\n';
    text += lines[Math.floor(next() * lines.length)] as string;
  }
  return text;
}

// Lines that make code fences and block quotes change shape as they stream: fences of backticks and tildes, of three
// and four characters, with and without a language, closing fences too short or of the other kind, half-arrived
// fences; quoted lines, lazy lines, quotes in quotes, quoted lists, tables and fences, fences in list items; code
// that opens a comment or a string across lines; delimiter rows that stop being one as they grow.
const FENCE_AND_QUOTE_LINES = [
  '```ts',
  '```',
  '````',
  '```` js',
  '~~~',
  '~~~python',
  '~~',
  '``',
  '   ```',
  '    ```',
  '``` not `a` fence',
  '/* a comment that opens',
  'closes */ const a = "x";',
  'const s = `template',
  '"""',
  '    indented code',
  '> quoted',
  '>',
  '> > deeper',
  '> - quoted item',
  '> ```js',
  '> ```',
  '> ~~~',
  '> | a | b |',
  '> |---|---|',
  '> |---|---| that stops being a delimiter row',
  '| a | b |',
  '|---|---|',
  '|---|---| that stops being a delimiter row',
  'lazy line',
  '- item',
  '  ```sh',
  '  run it',
  '  ```',
  '# Heading',
  '',
  '',
];

/**
 * A markdown answer of `count` random lines, mostly code fences and block quotes, each `\n` sometimes `\r\n`.
 *
 * @example
 * randomFencesAndQuotes(seededRandom(1), 40); // '> quoted\n```ts\n/* a comment that opens…'
 */
export function randomFencesAndQuotes(next: () => number, count: number): string {
  return randomLines(FENCE_AND_QUOTE_LINES, next, count);
}

// Lines that make the contents of list items change shape as they stream: nested items of each marker kind, two and
// three levels deep, quotes in items (lazy lines, quoted items, quotes in quotes), fences and tables in items, blank
// lines (an item turns loose, or the list ends), lazy lines, and lines that end the list.
const ITEM_CONTENT_LINES = [
  '- item',
  '- item with **bold',
  '1. one',
  '2) two',
  '* star',
  '-',
  '  - nested',
  '  - nested with `code',
  '  * nested star',
  '  1. nested one',
  '    - deeper',
  '     - deeper by five',
  '\t- tabbed nested',
  '  > quoted in the item',
  '  >',
  '  > > deeper quote',
  '  > - quoted item',
  '  >   - quoted nested item',
  '    > quote in a nested item',
  '  ```ts',
  '  const a = 1;',
  '  ```',
  '    ```',
  '  | a | b |',
  '  |---|---|',
  '  text of the item',
  '   more of the item',
  '      indented deeper',
  'lazy line',
  'bold** closed',
  '> quoted',
  '# Heading',
  '---',
  'Plain paragraph',
  '',
  '',
  '',
];

/**
 * A markdown answer of `count` random lines, mostly list items holding nested lists, quotes and fences, each `\n`
 * sometimes `\r\n`.
 *
 * @example
 * randomItemContents(seededRandom(1), 40); // '- item\n  - nested\n  > quoted in the item…'
 */
export function randomItemContents(next: () => number, count: number): string {
  return randomLines(ITEM_CONTENT_LINES, next, count);
}
