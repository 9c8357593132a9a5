// Once per `vitest run` of the ai-react-browser project: Storybook built (if its sources changed), served on
// 127.0.0.1, and one Chromium started that every test file connects to (launching one per file costs seconds).
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE, ensureStorybookBuilt, serveStatic } from './storybook-static.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the static Storybook is served, e.g. `http://127.0.0.1:41234`. */
    storybookUrl: string;
    /** The Chromium server's WebSocket endpoint, for `chromium.connect`. */
    chromiumEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const build = ensureStorybookBuilt({ force: process.env['STORYBOOK_REBUILD'] === '1' });
  console.log(build.built ? `storybook-static built in ${(build.ms / 1000).toFixed(1)} s` : 'storybook-static is up to date');
  const server = await serveStatic();
  // Playwright gives the browser a fresh temporary profile (--user-data-dir) of its own and removes it on close.
  const browser = await chromium.launchServer({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
  project.provide('storybookUrl', server.url);
  project.provide('chromiumEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    await server.close();
  };
}
