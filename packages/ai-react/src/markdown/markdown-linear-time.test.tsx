import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { hostileMarkdown } from '../testing/hostile-markdown.js';
import { Markdown } from './markdown.js';
import { parseInline } from './parse-inline.js';

// The speed goal (under 50 ms at 100 KB) lives in `npm run bench:markdown`, which prints the figures. This test checks
// the shape only: eight times the input must cost about eight times the time, never the sixty-four of a quadratic.
const LARGE = 100_000;
const SMALL = LARGE / 8;
const MAX_GROWTH = 24;

/** The fastest of three runs of render-then-parse-inline, in ms: other processes add noise, never a quadratic's growth. */
function fastest(source: string): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    render(<Markdown source={source} />).unmount();
    // A table cell or a heading is parsed inline whole: the inline parser must hold on its own too.
    parseInline(source);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('markdown stays linear on hostile input', () => {
  const small = hostileMarkdown(SMALL);
  const large = hostileMarkdown(LARGE);
  for (const name of Object.keys(large)) {
    it(`renders ${name} in time that grows linearly (12.5 KB → 100 KB)`, () => {
      const [smallSource, largeSource] = [small[name]!, large[name]!];
      expect(largeSource.length).toBeGreaterThanOrEqual(LARGE * 0.99);
      // Warm the compiler first, so neither figure is the first JIT pass.
      fastest(smallSource);
      const growth = fastest(largeSource) / Math.max(fastest(smallSource), 0.05);
      expect(growth, `8× the input took ${growth.toFixed(1)}× the time`).toBeLessThan(MAX_GROWTH);
    });
  }
});
