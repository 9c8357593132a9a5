// Every story at a phone's size and a laptop's, in light and dark: a screenshot of each into
// test-artifacts/stories/ (git-ignored) to look at, and a failure when the page scrolls sideways at 360 px, the
// narrowest phone we support. One page per theme, switching stories in place, so the sweep stays short. The pictures
// are for people: with CI=true only the 360 px check runs (two thirds of this file's time went to 760 screenshots
// nobody opens there), unless STORY_SCREENSHOTS=1.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './storybook-static.mjs';
import { createStoryPagePool, listStories, type StoryTheme } from './story-page.js';

const OUTPUT = path.join(REPO_ROOT, 'test-artifacts', 'stories');
mkdirSync(OUTPUT, { recursive: true });

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
const NARROWEST = { width: 360, height: 740 };
const PICTURES = process.env['STORY_SCREENSHOTS'] === '1' || process.env['CI'] !== 'true';
// Layout does not depend on the theme, so without pictures the light theme alone is checked.
const THEMES: readonly StoryTheme[] = PICTURES ? ['light', 'dark'] : ['light'];

const stories = listStories();
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

describe('every story, phone and laptop', () => {
  describe.concurrent.each(stories.flatMap((story) => THEMES.map((theme) => ({ ...story, theme }))))('$title / $name ($theme)', ({ id, theme }) => {
    it(PICTURES ? 'never scrolls sideways at 360 px, and is pictured at 390×844 and 1280×800' : 'never scrolls sideways at 360 px', async () => {
      await pools.get(theme)!.withStory(id, async (page) => {
        try {
          // The narrowest width only in light: layout does not depend on the theme.
          if (theme === 'light') {
            await page.setViewportSize(NARROWEST);
            await settle(page);
            const overflow = await horizontalOverflow(page);
            expect(overflow, `${id} scrolls sideways at 360 px`).toEqual({ scroll: expect.any(Number), culprits: [] });
            expect(overflow.scroll, `${id} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
          }
          for (const [name, viewport] of PICTURES ? ([['phone', PHONE], ['laptop', LAPTOP]] as const) : []) {
            await page.setViewportSize(viewport);
            await settle(page);
            await page.screenshot({ path: path.join(OUTPUT, `${id}--${name}-${theme}.png`), animations: 'disabled' });
          }
        } finally {
          // The pool's next story starts at its usual size.
          await page.setViewportSize({ width: 1024, height: 768 });
        }
      });
    });
  });
});
