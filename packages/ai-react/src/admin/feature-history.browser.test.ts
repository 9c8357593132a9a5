import { expect, it } from 'vitest';
import { openStory } from '../../test/browser/story-page.js';

it('on a phone a version\'s "Changed by …" line takes the card\'s width below its title, not a narrow column beside it', async ({ onTestFinished }) => {
  const page = await openStory('featurehistory--three-versions', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
  await page.locator('.ia-history__meta').first().waitFor();
  const entries = await page.locator('.ia-history__entry').evaluateAll((cards) =>
    cards.map((card) => {
      const meta = card.querySelector('.ia-history__meta')!;
      const lines = Math.round(meta.getBoundingClientRect().height / parseFloat(getComputedStyle(meta).lineHeight));
      return { lines, below: meta.getBoundingClientRect().top >= card.querySelector('.ia-history__version')!.getBoundingClientRect().bottom };
    }),
  );
  expect(entries.length).toBeGreaterThan(1);
  for (const entry of entries) expect(entry).toEqual({ lines: expect.any(Number), below: true });
  expect(Math.max(...entries.map((entry) => entry.lines))).toBeLessThanOrEqual(2);
});
