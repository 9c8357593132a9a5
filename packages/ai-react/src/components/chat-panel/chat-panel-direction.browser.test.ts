import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openStory } from '../../../test/browser/story-page.js';

type Direction = 'ltr' | 'rtl';

/**
 * The way each direction-bound icon of the panel points on screen: the version picker's arrows (by their button's
 * name) and the chevron of every closed reasoning block and tool call (by the text of its button).
 */
function pointing(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    // The way each icon is drawn, as a vector: ChevronLeftIcon's path starts at "m15", ChevronRightIcon's at "m9",
    // ChevronDownIcon's at "m6".
    const drawn: Record<string, [number, number]> = { m15: [-1, 0], m9: [1, 0], m6: [0, 1] };
    const way = (icon: Element) => {
      const [x, y] = drawn[icon.querySelector('path')!.getAttribute('d')!.split(' ')[0]!]!;
      const transform = getComputedStyle(icon).transform;
      const { a, b, c, d } = new DOMMatrix(transform === 'none' ? undefined : transform);
      const [onScreenX, onScreenY] = [a * x + c * y, b * x + d * y];
      if (Math.abs(onScreenX) > Math.abs(onScreenY)) return onScreenX < 0 ? 'left' : 'right';
      return onScreenY < 0 ? 'up' : 'down';
    };
    const icons: (readonly [string, Element])[] = [
      ...[...document.querySelectorAll('[role="group"] button[aria-label$="version"]')].map((button) => [button.getAttribute('aria-label')!, button.querySelector('svg')!] as const),
      ...[...document.querySelectorAll('button[aria-expanded="false"] > svg[data-part="chevron"]')].map((icon) => [icon.parentElement!.textContent!.trim(), icon] as const),
    ];
    return Object.fromEntries(icons.map(([name, icon]) => [name, way(icon)]));
  });
}

/** Sets the page's `dir` and the `dir` of the app's own wrapper (the story's root; `undefined` takes it away). */
async function setDirections(page: Page, pageDirection: Direction, wrapperDirection: Direction | undefined): Promise<void> {
  await page.evaluate((value) => {
    document.documentElement.dir = value;
  }, pageDirection);
  await page.locator('[data-story-root]').evaluate((root, value) => {
    if (value) root.setAttribute('dir', value);
    else root.removeAttribute('dir');
  }, wrapperDirection);
}

const cases = [
  { setting: 'a left-to-right wrapper in a right-to-left page', pageDirection: 'rtl', wrapperDirection: 'ltr', app: 'ltr' },
  { setting: 'a right-to-left wrapper in a left-to-right page', pageDirection: 'ltr', wrapperDirection: 'rtl', app: 'rtl' },
  { setting: 'a right-to-left page, the wrapper without a dir', pageDirection: 'rtl', wrapperDirection: undefined, app: 'rtl' },
] as const;

// One page per story, its directions set case after case (each page costs seconds to open in Chromium).
it('points the version arrows the way the nearest dir reads: an ltr wrapper in an rtl page, an rtl wrapper in an ltr page, an rtl page', async ({ onTestFinished }) => {
  const page = await openStory('chatpanel--conversation', { test: { onTestFinished } });
  await page.getByRole('group', { name: 'Versions' }).waitFor();
  for (const { setting, pageDirection, wrapperDirection, app } of cases) {
    await setDirections(page, pageDirection, wrapperDirection);
    // "Previous" sits where the text starts, and points there.
    const expected = app === 'ltr' ? { 'Previous version': 'left', 'Next version': 'right' } : { 'Previous version': 'right', 'Next version': 'left' };
    await expect.poll(() => pointing(page), { message: setting }).toEqual(expected);
  }
});

it('points a closed reasoning block\'s or tool call\'s chevron the way the nearest dir reads, in the same three settings', async ({ onTestFinished }) => {
  const page = await openStory('chatpanel--message-parts', { test: { onTestFinished } });
  await page.getByRole('button', { name: /^Thought for/ }).waitFor();
  for (const { setting, pageDirection, wrapperDirection, app } of cases) {
    await setDirections(page, pageDirection, wrapperDirection);
    // Closed, a chevron points the way the line runs: right in a left-to-right app, left in a right-to-left one.
    const way = app === 'ltr' ? 'right' : 'left';
    await expect
      .poll(
        async () => {
          const shown = await pointing(page);
          return { closed: Object.keys(shown).length, ways: [...new Set(Object.values(shown))] };
        },
        { message: setting },
      )
      .toEqual({ closed: 3, ways: [way] });
  }
});
