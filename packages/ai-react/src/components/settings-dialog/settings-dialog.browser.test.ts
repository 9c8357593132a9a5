import { expect, it } from 'vitest';
import { axeViolations, formatViolations, openStory } from '../../../test/browser/story-page.js';

it('opened from a trigger in a right-to-left wrapper (not the page), the dialog in its portal is laid out right to left', async ({ onTestFinished }) => {
  const page = await openStory('settingsdialog--with-trigger', { test: { onTestFinished } });
  await page.locator('[data-story-root]').evaluate((root) => root.setAttribute('dir', 'rtl'));
  await page.getByRole('button', { name: 'AI settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'AI settings' });
  await page.getByRole('textbox', { name: 'System prompt' }).waitFor();
  // The header runs from the right: the title at its right end, the close button left of it.
  const header = await dialog.evaluate((element) => {
    const title = element.querySelector('h2')!.getBoundingClientRect();
    const close = element.querySelector('button[aria-label="Close"]')!.getBoundingClientRect();
    return { direction: getComputedStyle(element).direction, closeLeftOfTitle: close.right <= title.left };
  });
  expect(header).toEqual({ direction: 'rtl', closeLeftOfTitle: true });
  expect(formatViolations(await axeViolations(page))).toBe('');
});
