import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openStory } from '../../test/browser/story-page.js';

/** Where a name wraps to a new line other than after a slash or a space: "anthropic/claude-son|net-4". */
function midWordBreaks(names: Locator): Promise<string[]> {
  return names.evaluateAll((elements) =>
    elements.flatMap((element) => {
      const range = document.createRange();
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      let text = '';
      const breaks: number[] = [];
      let lastTop: number | undefined;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let index = 0; index < (node.textContent?.length ?? 0); index += 1) {
          range.setStart(node, index);
          range.setEnd(node, index + 1);
          const top = range.getBoundingClientRect().top;
          if (lastTop !== undefined && top > lastTop + 2) breaks.push(text.length);
          lastTop = top;
          text += node.textContent![index];
        }
      }
      return breaks.filter((at) => !['/', ' '].includes(text[at - 1] ?? '')).map((at) => `${text} (after "${text.slice(0, at)}")`);
    }),
  );
}

// What only a real browser lays out: chart text at its real size, the tables' columns and their cards.
describe('UsagePanel layout', () => {
  it('on a phone, every chart label is at least 12 px and each usage table is a list of cards, nothing to scroll', async ({ onTestFinished }) => {
    const page = await openStory('usagepanel--last-month', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.locator('.ia-usage__breakdown .ia-usage__table').first().waitFor();
    // The size as drawn (a chart scaled down to the screen shrinks its text with it), not as declared.
    const sizes = await page.locator('.ia-usage-chart :is(.ia-usage-chart__label, .ia-usage-chart__value, .ia-usage-chart__max, .ia-usage-chart__axis span)').evaluateAll((texts) =>
      texts.map((text) => Math.min(parseFloat(getComputedStyle(text).fontSize), text.getBoundingClientRect().height)),
    );
    expect(sizes.length).toBeGreaterThan(5);
    expect(sizes.filter((size) => size < 12)).toEqual([]);
    expect(await midWordBreaks(page.locator('.ia-usage-chart__label, .ia-usage__breakdown .ia-usage__table th[scope="row"]'))).toEqual([]);
    const tables = await page.locator('.ia-usage__breakdown .ia-usage__table').evaluateAll((elements) =>
      elements.map((table) => ({
        rows: getComputedStyle(table.querySelector('tbody tr')!).display,
        header: table.querySelector('thead')!.getBoundingClientRect().height <= 1,
        overflow: table.parentElement!.scrollWidth - table.parentElement!.clientWidth,
        labelled: [...table.querySelectorAll('tbody td')].every((cell) => cell.getAttribute('data-label')),
      })),
    );
    expect(tables).toEqual([
      { rows: 'grid', header: true, overflow: 0, labelled: true },
      { rows: 'grid', header: true, overflow: 0, labelled: true },
    ]);
  });

  it('at 1280 px the tables show every column, Median latency included, and model names break only after their slash', async ({ onTestFinished }) => {
    const page = await openStory('usagepanel--last-month', { viewport: { width: 1280, height: 800 }, test: { onTestFinished } });
    const byModel = page.getByRole('table', { name: 'Cost by model' });
    await byModel.waitFor();
    const latency = byModel.getByRole('columnheader', { name: 'Median latency' });
    const box = await latency.boundingBox();
    const scroller = await byModel.evaluate((table) => {
      const parent = table.parentElement!;
      return { overflow: parent.scrollWidth - parent.clientWidth, right: parent.getBoundingClientRect().right };
    });
    expect(scroller.overflow).toBe(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(scroller.right + 0.5);
    expect(await midWordBreaks(byModel.locator('th[scope="row"]'))).toEqual([]);
  });

  it('at 1280 px the Period and Chart controls have their labels above them, on one line, like a form row', async ({ onTestFinished }) => {
    const page = await openStory('usagepanel--last-month', { viewport: { width: 1280, height: 800 }, test: { onTestFinished } });
    await page.locator('.ia-usage__totals').waitFor();
    const boxes = await page.evaluate(() => {
      const period = document.querySelector('.ia-usage__header label')!;
      const range = document.createRange();
      range.selectNodeContents(period.firstChild!);
      const box = (element: Element | Range) => {
        const { top, bottom } = element.getBoundingClientRect();
        return { top, bottom };
      };
      return { periodText: box(range), select: box(period.querySelector('select')!), chartText: box(document.querySelector('.ia-segmented__label')!), track: box(document.querySelector('.ia-segmented__track')!) };
    });
    expect(Math.abs(boxes.periodText.top - boxes.chartText.top)).toBeLessThan(4);
    expect(boxes.periodText.bottom).toBeLessThanOrEqual(boxes.select.top);
    expect(Math.abs(boxes.select.bottom - boxes.track.bottom)).toBeLessThan(4);
  });
});
