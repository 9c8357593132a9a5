import { expect, it } from 'vitest';
import { openStory } from '../../../test/browser/story-page.js';

/** Where the panel's side-bound parts sit: a list's indent (its markers' room) is on the side its lines start. */
for (const direction of ['ltr', 'rtl'] as const) {
  const start = direction === 'ltr' ? 'left' : 'right';

  it(`in a ${direction} page, an answer's numbered list is indented from the ${start}, where its lines start`, async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--markdown-showcase', { test: { onTestFinished } });
    await page.evaluate((value) => (document.documentElement.dir = value), direction);
    const list = page.locator('.ia-markdown ol').first();
    await list.waitFor();
    const indent = await list.evaluate((element) => {
      const style = getComputedStyle(element);
      return { left: parseFloat(style.paddingLeft), right: parseFloat(style.paddingRight) };
    });
    expect(indent[start], `indent on the ${start}`).toBeGreaterThan(8);
    expect(indent[start === 'left' ? 'right' : 'left']).toBe(0);
  });
}
