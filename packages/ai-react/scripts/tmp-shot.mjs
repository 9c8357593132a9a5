import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureStorybookBuilt, serveStatic, storyUrl, waitForStory, CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../test/browser/storybook-static.mjs';
ensureStorybookBuilt();
const server = await serveStatic();
const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), 'shot-')), { executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
const id = process.argv[2];
for (const [w, h, theme] of [[390, 844, 'dark'], [1280, 800, 'light']]) {
  const page = await browser.newPage();
  await page.setViewportSize({ width: w, height: h });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(storyUrl(server.url, id, theme));
  await waitForStory(page, id);
  await page.waitForTimeout(800);
  await page.screenshot({ path: `/tmp/shot-${w}-${theme}.png` });
  await page.close();
}
await browser.close();
server.close();
