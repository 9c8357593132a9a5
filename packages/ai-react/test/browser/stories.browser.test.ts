// Every story of the static build, loaded once per theme and checked on that one page. In light: axe with every
// rule and no page errors, then no sideways scrolling at 360 px (the narrowest phone we support; layout does not
// depend on the theme). In dark: colour contrast, the one axe rule a theme can change, and no page errors. Loading a
// story is most of the sweep's time, so the checks share it instead of each loading every story again.
//
// Pictures of every story at a phone's size and a laptop's, in both themes, go to test-artifacts/stories/
// (git-ignored) to look at. They are for people: with CI=true none are taken (they were two thirds of the layout
// check's time, and nobody opens them there), unless STORY_SCREENSHOTS=1.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './storybook-static.mjs';
import { axeViolations, createStoryPagePool, formatViolations, listStories, pageErrorsOf, STORY_VIEWPORT, type StoryTheme } from './story-page.js';

const OUTPUT = path.join(REPO_ROOT, 'test-artifacts', 'stories');
const PICTURES = process.env['STORY_SCREENSHOTS'] === '1' || process.env['CI'] !== 'true';
if (PICTURES) mkdirSync(OUTPUT, { recursive: true });

const NARROWEST = { width: 360, height: 740 };
const PICTURED = [['phone', { width: 390, height: 844 }], ['laptop', { width: 1280, height: 800 }]] as const;
const THEMES: readonly StoryTheme[] = ['light', 'dark'];
// In the dark theme only colour contrast: the other rules do not depend on colours.
const DARK_RULES = ['color-contrast'];

const stories = listStories();
// One page per theme: two stories in flight keep both cores busy without starving Chromium's renderer.
const pools = new Map(THEMES.map((theme) => [theme, createStoryPagePool({ theme, size: 1 })]));
afterAll(() => Promise.all([...pools.values()].map((pool) => pool.close())));

/** Two frames after a resize: layout, then whatever a ResizeObserver changed. */
const settle = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

/**
 * How far the page scrolls sideways, and the widest elements that stick out past the viewport (to say which
 * part to fix). Elements inside a scroller of their own (a wide table in its box) do not count; dialogs that
 * scroll sideways do.
 */
async function horizontalOverflow(page: Page): Promise<{ scroll: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    const width = document.documentElement.clientWidth;
    const scroll = root.scrollWidth - width;
    const culprits: string[] = [];
    if (scroll > 0) {
      const clipped = (element: Element) => {
        for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
          const { overflowX } = getComputedStyle(parent);
          if (overflowX !== 'visible') return true;
        }
        return false;
      };
      for (const element of document.body.querySelectorAll('*')) {
        const box = element.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0 && !clipped(element)) {
          const name = `${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : ''}`;
          culprits.push(`${name} (right edge ${Math.round(box.right)} px)`);
          if (culprits.length === 5) break;
        }
      }
    }
    // A dialog scrolls inside itself: it must not scroll sideways either (a picker too wide for it did).
    for (const dialog of document.querySelectorAll('[role="dialog"], [role="alertdialog"], [role="dialog"] [class$="__body"]')) {
      if (dialog.scrollWidth > dialog.clientWidth + 1) culprits.push(`${dialog.getAttribute('role') ?? dialog.className} scrolls sideways by ${dialog.scrollWidth - dialog.clientWidth} px`);
    }
    return { scroll, culprits };
  });
}

/** Pictures the page at a phone's size and a laptop's into test-artifacts/stories/. */
async function picture(page: Page, id: string, theme: StoryTheme): Promise<void> {
  for (const [name, viewport] of PICTURED) {
    await page.setViewportSize(viewport);
    await settle(page);
    await page.screenshot({ path: path.join(OUTPUT, `${id}--${name}-${theme}.png`), animations: 'disabled' });
  }
}

const CHECKS: Record<StoryTheme, string> = {
  light: 'renders with zero axe violations and no errors, and never scrolls sideways at 360 px',
  dark: 'has no colour-contrast violations and no errors',
};

describe('every story', () => {
  it('is in the static build', () => {
    expect(stories.length).toBeGreaterThan(0);
  });

  describe.concurrent.each(stories.flatMap((story) => THEMES.map((theme) => ({ ...story, theme }))))('$title / $name ($theme)', ({ id, theme }) => {
    // Soft assertions, so a story failing one check still reports the others, as when each check had a file of its
    // own; with the test's own `expect`, which a concurrent test needs for them.
    it(PICTURES ? `${CHECKS[theme]} (pictured at 390×844 and 1280×800)` : CHECKS[theme], async ({ expect }) => {
      await pools.get(theme)!.withStory(id, async (page) => {
        const violations = await axeViolations(page, theme === 'light' ? {} : { rules: DARK_RULES });
        expect.soft(formatViolations(violations), `axe violations in ${id} (${theme})`).toBe('');
        expect.soft(pageErrorsOf(page), `errors in ${id} (${theme})`).toEqual([]);
        try {
          if (theme === 'light') {
            await page.setViewportSize(NARROWEST);
            await settle(page);
            const overflow = await horizontalOverflow(page);
            expect.soft(overflow, `${id} scrolls sideways at 360 px`).toEqual({ scroll: expect.any(Number), culprits: [] });
            expect.soft(overflow.scroll, `${id} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
          }
          if (PICTURES) await picture(page, id, theme);
        } finally {
          // The pool's next story starts at its usual size.
          await page.setViewportSize(STORY_VIEWPORT);
        }
      });
    });
  });
});
