import { expect, it } from 'vitest';
import { openStory } from '../../../test/browser/story-page.js';

it('in forced-colours mode (Windows high contrast) the chosen segment still stands out from the others', async ({ onTestFinished }) => {
  const page = await openStory('segmentedcontrol--default', { viewport: { width: 390, height: 400 }, test: { onTestFinished } });
  await page.emulateMedia({ forcedColors: 'active' });
  const items = page.locator('.ia-segmented__item');
  // The colour drawn just inside each segment's top-left corner (its background, away from the text), read from a
  // screenshot: computed styles do not show what forced colours replace.
  const corners: Array<{ on: boolean; colour: string }> = [];
  for (const item of await items.all()) {
    const shot = await item.screenshot({ animations: 'disabled' });
    const colour = await page.evaluate(async (png) => {
      const image = new Image();
      image.src = `data:image/png;base64,${png}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      return [...context.getImageData(6, 6, 1, 1).data].join(',');
    }, shot.toString('base64'));
    corners.push({ on: (await item.getAttribute('aria-checked')) === 'true', colour });
  }
  const chosen = corners.filter((corner) => corner.on);
  expect(chosen).toHaveLength(1);
  const others = corners.filter((corner) => !corner.on);
  expect(others.length).toBeGreaterThan(0);
  for (const other of others) expect(other.colour).not.toBe(chosen[0]!.colour);
});
