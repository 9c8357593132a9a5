import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { colourAt, openStory } from './story-page.js';

// Layout promises of ChatPanel that only a real browser can check.
describe('ChatPanel layout', () => {
  it('"Copy" → "Copied" moves no neighbour: Regenerate stays exactly where it was', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--conversation', { viewport: { width: 1280, height: 800 }, test: { onTestFinished } });
    const answer = page.locator('li[data-role="assistant"]').last();
    await answer.hover();
    const regenerate = answer.getByRole('button', { name: 'Regenerate' });
    const before = await regenerate.boundingBox();
    await answer.getByRole('button', { name: 'Copy' }).click();
    // Copied, or "Copy failed" where the page has no clipboard permission: either way the label changed.
    await expect.poll(() => answer.locator('[data-action="copy"]').getAttribute('data-state')).not.toBe('idle');
    expect(await regenerate.boundingBox()).toEqual(before);
  });

  it('on a phone (390×844) the composer is pinned at the bottom, inside the screen, and nothing scrolls sideways', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--long-conversation', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    const composer = await page.getByRole('textbox', { name: 'Message' }).boundingBox();
    expect(composer).not.toBeNull();
    expect(composer!.y + composer!.height).toBeLessThanOrEqual(844);
    expect(composer!.y).toBeGreaterThan(844 / 2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  });

  it('at 360 px wide, code, tables and long words scroll or wrap inside the answer, never the page', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--markdown-showcase', { viewport: { width: 360, height: 740 }, test: { onTestFinished } });
    await page.locator('.ia-table').first().waitFor();
    const overflow = await page.evaluate(() => {
      const log = document.querySelector('.ia-chat-log');
      return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, log: log ? log.scrollWidth - log.clientWidth : -1 };
    });
    expect(overflow).toEqual({ page: 0, log: 0 });
  });

  it('on a phone a table too wide for the column scrolls with one-line rows, not a word per line in its text column', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--markdown-showcase', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    const table = page.locator('.ia-table').first();
    await table.waitFor();
    const { header, rows, scrolls } = await table.evaluate((box) => ({
      header: box.querySelector('thead tr')!.getBoundingClientRect().height,
      rows: [...box.querySelectorAll('tbody tr')].map((row) => row.getBoundingClientRect().height),
      scrolls: box.scrollWidth > box.clientWidth,
    }));
    expect(scrolls).toBe(true);
    expect(rows.length).toBeGreaterThan(0);
    for (const height of rows) expect(height).toBeLessThan(header * 1.25);
  });

  it('in forced-colours mode (Windows high contrast, which drops shadows) a keyboard focus still shows', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--conversation', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.emulateMedia({ forcedColors: 'active' });
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'New chat' });
    await expect.poll(() => button.evaluate((element) => element === document.activeElement)).toBe(true);
    const box = (await button.boundingBox())!;
    const around = { x: box.x - 6, y: box.y - 6, width: box.width + 12, height: box.height + 12 };
    const focused = await page.screenshot({ clip: around, animations: 'disabled' });
    await button.evaluate((element) => element.blur());
    const blurred = await page.screenshot({ clip: around, animations: 'disabled' });
    expect(focused.equals(blurred), 'the focused button looks exactly like the unfocused one').toBe(false);
  });

  it('on a phone a dozen attached files scroll inside the composer, which leaves most of the screen to the conversation', async ({ onTestFinished }) => {
    const viewport = { width: 390, height: 844 };
    const page = await openStory('chatpanel--empty', { viewport, test: { onTestFinished } });
    const files = Array.from({ length: 12 }, (_, index) => ({ name: `report-${index + 1}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') }));
    await page.locator('.ia-chat-composer input[type="file"]').setInputFiles(files);
    const chips = page.locator('.ia-chat-attachment-drafts > li');
    await expect.poll(() => chips.count()).toBe(12);
    const composer = (await page.locator('.ia-chat-composer').boundingBox())!;
    expect(composer.height).toBeLessThan(viewport.height / 3);
    // The last file can still be reached: its remove button scrolls into view.
    const lastRemove = chips.last().getByRole('button');
    await lastRemove.focus();
    expect(await lastRemove.isVisible()).toBe(true);
  });

  it('on a phone a long file name keeps its end and extension in sight, in the message and the composer, and screen readers get it whole', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel-parts--long-file-names', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    const names = page.locator('[data-part="file-name"]');
    // Three in the message, four in the composer (the last, "q3.pdf", is short).
    await expect.poll(() => names.count()).toBe(7);
    const drawn = await names.evaluateAll((elements) =>
      elements.map((name) => {
        const chip = name.closest('li')!.getBoundingClientRect();
        const box = name.getBoundingClientRect();
        return {
          name: name.getAttribute('title') ?? '',
          // The end half is drawn whole (nothing overflows the name's box), and the box lies inside its chip.
          cut: name.scrollWidth > name.clientWidth,
          inChip: box.left >= chip.left && box.right <= chip.right,
          end: parseFloat(getComputedStyle(name, '::after').width),
        };
      }),
    );
    for (const name of drawn) expect(name, name.name).toMatchObject({ cut: false, inChip: true });
    for (const name of drawn) expect(name.end, name.name).toBeGreaterThan(20);
    // The composer's files wrap inside it: nothing scrolls sideways.
    const list = await page.locator('.ia-chat-attachment-drafts').evaluate((element) => element.scrollWidth - element.clientWidth);
    expect(list).toBe(0);
    // Chrome's accessibility tree: every whole name, none of the drawn halves.
    const session = await page.context().newCDPSession(page);
    const { nodes } = (await session.send('Accessibility.getFullAXTree')) as { nodes: Array<{ role?: { value?: string }; name?: { value?: string } }> };
    const texts = nodes.filter((node) => node.role?.value === 'StaticText').map((node) => node.name?.value ?? '');
    expect(texts).toEqual(expect.arrayContaining(drawn.map((name) => name.name)));
    expect(texts.filter((text) => /^(quarterly-report-|final-v\d\.pdf)$/.test(text))).toEqual([]);
  });

  it('on a phone, files just attached come into sight: the reason a file is refused shows without scrolling', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel-parts--composer-attachments', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    const reason = page.locator('.ia-chat-attachment-drafts [data-part="attachment-reason"]');
    await reason.waitFor();
    const [list, box] = await Promise.all([page.locator('.ia-chat-attachment-drafts').boundingBox(), reason.boundingBox()]);
    expect({ top: box!.y >= list!.y, bottom: box!.y + box!.height <= list!.y + list!.height + 0.5 }).toEqual({ top: true, bottom: true });
  });

  it('a right-to-left message reads from the right edge of its bubble, in a page written left to right', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--empty', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.getByRole('textbox', { name: 'Message' }).fill('مرحبا، كيف أضيف الدردشة إلى تطبيقي؟ أريد شرحا مفصلا مع أمثلة');
    await page.keyboard.press('Enter');
    const bubble = page.locator('li[data-role="user"] .ia-chat-content').first();
    await bubble.waitFor();
    const gaps = await bubble.evaluate((content) => {
      const box = content.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(content);
      // The first line: a wrapped text of several direction runs has rectangles per run and line.
      const rects = [...range.getClientRects()];
      const top = Math.min(...rects.map((rect) => rect.top));
      const line = rects.filter((rect) => rect.top < top + 4);
      return { left: Math.min(...line.map((rect) => rect.left)) - box.left, right: box.right - Math.max(...line.map((rect) => rect.right)) };
    });
    // Padding on the right only: the text starts at the bubble's right edge.
    expect(gaps.right).toBeLessThan(20);
    expect(gaps.left).toBeGreaterThan(gaps.right);
  });

  it('on a phone the attach button keeps its square 32 px target beside a budget warning', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--with-budget', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.locator('.ia-chat-budget').waitFor();
    const attach = (await page.getByRole('button', { name: 'Attach files' }).boundingBox())!;
    expect({ width: Math.round(attach.width), height: Math.round(attach.height) }).toEqual({ width: 32, height: 32 });
  });

  it('in a right-to-left page, a code block still reads left to right', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--conversation', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.evaluate(() => {
      document.documentElement.dir = 'rtl';
    });
    const code = page.locator('.ia-code pre').first();
    await code.waitFor();
    const layout = await code.evaluate((pre) => {
      const box = pre.getBoundingClientRect();
      const { paddingLeft } = getComputedStyle(pre);
      // The first line, "import { AiProvider, ChatPanel } from …": it starts at the block's left edge.
      const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      const first = walker.nextNode()!;
      range.setStart(first, 0);
      range.setEnd(first, 1);
      return { direction: getComputedStyle(pre).direction, indent: range.getBoundingClientRect().left - box.left - parseFloat(paddingLeft) };
    });
    expect(layout.direction).toBe('ltr');
    expect(Math.abs(layout.indent)).toBeLessThan(2);
  });

  it('in a right-to-left page, a closed reasoning block or tool call points its chevron to the left, where its text starts', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--message-parts', { viewport: { width: 1280, height: 800 }, test: { onTestFinished } });
    const chevrons = page.locator(".ia-chat-reasoning[data-state='closed'] [data-part='chevron'], .ia-chat-tool-call [aria-expanded='false'] [data-part='chevron']");
    await chevrons.first().waitFor();
    /** Where each closed chevron points once its turn has settled: its right-pointing matrix's first row reads 0, -1. */
    const pointing = () =>
      chevrons.evaluateAll((elements) =>
        elements.map((element) => {
          const [, b] = getComputedStyle(element).transform.match(/matrix\(([^,]+), ([^,]+)/)?.slice(1).map(Number) ?? [];
          return b === -1 ? 'right' : b === 1 ? 'left' : 'down';
        }),
      );
    await expect.poll(pointing).toEqual(expect.arrayContaining(['right']));
    expect(new Set(await pointing())).toEqual(new Set(['right']));
    await page.evaluate(() => {
      document.documentElement.dir = 'rtl';
    });
    await expect.poll(async () => new Set(await pointing())).toEqual(new Set(['left']));
  });

  it('in a right-to-left page the version picker\'s arrows point away from its count, each to its own side', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--conversation', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    const picker = page.getByRole('group', { name: 'Versions' }).last();
    await picker.waitFor();
    /** Each arrow's side of the count and the way it points on screen (its icon, mirrored or not by its transform). */
    const arrows = () =>
      picker.evaluate((group) => {
        const count = group.querySelector('span')!.getBoundingClientRect();
        return [...group.querySelectorAll('button')].map((button) => {
          const icon = button.querySelector('svg')!;
          // The icons: ChevronLeftIcon's path starts at "m15", ChevronRightIcon's at "m9".
          const drawnLeft = icon.querySelector('path')!.getAttribute('d')!.startsWith('m15');
          const mirrored = new DOMMatrix(getComputedStyle(icon).transform === 'none' ? undefined : getComputedStyle(icon).transform).a < 0;
          const box = button.getBoundingClientRect();
          return { side: box.right <= count.left ? 'left' : 'right', points: drawnLeft !== mirrored ? 'left' : 'right' };
        });
      });
    const expected = [
      { side: 'left', points: 'left' },
      { side: 'right', points: 'right' },
    ];
    expect(await arrows()).toEqual(expected);
    await page.evaluate(() => {
      document.documentElement.dir = 'rtl';
    });
    // "Previous" now sits on the right: it points right, and "next" points left.
    await expect.poll(async () => [...(await arrows())].sort((a, b) => a.side.localeCompare(b.side))).toEqual(expected);
  });

  it('in a right-to-left page a file size keeps its number before its unit ("9 B"), in the composer and in a sent message', async ({ onTestFinished }) => {
    /** For each size, whether its number is drawn left of its unit ("9 B") or right of it ("B 9"). */
    const order = (page: Page, selector: string) =>
      page.locator(selector).evaluateAll((elements) =>
        elements.map((element) => {
          const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
          const boxes: Array<{ character: string; left: number }> = [];
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let index = 0; index < node.textContent!.length; index += 1) {
              const range = document.createRange();
              range.setStart(node, index);
              range.setEnd(node, index + 1);
              boxes.push({ character: node.textContent![index]!, left: range.getBoundingClientRect().left });
            }
          }
          const digit = boxes.find((box) => /\d/.test(box.character))!;
          const unit = boxes.findLast((box) => box.character === 'B')!;
          return `${element.textContent}: ${digit.left < unit.left ? 'number first' : 'unit first'}`;
        }),
      );
    const rtl = (page: Page) =>
      page.evaluate(() => {
        document.documentElement.dir = 'rtl';
      });
    const composer = await openStory('chatpanel-parts--composer-attachments', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await rtl(composer);
    const drafts = await order(composer, "[data-part='attachment-drafts'] [data-part='file-size']");
    expect(drafts.length).toBeGreaterThan(1);
    for (const size of drafts) expect(size).toMatch(/: number first$/);
    const sent = await openStory('chatpanel-parts--user-attachments', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await rtl(sent);
    expect(await order(sent, "[data-part='file-meta']")).toEqual(['PDF · 1.2 MB: number first']);
  });

  it('on a phone every answer\'s model info opens inside the screen, also for a button near its left edge', async ({ onTestFinished }) => {
    const viewport = { width: 390, height: 844 };
    const page = await openStory('chatpanel--conversation', { viewport, test: { onTestFinished } });
    const buttons = page.getByRole('button', { name: 'Model info' });
    await expect.poll(() => buttons.count()).toBeGreaterThan(1);
    for (const button of await buttons.all()) {
      await button.scrollIntoViewIfNeeded();
      await button.focus();
      const tooltip = page.getByRole('tooltip');
      await tooltip.waitFor();
      const box = (await tooltip.boundingBox())!;
      expect({ left: box.x >= 0, right: box.x + box.width <= viewport.width }).toEqual({ left: true, right: true });
      await button.blur();
    }
  });

  it('in forced-colours mode a pressed "Good answer" and the user\'s bubble still show', async ({ onTestFinished }) => {
    const page = await openStory('chatpanel--with-feedback', { viewport: { width: 390, height: 844 }, test: { onTestFinished } });
    await page.emulateMedia({ forcedColors: 'active' });
    const good = page.getByRole('button', { name: 'Good answer' }).last();
    const bad = page.getByRole('button', { name: 'Bad answer' }).last();
    await good.click();
    await expect.poll(() => good.getAttribute('aria-pressed')).toBe('true');
    await good.blur();
    await page.mouse.move(0, 0);
    // Just inside each button's corner: the pressed one's background differs from the other's.
    const corner = async (button: typeof good) => {
      const box = (await button.boundingBox())!;
      return colourAt(page, { x: box.x + 4, y: box.y + box.height / 2 });
    };
    expect(await corner(good)).not.toBe(await corner(bad));
    // The bubble's left edge is drawn: it differs from the page a few pixels further left.
    const bubble = (await page.locator('li[data-role="user"] .ia-chat-content').last().boundingBox())!;
    const middle = bubble.y + bubble.height / 2;
    expect(await colourAt(page, { x: bubble.x, y: middle })).not.toBe(await colourAt(page, { x: bubble.x - 4, y: middle }));
  });
});
