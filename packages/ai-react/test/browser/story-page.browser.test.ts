import { expect, it } from 'vitest';
import { axeViolations, createStoryPagePool, openStory, pageErrorsOf, showStory } from './story-page.js';

const TOKENS = 'primitives-airoot--design-tokens';
const TOKENS_DARK = 'primitives-airoot--design-tokens-dark';

const rootTheme = (page: Awaited<ReturnType<typeof openStory>>) =>
  page.evaluate(() => [...document.querySelectorAll('[data-insforge-ai]')].map((element) => element.getAttribute('data-theme')));

it('opens a story in the theme asked for, on the decorator root and the component root alike', async () => {
  const page = await openStory(TOKENS, { theme: 'dark' });
  expect(await rootTheme(page)).toEqual(['dark', 'dark']);
  expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
  expect(pageErrorsOf(page)).toEqual([]);
});

it("follows a story's parameters.theme when no theme is asked for, and the light default otherwise", async () => {
  const page = await openStory(TOKENS_DARK);
  expect(await rootTheme(page)).toEqual(['dark', 'dark']);
  expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true);
  await showStory(page, TOKENS);
  expect(await rootTheme(page)).toEqual(['light', 'light']);
  expect(await axeViolations(page)).toEqual([]);
});

it('names the stories there are when asked for one that does not exist', async () => {
  await expect(openStory('nope--missing')).rejects.toThrow(/No story "nope--missing".*primitives-airoot--design-tokens/);
});

it('keeps a pool page in its theme while it switches stories in place', async () => {
  const pool = createStoryPagePool({ theme: 'dark', size: 1 });
  try {
    for (const [index, id] of [TOKENS, TOKENS_DARK, TOKENS].entries()) {
      await pool.withStory(id, async (page) => {
        // A mark left on the window survives only if the page was not reloaded.
        expect(await page.evaluate((first) => (first ? ((window as unknown as { mark: number }).mark = 1) : (window as unknown as { mark?: number }).mark), index === 0)).toBe(1);
        expect(await page.evaluate(() => document.querySelector('#storybook-root [data-insforge-ai] [data-insforge-ai] caption')?.textContent)).toBe('Colour tokens of the current theme');
        expect(await rootTheme(page)).toEqual(['dark', 'dark']);
      });
    }
  } finally {
    await pool.close();
  }
});
