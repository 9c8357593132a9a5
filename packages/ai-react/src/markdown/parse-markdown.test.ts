import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codeLineGroups, continueMarkdown, parseMarkdown, type MarkdownBlock, type MarkdownParse } from './parse-blocks.js';
import { parseInline } from './parse-inline.js';
import { safeHref } from './safe-url.js';
import { randomFencesAndQuotes, randomItemContents, randomListsAndTables, seededRandom } from '../../test/random-lists-and-tables.js';

/** The random streams parsed at every frame: thousands of frames, half a minute on a loaded machine; they assert no time. */
const EVERY_FRAME_MS = 60_000;
const blocks = (source: string): MarkdownBlock[] => parseMarkdown(source).map((entry) => entry.block);

describe('parseMarkdown: blocks', () => {
  it('reads headings, paragraphs, rules, quotes and fenced code', () => {
    expect(blocks('# Title\n\nSome *text*\non two lines.\n\n---\n\n> quoted\n> more\n\n```ts\nconst a = 1;\n```')).toEqual([
      { type: 'heading', level: 1, text: 'Title' },
      { type: 'paragraph', text: 'Some *text*\non two lines.' },
      { type: 'rule' },
      { type: 'quote', children: [{ type: 'paragraph', text: 'quoted\nmore' }] },
      { type: 'code', language: 'ts', code: 'const a = 1;', closed: true },
    ]);
  });

  it('reads nested, ordered and loose lists', () => {
    expect(blocks('- a\n- b\n  - c\n  - d\n- e')).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        tight: true,
        items: [[{ type: 'paragraph', text: 'a' }], [{ type: 'paragraph', text: 'b' }, { type: 'list', ordered: false, start: 1, tight: true, items: [[{ type: 'paragraph', text: 'c' }], [{ type: 'paragraph', text: 'd' }]] }], [{ type: 'paragraph', text: 'e' }]],
      },
    ]);
    const [ordered] = blocks('3. three\n4. four\n\n   more of four');
    expect(ordered).toMatchObject({ type: 'list', ordered: true, start: 3, tight: false });
    expect(ordered?.type === 'list' && ordered.items[1]).toEqual([
      { type: 'paragraph', text: 'four' },
      { type: 'paragraph', text: 'more of four' },
    ]);
  });

  it('reads a GFM table with alignment, padding short rows', () => {
    expect(blocks('| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 |\n| x \\| y | z | w |')).toEqual([
      {
        type: 'table',
        align: ['left', 'center', 'right'],
        head: ['a', 'b', 'c'],
        rows: [
          ['1', '2', ''],
          ['x | y', 'z', 'w'],
        ],
      },
    ]);
  });

  it('keeps a row of pipes without a delimiter row as a paragraph', () => {
    expect(blocks('| a | b |\n| c | d |')).toEqual([{ type: 'paragraph', text: '| a | b |\n| c | d |' }]);
  });

  it('shows an unclosed fence as a code block in progress, without a half-arrived closing fence', () => {
    expect(blocks('```js\nlet a = 1;')).toEqual([{ type: 'code', language: 'js', code: 'let a = 1;', closed: false }]);
    expect(blocks('```js\nlet a = 1;\n``')).toEqual([{ type: 'code', language: 'js', code: 'let a = 1;', closed: false }]);
    expect(blocks('```js\nlet a = 1;\n```')).toEqual([{ type: 'code', language: 'js', code: 'let a = 1;', closed: true }]);
  });

  it('gives each top-level block its source, so unchanged blocks can be memoized', () => {
    const first = parseMarkdown('# A\n\npara one\n\n- x');
    const later = parseMarkdown('# A\n\npara one\n\n- x\n- y');
    expect(first.map((entry) => entry.raw)).toEqual(['# A', 'para one', '- x']);
    expect(later.map((entry) => entry.raw)).toEqual(['# A', 'para one', '- x\n- y']);
  });

  it('keeps raw HTML as paragraph text', () => {
    expect(blocks('<script>alert(1)</script>\n<img src=x onerror=alert(1)>')).toEqual([{ type: 'paragraph', text: '<script>alert(1)</script>\n<img src=x onerror=alert(1)>' }]);
  });
});

describe('parseInline', () => {
  it('reads emphasis, strong, strikethrough, code and links', () => {
    expect(parseInline('**b** *i* ~~s~~ `c` [l](https://a.example/x)')).toEqual([
      { type: 'strong', children: ['b'] },
      ' ',
      { type: 'em', children: ['i'] },
      ' ',
      { type: 'del', children: ['s'] },
      ' ',
      { type: 'code', text: 'c' },
      ' ',
      { type: 'link', href: 'https://a.example/x', children: ['l'] },
    ]);
    expect(parseInline('***both*** *a **b** c*')).toEqual([
      { type: 'em', children: [{ type: 'strong', children: ['both'] }] },
      ' ',
      { type: 'em', children: ['a ', { type: 'strong', children: ['b'] }, ' c'] },
    ]);
  });

  it('keeps unclosed emphasis as text at every step of a stream, never flipping to another form', () => {
    const final = '**bold** end';
    for (let length = 1; length < final.indexOf(' end') - 1; length++) {
      const nodes = parseInline(final.slice(0, length));
      expect(nodes.every((node) => typeof node === 'string')).toBe(true);
    }
    expect(parseInline('**bold**')).toEqual([{ type: 'strong', children: ['bold'] }]);
  });

  it('reads [n] as a citation, but not a link labelled with a number, an escaped bracket, [0] or four digits', () => {
    expect(parseInline('Up 8% [1][2], see [3](https://a.example) or \\[4] [0] [1000] [x]')).toEqual([
      'Up 8% ',
      { type: 'citation', number: 1 },
      { type: 'citation', number: 2 },
      ', see ',
      { type: 'link', href: 'https://a.example', children: ['3'] },
      ' or [4] [0] [1000] [x]',
    ]);
    expect(parseInline('[**a** [2]](https://a.example)')).toEqual([{ type: 'link', href: 'https://a.example', children: [{ type: 'strong', children: ['a'] }, ' [2]'] }]);
  });

  it('leaves snake_case, lone asterisks and escapes alone', () => {
    expect(parseInline('snake_case_name 2 * 3 * 4 \\*not em\\*')).toEqual(['snake_case_name 2 * 3 * 4 *not em*']);
  });

  it('links autolinks and bare URLs, but never inside a link label', () => {
    expect(parseInline('<https://a.example> see https://b.example/x.')).toEqual([
      { type: 'link', href: 'https://a.example', children: ['https://a.example'] },
      ' see ',
      { type: 'link', href: 'https://b.example/x', children: ['https://b.example/x'] },
      '.',
    ]);
    expect(parseInline('[https://a.example](https://a.example)')).toEqual([{ type: 'link', href: 'https://a.example', children: ['https://a.example'] }]);
  });

  it('turns an image into a link to it, so no model-chosen URL is loaded', () => {
    expect(parseInline('![a cat](https://img.example/cat.png)')).toEqual([{ type: 'link', href: 'https://img.example/cat.png', children: ['a cat'] }]);
  });

  it('drops the link of javascript:, data: and other schemes, keeping the words', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox', '<javascript:alert(1)>']) {
      const nodes = parseInline(`[click](${url})`);
      // Either a link without its URL, or (a space in the URL) no link at all: the words stay, the URL never links.
      expect(nodes.some((node) => typeof node === 'object' && node.type === 'link' && node.href !== undefined), url).toBe(false);
      expect(JSON.stringify(nodes), url).toContain('click');
    }
    expect(parseInline('<javascript:alert(1)>')).toEqual([{ type: 'link', href: undefined, children: ['javascript:alert(1)'] }]);
  });

  it('stays fast on hostile input', () => {
    const hostile = ['*a '.repeat(20_000), '['.repeat(60_000), '[a]('.repeat(20_000), '`'.repeat(60_000), '**a '.repeat(20_000), '_a '.repeat(20_000), '~~a '.repeat(20_000), '*'.repeat(60_000)];
    const started = performance.now();
    for (const text of hostile) parseInline(text);
    parseMarkdown(`${'> '.repeat(5000)}deep`);
    parseMarkdown(`${'- '.repeat(5000)}deep`);
    parseMarkdown('```\n'.repeat(5000));
    parseMarkdown('|a|\n|-|\n'.repeat(5000));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('survives deep nesting without exhausting the stack', () => {
    const deep = `${'*a '.repeat(2000)}${' a*'.repeat(2000)}`;
    expect(() => parseInline(deep)).not.toThrow();
    expect(() => parseInline(`${'['.repeat(5000)}x${'](u)'.repeat(5000)}`)).not.toThrow();
  });
});

describe('safeHref', () => {
  it('passes http(s), mailto and relative URLs', () => {
    expect(['https://a.example/x?y#z', 'http://a.example', 'mailto:a@b.example', '/docs', 'docs/page', '#top', '?q=1', '//cdn.example/x'].map(safeHref)).toEqual([
      'https://a.example/x?y#z',
      'http://a.example',
      'mailto:a@b.example',
      '/docs',
      'docs/page',
      '#top',
      '?q=1',
      '//cdn.example/x',
    ]);
  });

  it('refuses every other scheme, however it is disguised', () => {
    for (const url of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', '\u0000javascript:alert(1)', 'java\nscript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:x', 'file:///etc/passwd', 'blob:https://a', '', '   ']) {
      expect(safeHref(url), JSON.stringify(url)).toBeUndefined();
    }
  });
});

describe('continueMarkdown', () => {
  const STREAM = [
    '# Plan',
    '',
    'Intro line one',
    'line two with **bold',
    'still bold** and `code`',
    '#not a heading',
    '',
    '- one',
    '- two',
    '  - nested',
    '',
    '| a | b |',
    '| --- | ---: |',
    '| 1 | 2 |',
    '',
    '> quote',
    'lazy',
    '',
    '```ts',
    'const x = 1;',
    '```',
    '',
    '1. first',
    '2. second',
    '***',
    'end\r\nwith CRLF\ttab',
  ].join('\n');

  it('gives the same blocks as a full parse at every step of a stream, whatever the chunk size', () => {
    for (const size of [1, 3, 17]) {
      let parse = continueMarkdown(undefined, '');
      for (let end = 0; end <= STREAM.length; end += size) {
        const text = STREAM.slice(0, end);
        parse = continueMarkdown(parse, text);
        expect(parse.blocks, `chunk ${size}, at ${end}`).toEqual(parseMarkdown(text));
      }
    }
  });

  it('keeps the objects of the blocks before the last two, so they are not parsed or rendered again', () => {
    const first = continueMarkdown(undefined, 'One\n\nTwo\n\nThree\n\nFour');
    const next = continueMarkdown(first, 'One\n\nTwo\n\nThree\n\nFour and more');
    expect(next.blocks[0]).toBe(first.blocks[0]);
    expect(next.blocks[1]).toBe(first.blocks[1]);
    expect(next.blocks[3]?.raw).toBe('Four and more');
  });

  it('starts over when the text is not a continuation (an edit, another version)', () => {
    const first = continueMarkdown(undefined, 'One\n\nTwo\n\nThree');
    expect(continueMarkdown(first, 'Uno\n\nTwo').blocks).toEqual(parseMarkdown('Uno\n\nTwo'));
  });
});

/** The blocks with each code block's lines as its parse keeps them (they must join to its code). */
const withCodeLines = (blocks: readonly MarkdownBlock[]): unknown[] =>
  blocks.map((block) =>
    block.type === 'code'
      ? { ...block, lines: codeLineGroups(block) }
      : block.type === 'quote'
        ? { ...block, children: withCodeLines(block.children) }
        : block.type === 'list'
          ? { ...block, items: block.items.map(withCodeLines) }
          : block,
  );

/** Streams `source` in chunks of 1 to `most` characters, checking every frame against a parse at once (and its code lines). */
function expectStreamedAsAtOnce(source: string, next: () => number, most: number, codeLines = false) {
  let parse = continueMarkdown(undefined, '');
  for (let end = 0; end < source.length; ) {
    end = Math.min(source.length, end + 1 + Math.floor(next() * most));
    const text = source.slice(0, end);
    parse = continueMarkdown(parse, text);
    const once = parseMarkdown(text);
    // Node's deep equality first (a tenth of `toEqual`'s time over the many frames); the matcher judges and explains
    // whatever it calls unequal (it also takes a key set to undefined as missing).
    if (!isDeepStrictEqual(parse.blocks, once)) expect(parse.blocks, JSON.stringify(text)).toEqual(once);
    if (codeLines) {
      const [streamed, whole] = [withCodeLines(parse.blocks.map((entry) => entry.block)), withCodeLines(once.map((entry) => entry.block))];
      if (!isDeepStrictEqual(streamed, whole)) expect(streamed, JSON.stringify(text)).toEqual(whole);
    }
  }
}

/**
 * Streams `rounds` random answers of 4–33 lines of `fixture` in frames of random sizes (one character at most in every
 * third round, else up to 40), each frame's parse checked against a parse at once.
 */
function expectRandomFramesAsAtOnce(fixture: (next: () => number, count: number) => string, seed: number, rounds: number, codeLines = false) {
  const next = seededRandom(seed);
  for (let round = 0; round < rounds; round++) expectStreamedAsAtOnce(fixture(next, 4 + Math.floor(next() * 30)), next, round % 3 === 0 ? 1 : 40, codeLines);
}

describe('continueMarkdown on lists and tables', () => {
  it('gives the blocks of a parse at once at every frame, on thousands of random lists and tables', () => {
    expectRandomFramesAsAtOnce(randomListsAndTables, 3, 500);
  }, EVERY_FRAME_MS);

  it('gives the blocks of a parse at once on long random lists and tables, in large chunks', () => {
    const next = seededRandom(5);
    for (let round = 0; round < 20; round++) expectStreamedAsAtOnce(randomListsAndTables(next, 400), next, 200);
  });

  const list = (count: number) => Array.from({ length: count }, (_, index) => `- item ${index}\n  more of ${index}`).join('\n');

  it('keeps the items of a growing list that can no longer change, and turns it loose when a blank line comes', () => {
    const first = continueMarkdown(undefined, list(50));
    const next = continueMarkdown(first, `${list(50)}\n- item 50`);
    const [before, after] = [first.blocks[0]?.block, next.blocks[0]?.block];
    if (before?.type !== 'list' || after?.type !== 'list') throw new Error('expected lists');
    // Every item but the last is kept: the last one's lines may still change.
    expect(after.items.slice(0, 49).every((item, index) => item === before.items[index])).toBe(true);
    expect(after.items).toHaveLength(51);
    const loose = continueMarkdown(continueMarkdown(next, `${list(50)}\n- item 50\n\n`), `${list(50)}\n- item 50\n\n- item 51`);
    expect(loose.blocks).toEqual(parseMarkdown(`${list(50)}\n- item 50\n\n- item 51`));
    expect(loose.blocks[0]?.block).toMatchObject({ type: 'list', tight: false });
  });

  it('keeps the rows of a growing table, and ends it where a row is followed by a delimiter row', () => {
    const rows = Array.from({ length: 50 }, (_, index) => `| ${index} | cell ${index} |`).join('\n');
    const first = continueMarkdown(undefined, `| a | b |\n|---|---|\n${rows}`);
    const next = continueMarkdown(first, `| a | b |\n|---|---|\n${rows}\n| 50 | cell 50 |`);
    const [before, after] = [first.blocks[0]?.block, next.blocks[0]?.block];
    if (before?.type !== 'table' || after?.type !== 'table') throw new Error('expected tables');
    // Every row but the last two: the last line may still change, and so decide whether the one before is a row.
    expect(after.rows.slice(0, 48).every((row, index) => row === before.rows[index])).toBe(true);
    const split = `| a | b |\n|---|---|\n${rows}\n| c | d |\n|---|---|\n| e | f |`;
    expect(continueMarkdown(next, split).blocks).toEqual(parseMarkdown(split));
  });
});

describe('continueMarkdown on code fences and block quotes', () => {
  it('gives the blocks of a parse at once at every frame, on thousands of random fences and quotes', () => {
    expectRandomFramesAsAtOnce(randomFencesAndQuotes, 7, 500, true);
  }, EVERY_FRAME_MS);

  it('gives the blocks of a parse at once on long random fences and quotes, in large chunks', () => {
    const next = seededRandom(11);
    for (let round = 0; round < 20; round++) expectStreamedAsAtOnce(randomFencesAndQuotes(next, 400), next, 200, true);
  });

  const code = (count: number) => Array.from({ length: count }, (_, index) => `line ${index}`).join('\n');

  it('keeps the full groups of lines of a growing code fence, and shows its code whole', () => {
    const first = continueMarkdown(undefined, `\`\`\`ts\n${code(200)}`);
    const next = continueMarkdown(first, `\`\`\`ts\n${code(200)}\nline 200`);
    const [before, after] = [first.blocks[0]?.block, next.blocks[0]?.block];
    if (before?.type !== 'code' || after?.type !== 'code') throw new Error('expected code');
    expect(after.code).toBe(`${code(200)}\nline 200`);
    const [groupsBefore, groupsAfter] = [codeLineGroups(before), codeLineGroups(after)];
    expect(groupsAfter.map((group) => group.length)).toEqual([64, 64, 64, 9]);
    expect(groupsAfter.slice(0, 3).every((group, index) => group === groupsBefore[index])).toBe(true);
    const closed = continueMarkdown(next, `\`\`\`ts\n${code(200)}\nline 200\n\`\`\`\n\nAfter.`);
    expect(closed.blocks.map((entry) => entry.block)).toEqual([{ type: 'code', language: 'ts', code: `${code(200)}\nline 200`, closed: true }, { type: 'paragraph', text: 'After.' }]);
  });

  it('keeps the blocks of a growing quote that can no longer change, and ends it where a line is no longer quoted', () => {
    const quote = Array.from({ length: 50 }, (_, index) => `> paragraph ${index}\n>`).join('\n');
    const first = continueMarkdown(undefined, quote);
    const next = continueMarkdown(first, `${quote}\n> paragraph 50`);
    const [before, after] = [first.blocks[0]?.block, next.blocks[0]?.block];
    if (before?.type !== 'quote' || after?.type !== 'quote') throw new Error('expected quotes');
    expect(after.children).toHaveLength(51);
    expect(after.children.slice(0, 48).every((child, index) => child === before.children[index])).toBe(true);
    // A lazy line continues the last paragraph; a table after it ends the quote.
    const lazy = `${quote}\n> paragraph 50\nlazy | line\n|---|---|`;
    expect(continueMarkdown(continueMarkdown(next, `${quote}\n> paragraph 50\nlazy | line`), lazy).blocks).toEqual(parseMarkdown(lazy));
  });
});

describe('continueMarkdown on lists and quotes inside list items', () => {
  it('gives the blocks of a parse at once at every frame, on hundreds of random list items holding lists, quotes and fences', () => {
    expectRandomFramesAsAtOnce(randomItemContents, 13, 200, true);
  }, EVERY_FRAME_MS);

  it('gives the blocks of a parse at once on long answers of every kind of block, in large chunks', () => {
    const next = seededRandom(17);
    const kinds = [randomItemContents, randomListsAndTables, randomFencesAndQuotes];
    for (let round = 0; round < 6; round++) {
      const parts = Array.from({ length: 6 }, () => (kinds[Math.floor(next() * kinds.length)] as typeof randomItemContents)(next, 200));
      expectStreamedAsAtOnce(parts.join('\n'), next, 300, true);
    }
  });

  it('continues an older parse as well as the newest (a frame rendered twice, a caller going back)', () => {
    const next = seededRandom(19);
    const parses = [continueMarkdown(undefined, '')];
    for (let step = 0; step < 1500; step++) {
      // Mostly the newest parse, else one of the last few, continued by text that need not be what followed it.
      const from = parses[next() < 0.5 ? parses.length - 1 : Math.max(0, parses.length - 1 - Math.floor(next() * 5))] as MarkdownParse;
      const more = `\n${randomItemContents(next, 3)}`.slice(0, 1 + Math.floor(next() * 60));
      const parse = continueMarkdown(from, from.source + more);
      expect(parse.blocks, JSON.stringify(parse.source)).toEqual(parseMarkdown(parse.source));
      parses.push(parse);
      // Now and then, a new answer.
      if (parse.source.length > 3000) parses.push(continueMarkdown(undefined, ''));
    }
  });

  const nested = (count: number) => Array.from({ length: count }, (_, index) => `  - nested ${index}`).join('\n');
  const listOf = (block: MarkdownBlock | undefined) => {
    if (block?.type !== 'list') throw new Error('expected a list');
    return block;
  };

  it('keeps the items of a nested list growing in the last item, and the items before that one', () => {
    const text = `- one\n- two\n- last\n${nested(100)}`;
    const first = continueMarkdown(undefined, text);
    const next = continueMarkdown(first, `${text}\n  - nested 100`);
    const [before, after] = [listOf(first.blocks[0]?.block), listOf(next.blocks[0]?.block)];
    expect(after.items.slice(0, 2).every((item, index) => item === before.items[index])).toBe(true);
    const [nestedBefore, nestedAfter] = [listOf(before.items[2]?.[1]), listOf(after.items[2]?.[1])];
    expect(nestedAfter.items).toHaveLength(101);
    // Every nested item but the last three: the one open at the last final line, and those after it.
    expect(nestedAfter.items.slice(0, 97).every((item, index) => item === nestedBefore.items[index])).toBe(true);
    expect(after.items[2]?.[0]).toBe(before.items[2]?.[0]);
    expect(next.blocks).toEqual(parseMarkdown(`${text}\n  - nested 100`));
    // A sibling of the outer list ends the nested one; a line of neither ends both.
    for (const end of ['\n- after', '\n\n- after', '\n\nafter', '\n  after', '\n\n  after']) {
      expect(continueMarkdown(next, `${text}\n  - nested 100${end}`).blocks).toEqual(parseMarkdown(`${text}\n  - nested 100${end}`));
    }
  });

  it('keeps the items of a list while the first line of its last item grows, frame after frame', () => {
    const list = Array.from({ length: 50 }, (_, index) => `- item ${index}`).join('\n');
    const first = continueMarkdown(undefined, `${list}\n- item 50`);
    let parse = first;
    for (let words = 1; words <= 4; words++) {
      parse = continueMarkdown(parse, `${list}\n- item 50${' more'.repeat(words)}`);
      const [before, after] = [listOf(first.blocks[0]?.block), listOf(parse.blocks[0]?.block)];
      // Every item but the one left open at the last final line (item 49), and item 50.
      expect(after.items.slice(0, 49).every((item, index) => item === before.items[index]), `${words} words`).toBe(true);
    }
  });

  it('keeps the blocks of a quote growing in the last item', () => {
    const quote = Array.from({ length: 50 }, (_, index) => `  > paragraph ${index}\n  >`).join('\n');
    const text = `- one\n- last\n${quote}`;
    const first = continueMarkdown(undefined, text);
    const next = continueMarkdown(first, `${text}\n  > paragraph 50`);
    const [before, after] = [first.blocks[0]?.block, next.blocks[0]?.block].map((block) => listOf(block).items[1]?.[1]);
    if (before?.type !== 'quote' || after?.type !== 'quote') throw new Error('expected quotes');
    expect(after.children).toHaveLength(51);
    // One fewer than at the top level: whether the item's last final line stays in it can depend on the next.
    expect(after.children.slice(0, 47).every((child, index) => child === before.children[index])).toBe(true);
    expect(next.blocks).toEqual(parseMarkdown(`${text}\n  > paragraph 50`));
  });

  it('puts the blank lines after the last item in it only when more of it follows', () => {
    const next = seededRandom(23);
    // An unclosed fence shows the blank lines that end up in its item; chunks of one character stop after each.
    for (const source of ['- a\n  ```\n  code\n\n\n- b', '- a\n  ```\n  code\n\n\nafter', '- a\n  ```\n  code\n\n\n  more', '- a\n  - b\n\n\n  c\n\nd']) {
      expectStreamedAsAtOnce(source, next, 1, true);
    }
    expect(blocks('- a\n  ```\n  code\n\n\n- b')[0]).toMatchObject({ items: [[{ type: 'paragraph', text: 'a' }, { type: 'code', code: 'code\n\n' }], [{ type: 'paragraph', text: 'b' }]] });
  });
});
