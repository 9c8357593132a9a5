// The markdown renderer on hostile answers (see src/testing/hostile-markdown.ts): for each, the time to parse blocks
// and inlines and to render to React's output at 100 KB and 400 KB, the growth between the two (4× is linear, 16× a
// quadratic) and the goal of 50 ms at 100 KB. Then answers that grow to 500 KB (see test/long-blocks.ts: a paragraph,
// a code fence, a list, a table, a block quote, a nested list or a quote growing in a list item, a plain answer of
// many blocks): the time of one streamed frame at 20 KB (a long answer), 100 KB and 500 KB, in jsdom (and with
// `--chromium`, in Chromium with the package's stylesheet, layout included). Prints figures; never fails. `--short`
// runs one round instead of five, and streams 20 KB answers; `--only <words>` streams only the answers whose name
// holds them, and skips the hostile answers.
import { renderToString } from 'react-dom/server';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { JSDOM } from 'jsdom';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../scripts/chromium.mjs';
import { highlightCode, MAX_HIGHLIGHTED } from '../src/markdown/highlight-code.js';
import { Markdown } from '../src/markdown/markdown.js';
import { parseMarkdown } from '../src/markdown/parse-blocks.js';
import { parseInline } from '../src/markdown/parse-inline.js';
import { hostileMarkdown } from '../src/testing/hostile-markdown.js';
import { longBlocks } from '../test/long-blocks.js';
import type { StreamFrames } from './markdown-stream-frames.js';
import { composeStylesheet } from './stylesheet.mjs';

const GOAL_MS = 50;
const SIZES = [100_000, 400_000] as const;
// `pnpm bench:markdown -- --short` passes the `--` on.
const args = process.argv.slice(2).filter((arg) => arg !== '--');
const { values } = parseArgs({ args, options: { short: { type: 'boolean', default: false }, chromium: { type: 'boolean', default: false }, only: { type: 'string' } } });
const rounds = values.short ? 1 : 5;
const streamedAnswers = (size: number) => Object.entries(longBlocks(size)).filter(([name]) => name.includes(values.only ?? ''));

/** The fastest of `rounds` runs, in ms, after one warm-up run. */
function fastest(run: () => unknown): number {
  run();
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

const ms = (value: number) => value.toFixed(1).padStart(7);

/** The tables of hostile answers and of the syntax highlighter. */
function benchHostile() {
  const [atGoal, atLarge] = SIZES.map((size) => hostileMarkdown(size));
  const rows: string[] = [];
  let missed = 0;
  let worstGrowth = 0;
  for (const [name, source] of Object.entries(atGoal ?? {})) {
    const large = atLarge?.[name] ?? '';
    const parse = fastest(() => [parseInline(source), parseMarkdown(source)]);
    const render = fastest(() => renderToString(<Markdown source={source} />));
    const renderLarge = fastest(() => renderToString(<Markdown source={large} />));
    const growth = renderLarge / Math.max(render, 0.01);
    worstGrowth = Math.max(worstGrowth, growth);
    const met = render < GOAL_MS;
    if (!met) missed++;
    rows.push(`| ${name} | ${ms(parse)} | ${ms(render)} | ${ms(renderLarge)} | ${growth.toFixed(1)}× | ${met ? 'met' : 'NOT met'} |`);
  }

  console.log(`Markdown on hostile answers, fastest of ${rounds} (Node ${process.version}); render is renderToString, without a DOM.\n`);
  console.log('| input | parse 100 KB (ms) | render 100 KB (ms) | render 400 KB (ms) | growth ×4 input | goal < 50 ms at 100 KB |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);

  // The syntax highlighter, on the largest code block it highlights (bigger blocks stay plain text).
  const hostileCode: Array<[name: string, language: string, code: string]> = [
    ['an unterminated string', 'js', '"'.repeat(MAX_HIGHLIGHTED)],
    ['an unterminated comment', 'js', `/*${'*'.repeat(MAX_HIGHLIGHTED - 2)}`],
    ['tags never closed', 'html', '<a '.repeat(MAX_HIGHLIGHTED / 3)],
    ['names and dashes', 'ts', 'a-'.repeat(MAX_HIGHLIGHTED / 2)],
    ['triple quotes', 'python', "'''".repeat(MAX_HIGHLIGHTED / 3)],
  ];
  console.log(`\nSyntax highlighting at ${MAX_HIGHLIGHTED / 1000} KB (fastest of ${rounds}):\n`);
  console.log('| input | language | highlight (ms) | goal < 50 ms |');
  console.log('|---|---|---:|---|');
  for (const [name, language, code] of hostileCode) {
    const took = fastest(() => highlightCode(code, language));
    if (took >= GOAL_MS) missed++;
    console.log(`| ${name} | ${language} | ${ms(took)} | ${took < GOAL_MS ? 'met' : 'NOT met'} |`);
  }

  console.log(`\n${rows.length + hostileCode.length - missed} of ${rows.length + hostileCode.length} inputs met the goal. Among the ${rows.length} markdown answers, the largest growth for 4× the input was ${worstGrowth.toFixed(1)}× (linear is 4×, quadratic 16×). Where it is above 4×, the time steps up once between 200 and 400 KB; from 400 KB to 1.6 MB each doubling costs about twice the time.`);
}
if (values.only === undefined) benchHostile();

// Streaming: one block that grows (or an answer of many). A frame's cost should follow what arrived, not the size of the block.
const STREAM_SIZE = values.short ? 20_000 : 500_000;
const STREAM_SIZES = values.short ? [STREAM_SIZE / 5, STREAM_SIZE / 2, STREAM_SIZE] : [STREAM_SIZE / 25, STREAM_SIZE / 5, STREAM_SIZE];
const kb = (size: number) => `${Math.round(size / 1000)} KB`;

function streamTable(where: string, results: Array<[name: string, result: StreamFrames]>) {
  console.log(`\nAnswers streaming to ${kb(STREAM_SIZE)}, ${where}: the median of 5 frames of 200 characters at each size, and the whole answer rendered at once.\n`);
  console.log(`| input | ${STREAM_SIZES.map((size) => `frame at ${kb(size)} (ms)`).join(' | ')} | at once (ms) | final HTML as at once |`);
  console.log(`|---|${STREAM_SIZES.map(() => '---:|').join('')}---:|---|`);
  for (const [name, result] of results) {
    console.log(`| ${name} | ${result.frames.map((frame) => ms(frame.ms)).join(' | ')} | ${ms(result.oneShotMs)} | ${result.sameAsOneShot ? 'yes' : 'NO'} |`);
  }
}

// jsdom's globals before react-dom loads: it decides at import whether there is a DOM.
const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
Object.assign(globalThis, { window: dom.window, document: dom.window.document, navigator: dom.window.navigator, HTMLElement: dom.window.HTMLElement, Node: dom.window.Node });
const { measureStreamFrames } = await import('./markdown-stream-frames.js');
streamTable(
  'in jsdom (React and DOM updates, no layout)',
  streamedAnswers(STREAM_SIZE).map(([name, source]) => [name, measureStreamFrames(source, STREAM_SIZES)]),
);

if (values.chromium) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = await build({ entryPoints: [path.join(here, 'markdown-stream-page.tsx')], bundle: true, minify: true, format: 'iife', platform: 'browser', target: 'es2022', jsx: 'automatic', define: { 'process.env.NODE_ENV': '"production"' }, write: false, logLevel: 'silent' });
  const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS });
  try {
    const results: Array<[string, StreamFrames]> = [];
    for (const [name] of streamedAnswers(1)) {
      const page = await browser.newPage();
      await page.setContent('<!doctype html><html><body style="width:800px"></body></html>');
      // The package's stylesheet, as a page has it: it lays a code block's groups of lines out as blocks of their own.
      await page.addStyleTag({ content: composeStylesheet().css });
      await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
      results.push([name, await page.evaluate(([name, size, sizes]) => window.measureStreamFrames(name, size, sizes), [name, STREAM_SIZE, STREAM_SIZES] as const)]);
      await page.close();
    }
    streamTable('in Chromium (production React, the stylesheet, layout included)', results);
  } finally {
    await browser.close();
  }
}
