import { expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { openStory } from '../../../test/browser/story-page.js';

/** Each arrow's name, the half of the screen it sits in and the way it points (its icon, mirrored or not). */
function arrows(dialog: Locator) {
  return dialog.evaluate((element) =>
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
}

it('in a right-to-left page the lightbox puts "previous" on the right, pointing right, and "next" on the left, pointing left', async ({ onTestFinished }) => {
  const page = await openStory('imagegenerator--lightbox', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  expect(await arrows(dialog)).toEqual([
    { name: 'Previous image', side: 'left', points: 'left' },
    { name: 'Next image', side: 'right', points: 'right' },
  ]);
  await page.evaluate(() => {
    document.documentElement.dir = 'rtl';
  });
  await expect
    .poll(() => arrows(dialog))
    .toEqual([
      { name: 'Previous image', side: 'right', points: 'right' },
      { name: 'Next image', side: 'left', points: 'left' },
    ]);
});

it('opened from an app whose own wrapper (not the page) is right to left, the lightbox in its portal is drawn and keyed right to left', async ({ onTestFinished }) => {
  const page = await openStory('imagegenerator--lightbox', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.locator('[data-story-root]').evaluate((root) => root.setAttribute('dir', 'rtl'));
  await page.getByRole('button', { name: 'Enlarge image 2 of 3' }).click();
  await page.getByRole('dialog', { name: 'Image 2 of 3' }).waitFor();
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).direction)).toBe('ltr');
  expect(await arrows(dialog)).toEqual([
    { name: 'Previous image', side: 'right', points: 'right' },
    { name: 'Next image', side: 'left', points: 'left' },
  ]);
  await page.keyboard.press('ArrowRight');
  await page.getByRole('dialog', { name: 'Image 1 of 3' }).waitFor();
});

/** How far each of the lightbox's controls stays from the left and right edges of the screen, in CSS pixels. */
function clearances(dialog: Locator): Promise<Record<string, { left: number; right: number }>> {
  return dialog.evaluate((element) =>
    Object.fromEntries(
      [...element.querySelectorAll('[aria-label]')].map((control) => {
        const box = control.getBoundingClientRect();
        return [control.getAttribute('aria-label'), { left: Math.round(box.left), right: Math.round(innerWidth - box.right) }];
      }),
    ),
  );
}

it('keeps every control of the lightbox clear of a notch on either side of a landscape phone, left to right and right to left', async ({ onTestFinished }) => {
  const page = await openStory('imagegenerator--lightbox', { viewport: { width: 844, height: 390 }, test: { onTestFinished } });
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const session = await page.context().newCDPSession(page);
  const notch = 47;
  for (const dir of ['ltr', 'rtl'] as const) {
    await page.evaluate((value) => {
      document.documentElement.dir = value;
    }, dir);
    for (const side of ['left', 'right'] as const) {
      // The screen's safe areas, as a phone in landscape reports them: a notch on one side.
      await session.send('Emulation.setSafeAreaInsetsOverride', { insets: { [side]: notch } });
      await expect.poll(() => page.evaluate(() => getComputedStyle(document.querySelector('.ia-lightbox')!).direction)).toBe(dir);
      const shown = await clearances(dialog);
      expect(Object.keys(shown), `${dir}, notch on the ${side}`).toEqual(['Download image 2 of 3', 'Close', 'Previous image', 'Next image']);
      for (const [name, clearance] of Object.entries(shown)) expect(clearance[side], `${name} (${dir}, notch on the ${side})`).toBeGreaterThanOrEqual(notch);
    }
  }
});

/** WCAG's contrast ratio between two sRGB colours given as 0–255 channels. */
function contrast(a: readonly number[], b: readonly number[]): number {
  const luminance = (rgb: readonly number[]) => {
    const [r = 0, g = 0, b = 0] = rgb.map((channel) => {
      const value = channel / 255;
      return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

it('draws the focus ring of a lightbox control in a colour that stands out from its dark backdrop, in a light theme and a dark one', async ({ onTestFinished }) => {
  for (const theme of ['light', 'dark'] as const) {
    const page = await openStory('imagegenerator--lightbox', { viewport: { width: 390, height: 844 }, theme, test: { onTestFinished } });
    const close = page.getByRole('dialog').getByRole('button', { name: 'Close' });
    await close.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    const rings = await close.evaluate((button) => {
      // Every colour the focused control's ring is drawn in, as rgb(a) channels: its outline and its box-shadow.
      const style = getComputedStyle(button);
      const outline = style.outlineStyle === 'none' || style.outlineWidth === '0px' ? '' : style.outlineColor;
      return [...`${outline} ${style.boxShadow}`.matchAll(/rgba?\(([^)]+)\)/g)].map((match) => (match[1] ?? '').split(/[ ,/]+/).filter(Boolean).map(Number));
    });
    expect(rings.length, `${theme}: a focused control draws a ring`).toBeGreaterThan(0);
    // The backdrop is near black (rgb(9 9 11) at 94%): the ring's most visible colour must reach 3:1 against it.
    const best = Math.max(...rings.map((ring) => ((ring[3] ?? 1) < 0.9 ? 0 : contrast(ring.slice(0, 3), [9, 9, 11]))));
    expect(best, `${theme}: the focus ring's contrast against the backdrop`).toBeGreaterThanOrEqual(3);
  }
});
