import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { hostileMarkdown } from '../testing/hostile-markdown.js';
import { timeGrowth } from '../testing/time-growth.js';
import { Markdown } from './markdown.js';
import { parseInline } from './parse-inline.js';

// The speed goal (under 50 ms at 100 KB) lives in `npm run bench:markdown`, which prints the figures. This test checks
// the shape only: 32 times the input must cost about 32 times the time (up to 8–14× that on a loaded machine, where
// 8× once measured 26×), never the thousand times of a quadratic.
const LARGE = 100_000;
const SMALL = LARGE / 32;
const MAX_GROWTH = 200;

/** Renders, then parses inline whole: a table cell or a heading is parsed inline whole, so that parser must hold on its own too. */
function renderAndParse(source: string) {
  render(<Markdown source={source} />).unmount();
  parseInline(source);
}

describe('markdown stays linear on hostile input', () => {
  const small = hostileMarkdown(SMALL);
  const large = hostileMarkdown(LARGE);
  for (const name of Object.keys(large)) {
    it(`renders ${name} in time that grows linearly (3 KB → 100 KB)`, () => {
      const [smallSource, largeSource] = [small[name]!, large[name]!];
      expect(largeSource.length).toBeGreaterThanOrEqual(LARGE * 0.99);
      const growth = timeGrowth(renderAndParse, smallSource, largeSource);
      expect(growth, `32× the input took ${growth.toFixed(1)}× the time`).toBeLessThan(MAX_GROWTH);
    });
  }
});
