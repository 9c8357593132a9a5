/**
 * ChatPanel in Chromium (issue 9, item 4), against a fresh process of our gateway and the bench's emulator:
 * React commits per streamed token, at a fast and at a human pace, the latency of each keystroke while typing
 * in a 1,000-message conversation, and while typing searches into a ModelPicker over the gateway's whole catalog. The page (bench/chromium-page.tsx) is bundled with esbuild using React's
 * profiling build and served on the gateway's own origin (Playwright answers its two URLs), so the panel calls the
 * gateway as an app on that origin would.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ChatBenchConfig, StreamProbe, TypingProbe } from './chromium-page.js';
import { repoRoot, sleep } from './child-process.js';
import { percentile } from './load.js';
import { ADMIN_HEADERS, startOurGateway, type BenchWorkspace, type Emulator } from './targets.js';
import { composeStylesheet } from '../packages/ai-react/scripts/stylesheet.mjs';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../scripts/chromium.mjs';

const VIEWPORT = { width: 1280, height: 800 };
/** ChatMessageList's default `pageSize`: how many of the latest messages a conversation opens with. */
export const SHOWN_MESSAGES = 60;
const TYPED_TEXT = 'Could you sum up what we decided about caching, and list the open questions for the review on Friday?';

export interface ChromiumPlan {
  /** Streamed answers: pace, length, and how many of them. */
  streams: Array<{ tokensPerSecond: number; tokens: number; runs: number }>;
  /** Messages in the conversation typed into. */
  conversationMessages: number;
  typedCharacters: number;
  /** Delay between keystrokes (Playwright's `keyboard.type`). */
  keystrokeDelayMs: number;
  /** Searches typed into the ModelPicker, each cleared before the next (Ctrl+A, Backspace). */
  pickerSearches: string[];
}

export interface StreamFigures {
  tokensPerSecond: number;
  /** Tokens per answer, as the emulator was told (its count of the text it sends can differ by a few). */
  tokens: number;
  runs: number;
  /** Sums over the finished runs: commits, content deltas received (one per token), animation frames, time. */
  commits: number;
  /** Commits of updates scheduled during a commit (layout effects setting state), included in `commits`. */
  nestedUpdates: number;
  streamedTokens: number;
  frames: number;
  durationMs: number;
  commitsPerToken: number;
  /** Answers that did not finish (the figures above count only finished ones). */
  failed: number;
}

/** Keystroke to paint while typing, over one page's keystrokes. */
export interface KeystrokeFigures {
  keystrokes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  commitsPerKeystroke: number;
  /** Keystrokes (interactions) with an Event Timing entry of 16 ms or more, and the longest entry. */
  slowInteractions: number;
  longestEventMs: number;
}

export interface TypingFigures extends KeystrokeFigures {
  messages: number;
  shownMessages: number;
  /** From the page script's start to the first commit of the panel painted. */
  mountMs: number;
  keystrokeDelayMs: number;
}

/** Typing searches into the ModelPicker: keystroke-to-paint latency over the whole catalog. */
export interface PickerFigures extends KeystrokeFigures {
  models: number;
  searches: string[];
}

export type ChromiumResult = { version: string; streams: StreamFigures[]; typing: TypingFigures; picker?: PickerFigures } | { skipped: string };

/** The emulator rule each stream's message carries, e.g. `[bench-chromium-tps1000-tokens500]`. */
const markerOf = (stream: { tokensPerSecond: number; tokens: number }) => `[bench-chromium-tps${stream.tokensPerSecond}-tokens${stream.tokens}]`;

/**
 * Measures ChatPanel in Chromium against a fresh gateway process; `{ skipped }` when there is no Chromium to run.
 * @example
 * const figures = await measureChromium(workspace, emulator, { streams: [{ tokensPerSecond: 1_000, tokens: 500, runs: 3 }], conversationMessages: 1_000, typedCharacters: 100, keystrokeDelayMs: 80 });
 */
export async function measureChromium(workspace: BenchWorkspace, emulator: Emulator, plan: ChromiumPlan): Promise<ChromiumResult> {
  if (!existsSync(CHROMIUM_EXECUTABLE)) return { skipped: `no Chromium at ${CHROMIUM_EXECUTABLE} (set CHROMIUM_PATH to measure ChatPanel)` };
  const script = await bundlePage();
  const stylesheet = composeStylesheet().css;
  for (const stream of plan.streams) await addEmulatorRule(emulator, markerOf(stream), `tps=${stream.tokensPerSecond};tokens=${stream.tokens}`);
  const gateway = await startOurGateway(workspace, emulator);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(mkdtempSync(path.join(workspace.directory, 'chromium-profile-')), {
      executablePath: CHROMIUM_EXECUTABLE,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: VIEWPORT,
    });
    const { origin } = new URL(gateway.address.baseUrl);
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ChatPanel benchmark</title><style>body{margin:0}</style><style>${stylesheet}</style></head><body><div id="root"></div><script type="module" src="/bench/chat-panel.js"></script></body></html>`;
    await context.route(`${origin}/bench/**`, (route) => {
      const isScript = route.request().url().endsWith('.js');
      return route.fulfill({ status: 200, contentType: isScript ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8', body: isScript ? script : html });
    });
    const baseUrl = gateway.address.baseUrl.replace(/\/v1$/, '');
    const pageConfig = (messages: number): ChatBenchConfig => ({ baseUrl, headers: gateway.address.headers, messages });

    const streams: StreamFigures[] = [];
    const streamPage = await openPage(context, `${origin}/bench/chat-panel.html`, pageConfig(0));
    for (const stream of plan.streams) streams.push(await measureStreams(streamPage, stream));
    await streamPage.close();

    const typingPage = await openPage(context, `${origin}/bench/chat-panel.html`, pageConfig(plan.conversationMessages));
    const typing = await measureTyping(typingPage, plan);
    // The user agent string says only the major version; the DevTools protocol has the full one.
    const { product } = await (await context.newCDPSession(typingPage)).send('Browser.getVersion');
    await typingPage.close();

    const pickerPage = await openPage(context, `${origin}/bench/chat-panel.html`, { baseUrl, headers: { ...ADMIN_HEADERS }, messages: 0, view: 'models' });
    const picker = await measurePicker(pickerPage, plan);
    return { version: product.replace(/^(Headless)?Chrome\//, ''), streams, typing, picker };
  } finally {
    await context?.close();
    await gateway.child.stop();
  }
}

/** Opens the page with its configuration and waits for the panel's first paint; page errors fail the measurement. */
async function openPage(context: BrowserContext, url: string, config: ChatBenchConfig): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.addInitScript((value) => (window.chatBenchConfig = value), config);
  await page.goto(url);
  try {
    await withTimeout(page.evaluate(() => window.chatBench.mounted), 30_000, 'the ChatPanel page to mount');
  } catch (error) {
    throw new Error(`${(error as Error).message}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`, { cause: error });
  }
  return page;
}

async function measureStreams(page: Page, stream: ChromiumPlan['streams'][number]): Promise<StreamFigures> {
  const figures: StreamFigures = { tokensPerSecond: stream.tokensPerSecond, tokens: stream.tokens, runs: stream.runs, commits: 0, nestedUpdates: 0, streamedTokens: 0, frames: 0, durationMs: 0, commitsPerToken: NaN, failed: 0 };
  const composer = page.getByRole('textbox', { name: 'Message' });
  for (let run = 0; run < stream.runs; run += 1) {
    await composer.fill(`Tell me about gateways ${markerOf(stream)}`);
    await page.evaluate(() => window.chatBench.startStream());
    await composer.press('Enter');
    const expectedMs = 10_000 + (stream.tokens / stream.tokensPerSecond) * 1000 * 3;
    const probe: StreamProbe = await withTimeout(page.evaluate(() => window.chatBench.streamDone()), expectedMs, `an answer of ${stream.tokens} tokens at ${stream.tokensPerSecond} tokens/s`);
    if (probe.status !== 'done' || probe.deltas === 0) {
      figures.failed += 1;
      continue;
    }
    figures.commits += probe.commits;
    figures.nestedUpdates += probe.nestedUpdates;
    figures.streamedTokens += probe.deltas;
    figures.frames += probe.frames;
    figures.durationMs += probe.durationMs;
  }
  figures.commitsPerToken = figures.streamedTokens > 0 ? figures.commits / figures.streamedTokens : NaN;
  return figures;
}

async function measureTyping(page: Page, plan: ChromiumPlan): Promise<TypingFigures> {
  const { mountMs } = await page.evaluate(() => window.chatBench.mounted);
  const composer = page.getByRole('textbox', { name: 'Message' });
  await composer.click();
  await page.evaluate(() => window.chatBench.startTyping());
  await page.keyboard.type(TYPED_TEXT.repeat(Math.ceil(plan.typedCharacters / TYPED_TEXT.length)).slice(0, plan.typedCharacters), { delay: plan.keystrokeDelayMs });
  return {
    messages: plan.conversationMessages,
    shownMessages: Math.min(SHOWN_MESSAGES, plan.conversationMessages),
    mountMs,
    keystrokeDelayMs: plan.keystrokeDelayMs,
    ...(await keystrokeFigures(page)),
  };
}

async function measurePicker(page: Page, plan: ChromiumPlan): Promise<PickerFigures> {
  const models = await page.evaluate(() => window.chatBench.models());
  await page.getByRole('combobox', { name: 'Model' }).click();
  await page.evaluate(() => window.chatBench.startTyping());
  for (const search of plan.pickerSearches) {
    await page.keyboard.type(search, { delay: plan.keystrokeDelayMs });
    await page.keyboard.press('Control+A', { delay: plan.keystrokeDelayMs });
    await page.keyboard.press('Backspace', { delay: plan.keystrokeDelayMs });
  }
  return { models, searches: plan.pickerSearches, ...(await keystrokeFigures(page)) };
}

/** Stops the page's typing probe once the last keystroke has painted, and sums it up. */
async function keystrokeFigures(page: Page): Promise<KeystrokeFigures> {
  // The last keystroke's paint, and Event Timing entries (delivered after it).
  await sleep(250);
  const probe: TypingProbe = await page.evaluate(() => window.chatBench.stopTyping());
  const slowInteractions = new Set(probe.slowEvents.map((entry) => entry.interactionId).filter((id) => id > 0));
  return {
    keystrokes: probe.keystrokes,
    p50Ms: percentile(probe.latenciesMs, 50),
    p95Ms: percentile(probe.latenciesMs, 95),
    maxMs: Math.max(...probe.latenciesMs),
    commitsPerKeystroke: probe.commits / Math.max(1, probe.keystrokes),
    slowInteractions: slowInteractions.size,
    longestEventMs: Math.max(0, ...probe.slowEvents.map((entry) => entry.durationMs)),
  };
}

/** The page script: minified, production React with its profiling build (`<Profiler>` reports, nothing else differs). */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(repoRoot, 'bench', 'chromium-page.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: { 'react-dom/client': 'react-dom/profiling' },
    // The page imports React as the package does; the bench folder has no node_modules of its own.
    nodePaths: [path.join(repoRoot, 'packages', 'ai-react', 'node_modules')],
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild wrote no page script');
  return output.text;
}

async function addEmulatorRule(emulator: Emulator, marker: string, scenario: string): Promise<void> {
  const response = await fetch(`${emulator.origin}/_emulator/rules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match: { contains: marker }, scenario }) });
  if (!response.ok) throw new Error(`the emulator refused the rule ${scenario}: ${response.status} ${await response.text()}`);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Chromium: waited ${(ms / 1000).toFixed(0)} s for ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
