import { expect, it } from 'vitest';
import { openStory } from '../../../test/browser/story-page.js';

it('in a right-to-left page the lightbox puts "previous" on the right, pointing right, and "next" on the left, pointing left', async ({ onTestFinished }) => {
  const page = await openStory('imagegenerator--lightbox', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  /** Each arrow's name, the half of the screen it sits in and the way it points (its icon, mirrored or not). */
  const arrows = () =>
    dialog.evaluate((element) =>
      [...element.querySelectorAll('button[data-side]')].map((button) => {
        const icon = button.querySelector('svg')!;
        // The icons: ChevronLeftIcon's path starts at "m15", ChevronRightIcon's at "m9".
        const drawnLeft = icon.querySelector('path')!.getAttribute('d')!.startsWith('m15');
        const transform = getComputedStyle(icon).transform;
        const mirrored = new DOMMatrix(transform === 'none' ? undefined : transform).a < 0;
        const box = button.getBoundingClientRect();
        return { name: button.getAttribute('aria-label'), side: box.left + box.width / 2 < innerWidth / 2 ? 'left' : 'right', points: drawnLeft !== mirrored ? 'left' : 'right' };
      }),
    );
  expect(await arrows()).toEqual([
    { name: 'Previous image', side: 'left', points: 'left' },
    { name: 'Next image', side: 'right', points: 'right' },
  ]);
  await page.evaluate(() => {
    document.documentElement.dir = 'rtl';
  });
  await expect
    .poll(arrows)
    .toEqual([
      { name: 'Previous image', side: 'right', points: 'right' },
      { name: 'Next image', side: 'left', points: 'left' },
    ]);
});
