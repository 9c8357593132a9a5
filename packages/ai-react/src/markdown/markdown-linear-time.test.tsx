import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown.js';
import { parseInline } from './parse-inline.js';

const SIZE = 100_000;
const fill = (unit: string, prefix = '', suffix = '') => prefix + unit.repeat(Math.ceil((SIZE - prefix.length - suffix.length) / unit.length)) + suffix;

/**
 * 100 KB answers built to make a backtracking regular expression (or a rescan per character) go quadratic. A model,
 * or a prompt injection, can write any of them; the tab must not freeze.
 */
const pathological: Record<string, string> = {
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
  'code spans of growing length': Array.from({ length: 446 }, (_, index) => '`'.repeat(index + 1)).join(' '),
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

describe('markdown stays linear on hostile input', () => {
  for (const [name, source] of Object.entries(pathological)) {
    it(`renders ${name} (100 KB) in under 50 ms, and parses it inline in under 50 ms`, () => {
      expect(source.length).toBeGreaterThanOrEqual(SIZE * 0.99);
      // Warm the compiler on a fifth of the input, so the figure is the parser's and not the first JIT pass.
      render(<Markdown source={source.slice(0, SIZE / 5)} />).unmount();
      parseInline(source.slice(0, SIZE / 5));
      // The fastest of three: other processes on a busy machine add noise, never a quadratic's seconds.
      let rendered = Infinity;
      let inline = Infinity;
      for (let attempt = 0; attempt < 3 && (rendered >= 50 || inline >= 50); attempt++) {
        let started = performance.now();
        const { unmount } = render(<Markdown source={source} />);
        rendered = Math.min(rendered, performance.now() - started);
        unmount();
        // A table cell or a heading is parsed inline whole: the inline parser must hold on its own too.
        started = performance.now();
        parseInline(source);
        inline = Math.min(inline, performance.now() - started);
      }
      expect({ rendered: rendered < 50, inline: inline < 50 }, `rendered in ${rendered.toFixed(1)} ms, inline in ${inline.toFixed(1)} ms`).toEqual({ rendered: true, inline: true });
    });
  }
});
