#!/usr/bin/env node
// `npm run screenshots`: the README's pictures of ChatPanel, ThreadList, ImageGenerator, ModelPicker, SettingsDialog
// and the usage panel, in light and dark, on a laptop and (for the main ones) a phone, taken from the static
// Storybook in the machine's Chromium and written to docs/screenshots/.
// A story that does not exist yet is skipped with a message. `--force-build` rebuilds Storybook first; `--only=`
// takes a comma-separated list of file-name prefixes.
/* global document, requestAnimationFrame -- the waitForFunction and evaluate callbacks run in the page */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  CHROMIUM_EXECUTABLE,
  ensureStorybookBuilt,
  REPO_ROOT,
  serveStatic,
  storyEntries,
  storyUrl,
  waitForStory,
} from '../test/browser/storybook-static.mjs';

/** The stories pictured (ids by convention: `<component>--<story>`), the file names, and a frame that fits them. */
const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SHOTS = [
  { id: 'chatpanel--conversation', file: 'chat-panel', viewport: LAPTOP },
  { id: 'chatpanel--conversation', file: 'chat-panel-phone', viewport: PHONE },
  { id: 'chatpanel--empty', file: 'chat-panel-empty', viewport: LAPTOP },
  { id: 'chatpanel--message-parts', file: 'chat-panel-parts', viewport: LAPTOP },
  { id: 'chatpanel--message-parts', file: 'chat-panel-parts-phone', viewport: PHONE },
  { id: 'chatpanel-parts--reasoning-and-tools', file: 'chat-panel-tools', viewport: LAPTOP },
  { id: 'chatpanel-parts--reasoning-and-tools', file: 'chat-panel-tools-phone', viewport: PHONE },
  { id: 'chatpanel-parts--web-search', file: 'chat-panel-sources', viewport: LAPTOP },
  { id: 'chatpanel-parts--web-search', file: 'chat-panel-sources-phone', viewport: PHONE },
  { id: 'chatpanel-parts--user-attachments', file: 'chat-panel-attachments', viewport: LAPTOP },
  { id: 'chatpanel-parts--user-attachments', file: 'chat-panel-attachments-phone', viewport: PHONE },
  { id: 'chatpanel-parts--generated-image', file: 'chat-panel-image', viewport: LAPTOP },
  { id: 'chatpanel-parts--generated-image-open', file: 'chat-panel-image-lightbox', viewport: LAPTOP },
  { id: 'chatpanel-parts--composer-attachments', file: 'chat-panel-composer-files', viewport: LAPTOP },
  { id: 'chatpanel-parts--composer-attachments', file: 'chat-panel-composer-files-phone', viewport: PHONE },
  { id: 'threadlist--with-chat', file: 'thread-list', viewport: LAPTOP },
  { id: 'imagegenerator--gallery', file: 'image-generator', viewport: LAPTOP },
  { id: 'imagegenerator--gallery', file: 'image-generator-phone', viewport: PHONE },
  { id: 'imagegenerator--lightbox', file: 'image-lightbox', viewport: LAPTOP },
  { id: 'modelpicker--open', file: 'model-picker', viewport: LAPTOP },
  { id: 'settingsdialog--open', file: 'settings-dialog', viewport: LAPTOP },
  { id: 'settingsdialog--open', file: 'settings-dialog-phone', viewport: PHONE },
  { id: 'settingsdialog--extensions', file: 'settings-dialog-extensions', viewport: LAPTOP },
  { id: 'settingsdialog--extensions', file: 'settings-dialog-extensions-phone', viewport: PHONE },
  { id: 'settingsdialog--extensions-text-only-model', file: 'settings-dialog-extensions-text-only', viewport: LAPTOP },
  { id: 'settingsdialog--extensions-text-only-model', file: 'settings-dialog-extensions-text-only-phone', viewport: PHONE },
  { id: 'settingsdialog--extensions-provider-preferences', file: 'settings-dialog-extensions-provider', viewport: LAPTOP },
  { id: 'settingsdialog--extensions-provider-preferences', file: 'settings-dialog-extensions-provider-phone', viewport: PHONE },
  { id: 'chatpanel--with-budget', file: 'chat-panel-budget', viewport: LAPTOP },
  { id: 'chatpanel--with-budget', file: 'chat-panel-budget-phone', viewport: PHONE },
  { id: 'primitives-composerbudget--states', file: 'composer-budget', viewport: LAPTOP },
  { id: 'primitives-composerbudget--states', file: 'composer-budget-phone', viewport: PHONE },
  { id: 'primitives-composerbudget--near-the-cap', file: 'composer-budget-blocked', viewport: LAPTOP },
  { id: 'primitives-composerbudget--near-the-cap', file: 'composer-budget-blocked-phone', viewport: PHONE },
  { id: 'usagepanel--last-month', file: 'usage-panel', viewport: LAPTOP },
  { id: 'usagepanel--last-month', file: 'usage-panel-phone', viewport: PHONE },
];
const THEMES = ['light', 'dark'];
const OUTPUT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');

const build = ensureStorybookBuilt({ force: process.argv.includes('--force-build'), quiet: false });
console.log(build.built ? `storybook-static built in ${(build.ms / 1000).toFixed(1)} s` : 'storybook-static is up to date');
const available = new Set(storyEntries().map((entry) => entry.id));
// `--only=chat-panel-tools,chat-panel-image`: just the pictures whose file names start with one of these.
const only = process.argv.find((argument) => argument.startsWith('--only='))?.slice('--only='.length).split(',');
const chosen = SHOTS.filter((shot) => only === undefined || only.some((prefix) => shot.file.startsWith(prefix)));
const wanted = chosen.filter((shot) => {
  if (available.has(shot.id)) return true;
  console.log(`skipped ${shot.id}: no such story yet`);
  return false;
});

mkdirSync(OUTPUT_DIR, { recursive: true });
const server = await serveStatic();
const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
let failures = 0;
try {
  for (const shot of wanted) {
    for (const theme of THEMES) {
      // One retry: on a loaded machine a first page load can miss its deadline.
      const ok = (await takeShot(shot, theme)) || (await takeShot(shot, theme));
      if (!ok) failures += 1;
    }
  }
} finally {
  await browser.close();
  await server.close();
}

/** Renders one story in one theme to its PNG; false (with the reason printed) when it could not. */
async function takeShot(shot, theme) {
  const context = await browser.newContext({ viewport: shot.viewport, colorScheme: theme, reducedMotion: 'reduce', deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.goto(storyUrl(server.url, shot.id, theme), { timeout: 30_000 });
    await waitForStory(page, shot.id, 30_000);
    // A streaming answer or a loading catalog settles first: nothing busy, then two quiet frames.
    await page
      .waitForFunction(() => document.querySelectorAll('[aria-busy="true"], [data-status="streaming"], [data-state="loading"]').length === 0, null, { timeout: 15_000 })
      .catch(() => console.log(`  ${shot.id} (${theme}) still busy after 15 s; pictured as it is`));
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const file = path.join(OUTPUT_DIR, `${shot.file}-${theme}.png`);
    await page.screenshot({ path: file, animations: 'disabled' });
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
    return true;
  } catch (error) {
    console.error(`failed ${shot.id} (${theme}): ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    await context.close();
  }
}

console.log(`${wanted.length * THEMES.length - failures} screenshots written, ${chosen.length - wanted.length} stories skipped, ${failures} failed.`);
if (failures > 0) process.exitCode = 1;
