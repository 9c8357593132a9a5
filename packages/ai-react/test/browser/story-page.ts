// The API browser tests use to open a story: `openStory(id, { theme })` gives a Playwright Page with the story
// rendered, closed again when the test ends; `axeViolations(page)` runs axe-core on it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, inject, onTestFinished, type TestContext } from 'vitest';
import { storyEntries, storyUrl, waitForStory, type StoryIndexEntry } from './storybook-static.mjs';

export { waitForStory };

export type StoryTheme = 'light' | 'dark';

/** The viewport a story opens at unless asked otherwise. */
export const STORY_VIEWPORT = { width: 1024, height: 768 } as const;

export interface OpenStoryOptions {
  /** The `theme` global (and prefers-color-scheme to match); default: the story's own (`parameters.theme`, else light). */
  theme?: StoryTheme;
  /** Viewport size; default 1024×768. */
  viewport?: { width: number; height: number };
  /** How long rendering may take; default 30 s (a loaded 2-core machine can need it). */
  timeoutMs?: number;
  /** The running test's context: pass it from a concurrent test, so the page closes when that test ends. */
  test?: Pick<TestContext, 'onTestFinished'>;
}

let connection: Promise<Browser> | undefined;

/** The Chromium the global setup started, connected once per test file. */
export function browser(): Promise<Browser> {
  connection ??= chromium.connect(inject('chromiumEndpoint'));
  return connection;
}

afterAll(async () => {
  if (connection) await (await connection).close();
  connection = undefined;
});

const pageErrors = new WeakMap<Page, string[]>();

/** Collects a page's uncaught errors, `console.error` lines and failed requests (with their URL). */
function recordErrors(page: Page): void {
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // The browser's own line for a failed request names no URL: the response listener below does.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
}

/** Uncaught errors, `console.error` lines and failed requests of a page opened here, in order. */
export function pageErrorsOf(page: Page): readonly string[] {
  // A copy: a pooled page's list is emptied for its next story while a failed assertion is still being printed.
  return [...(pageErrors.get(page) ?? [])];
}

/** Every story of the static build (docs pages left out). */
export function listStories(): StoryIndexEntry[] {
  return storyEntries();
}

/** True when the static build has a story with this id. */
export function hasStory(id: string): boolean {
  return listStories().some((entry) => entry.id === id);
}

/**
 * Opens one story alone (iframe.html, no Storybook UI) in a fresh browser context and waits until it rendered;
 * throws with Storybook's error text when the story failed. The context closes when the current test ends.
 *
 * @example
 * const page = await openStory('chatpanel--conversation', { theme: 'dark' });
 * await page.getByRole('textbox', { name: 'Message' }).fill('Hello');
 */
export async function openStory(id: string, options: OpenStoryOptions = {}): Promise<Page> {
  if (!hasStory(id)) throw new Error(`No story "${id}" in storybook-static/index.json (stories: ${listStories().map((entry) => entry.id).join(', ')}).`);
  const context = await (await browser()).newContext({
    viewport: options.viewport ?? STORY_VIEWPORT,
    colorScheme: options.theme ?? 'light',
    reducedMotion: 'reduce',
  });
  (options.test?.onTestFinished ?? onTestFinished)(() => context.close());
  const page = await context.newPage();
  recordErrors(page);
  const timeout = options.timeoutMs ?? 30_000;
  await page.goto(storyUrl(inject('storybookUrl'), id, options.theme), { timeout });
  await waitForStory(page, id, timeout);
  if (!options.theme) await matchColorScheme(page);
  return page;
}

interface PreviewWindow {
  __STORYBOOK_ADDONS_CHANNEL__?: { emit(event: string, payload: unknown): void };
}

/** A story that sets `parameters.theme: 'dark'` gets a dark prefers-color-scheme too, so nested roots agree. */
async function matchColorScheme(page: Page): Promise<void> {
  const theme = await page.evaluate(() => document.documentElement.dataset['storyTheme']);
  await page.emulateMedia({ colorScheme: theme === 'dark' ? 'dark' : 'light' });
}

/**
 * Shows another story in a page already on Storybook's iframe.html, without reloading it (the bundle is parsed
 * once): ten times faster than `openStory` for sweeps over every story. The `theme` global stays as it was.
 *
 * @example
 * await showStory(page, 'modelpicker--open');
 */
export async function showStory(page: Page, id: string, timeoutMs = 30_000): Promise<void> {
  await page.evaluate((storyId) => {
    const channel = (window as unknown as PreviewWindow).__STORYBOOK_ADDONS_CHANNEL__;
    if (!channel) throw new Error('Not a Storybook preview page.');
    channel.emit('setCurrentStory', { storyId, viewMode: 'story' });
  }, id);
  await waitForStory(page, id, timeoutMs);
  await matchColorScheme(page);
}

/** Pages kept on iframe.html for `showStory`, handed out one test at a time. */
export interface StoryPagePool {
  /** Runs `use` with a free page showing story `id` (waits for one when all are busy). */
  withStory<T>(id: string, use: (page: Page) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A pool of `size` pages in one theme for sweeps over many stories: each page loads Storybook once, then
 * switches stories in place. A page whose story failed is reloaded before it is used again.
 *
 * @example
 * const pool = createStoryPagePool({ theme: 'dark', size: 2 });
 * await pool.withStory('chatpanel--empty', async (page) => expect(await axeViolations(page)).toEqual([]));
 */
export function createStoryPagePool({ theme, size = 2 }: { theme: StoryTheme; size?: number }): StoryPagePool {
  const idle: Page[] = [];
  const waiting: Array<(page: Page) => void> = [];
  const contexts: Array<{ close(): Promise<void> }> = [];
  let created = 0;
  const acquire = async (): Promise<{ page: Page; fresh: boolean }> => {
    const page = idle.pop();
    if (page) return { page, fresh: false };
    if (created < size) {
      created += 1;
      const context = await (await browser()).newContext({ viewport: STORY_VIEWPORT, colorScheme: theme, reducedMotion: 'reduce' });
      contexts.push(context);
      const fresh = await context.newPage();
      recordErrors(fresh);
      return { page: fresh, fresh: true };
    }
    return { page: await new Promise<Page>((resolve) => waiting.push(resolve)), fresh: false };
  };
  const release = (page: Page) => {
    const next = waiting.shift();
    if (next) next(page);
    else idle.push(page);
  };
  return {
    async withStory(id, use) {
      const { page, fresh } = await acquire();
      let healthy = true;
      try {
        pageErrors.get(page)?.splice(0);
        const broken = !fresh && (await page.evaluate(() => document.body.classList.contains('sb-show-errordisplay')).catch(() => true));
        if (fresh || broken) {
          await page.goto(storyUrl(inject('storybookUrl'), id, theme), { timeout: 30_000 });
          await waitForStory(page, id, 30_000);
          await matchColorScheme(page);
        } else {
          await showStory(page, id);
        }
        return await use(page);
      } catch (error) {
        healthy = false;
        throw error;
      } finally {
        // A page left in an unknown state is reloaded by its next user.
        if (!healthy) await page.evaluate(() => document.body.classList.add('sb-show-errordisplay')).catch(() => undefined);
        release(page);
      }
    },
    async close() {
      await Promise.all(contexts.map((context) => context.close()));
    },
  };
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; failureSummary?: string | undefined; html: string }>;
}

export interface AxeOptions {
  /** Only these rules (e.g. `['color-contrast']` for a second theme: the other rules do not depend on colours). */
  rules?: readonly string[];
}

/**
 * Runs axe-core (WCAG 2.1 A/AA and best practices) on the page, story and portals alike, and returns the violations.
 *
 * @example
 * expect(formatViolations(await axeViolations(page))).toBe('');
 */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async (only) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    // The whole document: dialogs and popovers render into portals outside the story root.
    const result = await axe.run(document, {
      runOnly: only ? { type: 'rule', values: only } : { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      // Page-level rules judge Storybook's iframe.html, not the component under test.
      rules: only ? {} : { 'page-has-heading-one': { enabled: false }, 'landmark-one-main': { enabled: false }, region: { enabled: false } },
      // Passes and incomplete results are not read: collecting them is most of axe's time on a long page.
      resultTypes: ['violations'],
    });
    return result.violations.map(({ id, impact, help, helpUrl, nodes }) => ({ id, impact, help, helpUrl, nodes: nodes.map(({ target, failureSummary, html }) => ({ target, failureSummary, html })) }));
  }, options.rules ? [...options.rules] : null);
}

/** Violations as readable lines ('' when there are none): rule, impact, help, then each element and why. */
export function formatViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((violation) => {
      const nodes = violation.nodes.map((node) => `    - ${node.target.join(' ')}: ${node.html.slice(0, 160)}\n      ${(node.failureSummary ?? '').replace(/\n/g, '\n      ')}`);
      return `${violation.id} (${violation.impact ?? 'n/a'}): ${violation.help}\n  ${violation.helpUrl}\n${nodes.join('\n')}`;
    })
    .join('\n\n');
}

/**
 * The colour drawn at a point of the page ("r,g,b,a"), read from a screenshot: what forced colours actually paint,
 * which computed styles do not show.
 *
 * @example
 * expect(await colourAt(page, { x: 10, y: 10 })).not.toBe('255,255,255,255');
 */
export async function colourAt(page: Page, point: { x: number; y: number }): Promise<string> {
  const shot = await page.screenshot({ clip: { x: Math.round(point.x), y: Math.round(point.y), width: 1, height: 1 }, animations: 'disabled' });
  return page.evaluate(async (png) => {
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const context = document.createElement('canvas').getContext('2d')!;
    context.drawImage(image, 0, 0);
    return [...context.getImageData(0, 0, 1, 1).data].join(',');
  }, shot.toString('base64'));
}
