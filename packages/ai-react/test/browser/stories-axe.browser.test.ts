import { afterAll, describe, expect, it } from 'vitest';
import { axeViolations, createStoryPagePool, formatViolations, listStories, pageErrorsOf, type StoryTheme } from './story-page.js';

const stories = listStories();
// Every rule in the light theme; in the dark one only colour contrast, the one rule a theme can change.
const RUNS: ReadonlyArray<{ theme: StoryTheme; rules?: readonly string[] }> = [{ theme: 'light' }, { theme: 'dark', rules: ['color-contrast'] }];
// One page per theme: two stories in flight keep both cores busy without starving Chromium's renderer.
const pools = new Map(RUNS.map(({ theme }) => [theme, createStoryPagePool({ theme, size: 1 })]));
afterAll(() => Promise.all([...pools.values()].map((pool) => pool.close())));

describe('every story', () => {
  it('is in the static build', () => {
    expect(stories.length).toBeGreaterThan(0);
  });

  describe.concurrent.each(stories.flatMap((story) => RUNS.map((run) => ({ ...story, ...run }))))('$title / $name ($theme)', ({ id, theme, rules }) => {
    it(rules ? 'has no colour-contrast violations and no errors' : 'renders with zero axe violations and no errors', async () => {
      await pools.get(theme)!.withStory(id, async (page) => {
        const violations = await axeViolations(page, rules ? { rules } : {});
        expect(formatViolations(violations), `axe violations in ${id} (${theme})`).toBe('');
        expect(pageErrorsOf(page), `errors in ${id} (${theme})`).toEqual([]);
      });
    });
  });
});
