import { expect, it } from 'vitest';
import { hasStory, openStory } from './story-page.js';

// The ChatPanel story that renders the mock gateway's HOSTILE_REPLY (scenario `hostile`).
const STORY = 'chatpanel--hostile-output';

it('renders hostile model output without executing any of it', async () => {
  if (!hasStory(STORY)) {
    throw new Error(`The story "${STORY}" does not exist yet: ChatPanel's stories must export HostileOutput (title "ChatPanel") rendering a reply of the mock gateway's "hostile" scenario.`);
  }
  const page = await openStory(STORY);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });

  // The story may show the reply already, or wait for a message: then ask for it.
  const marker = page.getByText('None of it may execute', { exact: false }).first();
  if (!(await marker.isVisible({ timeout: 3_000 }).catch(() => false))) {
    await page.getByRole('textbox', { name: 'Message' }).fill('Show me something dangerous [mock:hostile]');
    await page.keyboard.press('Enter');
  }
  await expect.poll(() => marker.isVisible(), { timeout: 15_000 }).toBe(true);
  // The end of the reply: the whole answer has streamed in.
  await expect.poll(() => page.getByText('this one is only code, shown as text', { exact: false }).count(), { timeout: 15_000 }).toBeGreaterThan(0);

  // Give anything that would run (an image's onerror, an svg's onload) time to do so, then provoke the rest.
  await page.waitForTimeout(500);
  const linkNamedClick = page.getByRole('link', { name: 'click' });
  for (const link of await linkNamedClick.all()) await link.click({ timeout: 2_000 }).catch(() => undefined);
  await page.mouse.move(200, 200);
  await page.waitForTimeout(300);

  const findings = await page.evaluate(() => {
    const root = document.querySelector('#storybook-root') ?? document.body;
    const all = [...root.querySelectorAll('*'), ...document.querySelectorAll('body > :not(#storybook-root):not(script)')];
    const eventAttributes = all.flatMap((element) => element.getAttributeNames().filter((name) => name.toLowerCase().startsWith('on')).map((name) => `<${element.tagName.toLowerCase()} ${name}>`));
    const dangerousLinks = [...root.querySelectorAll('a[href], area[href]')]
      .map((link) => (link as HTMLAnchorElement).href)
      .filter((href) => /^\s*(javascript|vbscript|data):/i.test(href));
    return {
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      scripts: root.querySelectorAll('script').length,
      frames: root.querySelectorAll('iframe, object, embed').length,
      eventAttributes,
      dangerousLinks,
      stillOnStory: location.pathname.endsWith('/iframe.html'),
    };
  });
  expect(dialogs, 'alert() or another dialog opened').toEqual([]);
  expect(findings).toEqual({ pwned: undefined, scripts: 0, frames: 0, eventAttributes: [], dangerousLinks: [], stillOnStory: true });
});
