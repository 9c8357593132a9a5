// The static Storybook the browser tests and the screenshot script drive: built when its sources changed,
// served over node:http on 127.0.0.1, opened in the machine's Chromium. Plain ESM so a script can use it as is.
/* global document, window -- the waitForFunction callbacks run in the page */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from '../../../../scripts/up-to-date.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const STATIC_DIR = path.join(REPO_ROOT, 'storybook-static');

/** What a static Storybook is built from: a change to any of these makes the build stale. */
const SOURCES = ['.storybook', 'packages/ai-react/src', 'packages/openrouter-emulator/src/content', 'packages/openrouter-emulator/src/catalog', 'packages/openrouter-emulator/data'];

/** True when storybook-static is missing or older than a file it is built from. */
export function isStorybookStale() {
  const index = path.join(STATIC_DIR, 'index.json');
  if (!existsSync(index)) return true;
  const builtAt = statSync(index).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(REPO_ROOT, source)) > builtAt);
}

// Work folders live under node_modules/.cache: ignored by git and eslint even when a crash leaves one behind.
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'insforge-storybook');
const LOCK_DIR = path.join(CACHE_DIR, 'build.lock');
/** A lock older than this belongs to a build that died; the next build takes it over. */
const STALE_LOCK_MS = 5 * 60_000;

const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Runs `build` holding a lock directory, so two test runs on one checkout never build into one folder at once. */
function withBuildLock(build) {
  mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      else pause(500);
    }
  }
  try {
    return build();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * Builds storybook-static unless it is up to date (or `force`); returns what happened and how long it took.
 * The build goes to a temporary folder that then replaces storybook-static, so a page another run is serving
 * never sees a half-written build.
 * @param {{ force?: boolean, quiet?: boolean }} [options]
 */
export function ensureStorybookBuilt({ force = false, quiet = true } = {}) {
  if (!force && !isStorybookStale()) return { built: false, ms: 0 };
  return withBuildLock(() => {
    // Another run may have built it while this one waited for the lock.
    if (!force && !isStorybookStale()) return { built: false, ms: 0 };
    const startedAt = performance.now();
    const output = path.join(CACHE_DIR, `building-${process.pid}`);
    const bin = path.join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'storybook.cmd' : 'storybook');
    const result = spawnSync(bin, ['build', '--disable-telemetry', '--quiet', '-o', output], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: quiet ? 'pipe' : 'inherit',
      shell: process.platform === 'win32',
      env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' },
    });
    if (result.status !== 0) {
      rmSync(output, { recursive: true, force: true });
      const log = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-6000) : '';
      throw new Error(`storybook build failed (exit code ${result.status ?? result.error?.message}).${log}`);
    }
    const previous = path.join(CACHE_DIR, `previous-${process.pid}`);
    if (existsSync(STATIC_DIR)) renameSync(STATIC_DIR, previous);
    renameSync(output, STATIC_DIR);
    rmSync(previous, { recursive: true, force: true });
    return { built: true, ms: Math.round(performance.now() - startedAt) };
  });
}

/** The stories of the build, as its index.json lists them (docs entries left out). */
export function storyEntries(dir = STATIC_DIR) {
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
  return Object.values(index.entries).filter((entry) => entry.type === 'story');
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves a directory over HTTP on 127.0.0.1 (a free port): what a CDN would do with a static Storybook.
 * @param {string} [dir]
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function serveStatic(dir = STATIC_DIR) {
  const root = path.resolve(dir);
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The Debian Chromium, headless, with nothing that talks to the network on its own. */
export { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../../scripts/chromium.mjs';

/** The URL of one story alone (no Storybook UI), in a theme when given. */
export function storyUrl(baseUrl, id, theme) {
  const globals = theme ? `&globals=theme:${theme}` : '';
  return `${baseUrl}/iframe.html?id=${encodeURIComponent(id)}&viewMode=story${globals}`;
}

/**
 * Waits until Storybook finished showing story `id` in `page` (rendered, its play function done); throws with
 * Storybook's error text when the story failed to render or its play function threw.
 * @param {import('playwright-core').Page} page
 * @param {string} id
 * @param {number} [timeoutMs]
 */
export async function waitForStory(page, id, timeoutMs = 30_000) {
  await page.waitForFunction(
    (storyId) => {
      if (document.body.classList.contains('sb-show-errordisplay')) return true;
      const render = /** @type {any} */ (window).__STORYBOOK_PREVIEW__?.currentRender;
      return render?.id === storyId && (render.phase === 'finished' || render.phase === 'aborted');
    },
    id,
    { timeout: timeoutMs },
  );
  if (await page.evaluate(() => document.body.classList.contains('sb-show-errordisplay'))) {
    const message = await page.locator('#error-message').innerText().catch(() => '');
    const stack = await page.locator('#error-stack').innerText().catch(() => '');
    throw new Error(`Story "${id}" failed to render: ${message}\n${stack}`.trim());
  }
}
