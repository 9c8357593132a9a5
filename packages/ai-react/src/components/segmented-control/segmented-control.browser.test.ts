import { expect, it } from 'vitest';
import { colourAt, openStory } from '../../../test/browser/story-page.js';

it('in forced-colours mode (Windows high contrast) the chosen segment still stands out from the others', async ({ onTestFinished }) => {
  const page = await openStory('segmentedcontrol--default', { viewport: { width: 390, height: 400 }, test: { onTestFinished } });
  await page.emulateMedia({ forcedColors: 'active' });
  // The colour just inside each segment's top-left corner: its background, away from the text.
  const corners: Array<{ on: boolean; colour: string }> = [];
  for (const item of await page.locator('.ia-segmented__item').all()) {
    const box = (await item.boundingBox())!;
    corners.push({ on: (await item.getAttribute('aria-checked')) === 'true', colour: await colourAt(page, { x: box.x + 6, y: box.y + 6 }) });
  }
  const chosen = corners.filter((corner) => corner.on);
  expect(chosen).toHaveLength(1);
  const others = corners.filter((corner) => !corner.on);
  expect(others.length).toBeGreaterThan(0);
  for (const other of others) expect(other.colour).not.toBe(chosen[0]!.colour);
});
