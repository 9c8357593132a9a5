// Runs every code example of the README as written, against the emulator. Each fenced block in README.md is marked
// with `<!-- example: ID -->` on the line before it, and each ID has a runner here; a block without a marker, or a
// marker without a runner, fails the first test. Examples run the way a reader would run them: TypeScript files with
// tsx from a folder whose package.json has the dependencies an app would have (so `@insforge/*` are the built
// packages), React examples bundled with esbuild and opened in Chromium, shell blocks in bash with `npx` finding the
// packages' commands in an app folder installed as a reader's is (readerApp). The only changes made to an example are
// the ports it names (so runs never collide) and, for the hooks example, a page that renders the component it exports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAiGateway } from '@insforge/ai-server';
import { startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../scripts/chromium.mjs';
import { resolvePnpm } from '../../scripts/pnpm.mjs';
import { cleanEnv, freePort, stopProcessGroup, waitForOutput } from '../../scripts/processes.mjs';

const HERE = import.meta.dirname;
const REPO_ROOT = path.resolve(HERE, '../..');
const require = createRequire(import.meta.url);
const UPSTREAM_KEY = 'sk-or-v1-readme-examples-0123456789abcdef';

interface Example {
  id: string | undefined;
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced code block of the README, with the id of the `<!-- example: ID -->` marker just above it. */
function readmeExamples(): Example[] {
  const lines = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  const examples: Example[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[index]!);
    if (!open) continue;
    const end = lines.findIndex((text, at) => at > index && text.startsWith('```'));
    if (end < 0) throw new Error(`README.md:${index + 1}: a code block that never closes`);
    let before = index - 1;
    while (before >= 0 && lines[before]!.trim() === '') before -= 1;
    const marker = /^<!-- example: ([\w-]+) -->$/.exec(lines[before] ?? '');
    examples.push({ id: marker?.[1], lang: open[1] ?? '', code: lines.slice(index + 1, end).join('\n') + '\n', line: index + 1 });
    index = end;
  }
  return examples;
}

const examples = readmeExamples();
function example(id: string): Example {
  const found = examples.find((entry) => entry.id === id);
  if (!found) throw new Error(`README.md has no example "${id}"`);
  return found;
}

/** The ports an example names, swapped for free ones (and nothing else changed). */
function withPorts(code: string, ports: Record<number, number>): string {
  let result = code;
  for (const [from, to] of Object.entries(ports)) result = result.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to));
  return result;
}

/** The JSON object that starts at the first `start` in `text`, whatever follows it on the same line. */
function firstJsonObject(text: string, start: string): unknown {
  const from = text.indexOf(start);
  if (from < 0) throw new Error(`no ${start} in the output:\n${text}`);
  for (let end = text.indexOf('}', from); end >= 0; end = text.indexOf('}', end + 1)) {
    try {
      return JSON.parse(text.slice(from, end + 1));
    } catch {
      // Not the whole object yet: its closing brace is further on.
    }
  }
  throw new Error(`no whole JSON object after ${start} in the output:\n${text}`);
}

/** Every process the examples started; each one's whole group is stopped when the file ends. */
const running: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  output: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Starts a command in its own process group (so background jobs of a shell example can be stopped with it). */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Run {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let all = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    all += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (all += text));
  // A command that cannot start at all (not found) exits with nothing: its error is in the output.
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      all += String(error);
      resolve(null);
    });
  });
  running.push(child);
  return { child, output: () => all, stdout: () => stdout, exited };
}


/**
 * An app folder as `npm install` leaves a reader's, for the shell examples: this package's dependencies (the packages
 * as they would be published, `files` only, and the rest of what they need at run time, nothing else), in one flat
 * node_modules, outside the workspace, so nothing resolves from it. `npx` reads the whole dependency tree of the
 * folder it runs in before it runs a command; in examples/readme, whose packages link into the workspace, that is
 * thousands of packages and seconds of CPU per command. Installed by pnpm from its store (`deploy`: no compiling),
 * while the examples before the shell ones run. `--prefer-offline`, not `--offline`: pnpm checks the lockfile against
 * its supply-chain policies from each package's full metadata, which the workspace's install may not have cached for
 * every package (a fresh machine lacked `@stablelib/base64`'s), so what is missing is read from the registry.
 */
let readerApp: Promise<string> | undefined;
const readerAppFolder = path.join(tmpdir(), `insforge-readme-app-${process.pid}-${Date.now().toString(36)}`);
function installReaderApp(): Promise<string> {
  const { command, prefixArgs } = resolvePnpm();
  const deploy = [...prefixArgs, '--filter', '@insforge/readme-examples', 'deploy', '--prod', '--prefer-offline', '--config.node-linker=hoisted', readerAppFolder];
  const pnpm = run(command, deploy, { cwd: REPO_ROOT, env: process.env });
  return pnpm.exited.then((code) => {
    if (code !== 0) throw new Error(`pnpm ${deploy.slice(prefixArgs.length).join(' ')} failed (exit ${code}):\n${pnpm.output()}`);
    return readerAppFolder;
  });
}

let emulator: Emulator;
let workDir: string;
let browser: Browser | undefined;
/** Where the Express example (section 2) listens. */
let expressPort: number;

beforeAll(async () => {
  readerApp = installReaderApp();
  // The shell examples await it and report its failure; until then a rejection is not unhandled.
  readerApp.catch(() => {});
  emulator = await startEmulator({ keys: [UPSTREAM_KEY], scenario: { ttftMs: 20, tokensPerSecond: 2_000, replyTokens: 40 } });
  // Inside examples/readme, so `@insforge/*`, express, openai and react resolve as in a reader's app.
  mkdirSync(path.join(HERE, '.run'), { recursive: true });
  workDir = mkdtempSync(path.join(HERE, '.run', 'run-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(running.map((child) => stopProcessGroup(child)));
  await emulator?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  // After a deploy still running when a test failed has ended.
  await readerApp?.catch(() => {});
  rmSync(readerAppFolder, { recursive: true, force: true });
});

async function openBrowserPage(): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('close', () => expect(errors).toEqual([]));
  page.setDefaultTimeout(20_000);
  return page;
}

/**
 * Bundles a React entry with esbuild and serves it on a page whose `/ai` goes to the Express example, as the app's
 * own server would: the same origin, no key in the browser.
 */
async function serveApp(entry: string, name: string): Promise<{ url: string; close(): Promise<void> }> {
  const outdir = path.join(workDir, `${name}-dist`);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    jsx: 'automatic',
    outdir,
    entryNames: 'app',
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title>${existsSync(path.join(outdir, 'app.css')) ? '<link rel="stylesheet" href="/app.css">' : ''}</head><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>`;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/ai/')) {
      const upstream = httpRequest({ host: '127.0.0.1', port: expressPort, path: url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    const file = { '/app.js': 'app.js', '/app.css': 'app.css' }[url];
    if (file) {
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
      createReadStream(path.join(outdir, file)).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Starts the Express example (section 2) once: the React and SDK examples talk to it, as they would in an app. */
let expressStarted: Promise<void> | undefined;
function expressExample(): Promise<void> {
  expressStarted ??= (async () => {
    const { code } = example('express-mount');
    expressPort = await freePort();
    const file = path.join(workDir, 'express-mount.ts');
    writeFileSync(file, withPorts(code, { 3000: expressPort }));
    const server = run(process.execPath, ['--import', 'tsx', file], {
      cwd: workDir,
      env: cleanEnv({ OPENROUTER_API_KEY: UPSTREAM_KEY, OPENROUTER_BASE_URL: emulator.url, DATABASE_URL: path.join(workDir, 'express.db') }),
    });
    await waitForOutput(server.child, server.output, new RegExp(`Listening on http://localhost:${expressPort}`));
  })();
  return expressStarted;
}

/** The runners, one per example id. */
const runners: Record<string, () => Promise<void>> = {
  'two-commands': async () => {
    const { code } = example('two-commands');
    const commands = code.split('\n').filter(Boolean).map((line) => line.replace(/#.*/, '').trim());
    expect(commands).toEqual(['npm start', 'npm test']);
    const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBeDefined();
    expect(scripts['test']).toBeDefined();
    // `npm start` is what the demo's end-to-end tests start, and `npm test` is what CI runs (this test among them).
    expect(readFileSync(path.join(REPO_ROOT, 'examples/demo/e2e/global-setup.ts'), 'utf8')).toMatch(/spawn\(npm, \['start'\]/);
    expect(readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/^npm test/m);
  },

  install: async () => {
    // The packages are not fetched from the registry here (the consumer tests install their packed tarballs the same
    // way): each line must name a scoped package of this repository at the version its package.json has.
    const versions = Object.fromEntries(
      ['packages/ai-react', 'server', 'packages/openrouter-emulator'].map((dir) => {
        const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string };
        return [manifest.name, manifest.version];
      }),
    );
    const named = [...example('install').code.matchAll(/(@insforge\/[a-z-]+)@(\S+)/g)].map((match) => [match[1], match[2]]);
    expect(Object.fromEntries(named)).toEqual(versions);
    for (const line of example('install').code.split('\n').filter(Boolean)) expect(line).toMatch(/^npm install /);
  },

  'nextjs-route': async () => {
    const file = path.join(workDir, 'nextjs-route.ts');
    writeFileSync(file, example('nextjs-route').code);
    const driver = path.join(workDir, 'nextjs-route-driver.ts');
    writeFileSync(
      driver,
      [
        "import { GET, POST } from './nextjs-route.ts';",
        "const chat = await POST(new Request('http://app.example/api/ai/v1/chat/completions', { method: 'POST', headers: { cookie: 'session=abc', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'Hello from Next.js' }] }) }));",
        "const signedOut = await GET(new Request('http://app.example/api/ai/v1/models'));",
        'console.log(JSON.stringify({ status: chat.status, type: chat.headers.get(\'content-type\'), body: await chat.text(), signedOut: signedOut.status }));',
        'process.exit(0);',
      ].join('\n'),
    );
    const child = run(process.execPath, ['--import', 'tsx', driver], { cwd: HERE, env: cleanEnv({ OPENROUTER_API_KEY: UPSTREAM_KEY, OPENROUTER_BASE_URL: emulator.url, DATABASE_URL: path.join(workDir, 'next.db') }) });
    expect(await child.exited, child.output()).toBe(0);
    const result = JSON.parse(child.stdout().trim().split('\n').at(-1)!) as { status: number; type: string; body: string; signedOut: number };
    expect(result).toMatchObject({ status: 200, signedOut: 401 });
    expect(result.type).toContain('text/event-stream');
    const answer = result.body.split('\n').filter((line) => line.startsWith('data: {')).map((line) => (JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '').join('');
    expect(answer).toContain('Hello from Next.js');
    expect(result.body).toContain('data: [DONE]');
  },

  'express-mount': async () => {
    await expressExample();
    const base = `http://127.0.0.1:${expressPort}/ai`;
    const anonymous = await fetch(`${base}/v1/models`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const models = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer bob-session' } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id).sort()).toEqual(['chat', 'embed', 'image']);
    // Bob is a user: admin routes are closed to him, open to Alice.
    expect((await fetch(`${base}/api/ai/configurations`, { headers: { authorization: 'Bearer bob-session' } })).status).toBe(403);
    expect((await fetch(`${base}/api/ai/configurations`, { headers: { authorization: 'Bearer alice-session' } })).status).toBe(200);
  },

  'openai-sdk': async () => {
    await expressExample();
    const { code } = example('openai-sdk');
    const file = path.join(workDir, 'openai-sdk.ts');
    writeFileSync(file, withPorts(code, { 3000: expressPort }));
    const sdk = run(process.execPath, ['--import', 'tsx', file], { cwd: workDir, env: cleanEnv({}) });
    expect(await sdk.exited, sdk.output()).toBe(0);
    const [first = '', ...rest] = sdk.stdout().split('\n');
    expect(first).toMatch(/^openai\/gpt-4o-mini \S/);
    expect(rest.join('\n')).toMatch(/\S+[\s\S]*dimensions: 1536$/m);
    // Three requests reached the emulator: chat, a stream of chat, embeddings; the feature's system prompt first.
    const chats = emulator.generations({ kind: 'chat' });
    expect(chats.some((generation) => JSON.stringify(generation.request).includes('"content":"You are the Acme assistant."'))).toBe(true);
  },

  'anthropic-sdk': async () => {
    await expressExample();
    const { code } = example('anthropic-sdk');
    const file = path.join(workDir, 'anthropic-sdk.ts');
    writeFileSync(file, withPorts(code, { 3000: expressPort }));
    const before = emulator.generations({ kind: 'chat' }).length;
    const sdk = run(process.execPath, ['--import', 'tsx', file], { cwd: workDir, env: cleanEnv({}) });
    expect(await sdk.exited, sdk.output()).toBe(0);
    const lines = sdk.stdout().trim().split('\n');
    expect(lines[0]).toMatch(/^openai\/gpt-4o-mini \S/);
    expect(lines.at(-1)).toBe('stop reason: end_turn');
    // Two messages reached the emulator's Messages API, the feature's system prompt first in each.
    const sent = emulator.generations({ kind: 'chat' }).slice(before).map((generation) => generation.request as { system?: Array<{ text: string }> });
    expect(sent).toHaveLength(2);
    for (const request of sent) expect(request.system?.[0]?.text).toBe('You are the Acme assistant.');
  },

  'openrouter-sdk': async () => {
    await expressExample();
    const { code } = example('openrouter-sdk');
    const file = path.join(workDir, 'openrouter-sdk.ts');
    writeFileSync(file, withPorts(code, { 3000: expressPort }));
    const sdk = run(process.execPath, ['--import', 'tsx', file], { cwd: workDir, env: cleanEnv({}) });
    expect(await sdk.exited, sdk.output()).toBe(0);
    const lines = sdk.stdout().split('\n');
    // Each feature under its name, with the name and context length of the model it serves.
    const served = (feature: string, model: string) => `${feature}: ${emulator.catalog.find(model)?.name}, ${emulator.catalog.find(model)?.context_length} tokens`;
    expect(lines.slice(0, 3).sort()).toEqual([served('chat', 'openai/gpt-4o-mini'), served('embed', 'openai/text-embedding-3-small'), served('image', 'black-forest-labs/flux.2-pro')]);
    const answer = lines[3] ?? '';
    expect(answer).toMatch(/^openai\/gpt-4o-mini \S/);
  },

  'react-components': async () => {
    const { code } = example('react-components');
    const entry = path.join(workDir, 'react-components.tsx');
    writeFileSync(entry, code);
    await expressExample();
    const app = await serveApp(entry, 'react-components');
    try {
      const page = await openBrowserPage();
      // The app's own session: Alice, an admin, so the settings dialog opens too.
      await page.addInitScript(() => localStorage.setItem('session', 'alice-session'));
      await page.goto(app.url);
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill('Hello from the README');
      await box.press('Enter');
      const answer = page.locator('li[data-role="assistant"]').last();
      await expect.poll(() => answer.getAttribute('data-status')).toBe('done');
      expect(((await answer.textContent()) ?? '').length).toBeGreaterThan(10);

      await page.getByRole('textbox', { name: 'Prompt' }).fill('A paper boat');
      await page.getByRole('button', { name: 'Generate', exact: true }).click();
      await expect.poll(() => page.getByRole('list', { name: 'Generated images' }).getByRole('img').count()).toBe(1);

      await page.getByRole('button', { name: 'AI settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'AI settings' });
      await expect.poll(() => dialog.getByRole('textbox', { name: 'System prompt' }).inputValue()).toBe('You are the Acme assistant.');
      await page.close();
    } finally {
      await app.close();
    }
  },

  'react-hooks': async () => {
    const { code } = example('react-hooks');
    writeFileSync(path.join(workDir, 'assistant.tsx'), code);
    // The page around the exported component: what section 1's app does with its own components.
    const entry = path.join(workDir, 'react-hooks-page.tsx');
    writeFileSync(
      entry,
      `import { createRoot } from 'react-dom/client';
import { AiProvider } from '@insforge/ai-react';
import { Assistant } from './assistant.tsx';
createRoot(document.getElementById('root')!).render(<AiProvider baseUrl="/ai" getHeaders={() => ({ authorization: 'Bearer bob-session' })}><Assistant /></AiProvider>);
`,
    );
    await expressExample();
    const app = await serveApp(entry, 'react-hooks');
    try {
      const page = await openBrowserPage();
      await page.goto(app.url);
      await page.getByRole('textbox', { name: 'Message' }).fill('Hello, hooks');
      await page.getByRole('button', { name: 'Send' }).click();
      // The user's message, then the answer; Send comes back when the answer is complete.
      await page.getByRole('button', { name: 'Send' }).waitFor();
      await expect.poll(() => page.locator('form p').allTextContents()).toEqual(['Hello, hooks', expect.stringMatching(/\S{3}/)]);
      await page.close();
    } finally {
      await app.close();
    }
  },

  'react-compose': async () => {
    const { code } = example('react-compose');
    writeFileSync(path.join(workDir, 'support-chat.tsx'), code);
    // The page around the exported component, with the stylesheet an app would import.
    const entry = path.join(workDir, 'react-compose-page.tsx');
    writeFileSync(
      entry,
      `import { createRoot } from 'react-dom/client';
import { AiProvider } from '@insforge/ai-react';
import '@insforge/ai-react/styles.css';
import { SupportChat } from './support-chat.tsx';
createRoot(document.getElementById('root')!).render(<AiProvider baseUrl="/ai" getHeaders={() => ({ authorization: 'Bearer bob-session' })}><SupportChat maxLength={40} /></AiProvider>);
`,
    );
    await expressExample();
    const app = await serveApp(entry, 'react-compose');
    try {
      const page = await openBrowserPage();
      await page.goto(app.url);
      const box = page.getByRole('textbox', { name: 'Message' });
      // Over maxLength: the app's onSubmit cancels the send and the text stays.
      await box.fill('This question is far too long for the limit the app set');
      await box.press('Enter');
      await expect.poll(() => box.inputValue()).toBe('This question is far too long for the limit the app set');
      expect(await page.locator('li[data-role]').count()).toBe(0);
      await box.fill('Hello, primitives');
      await page.getByRole('button', { name: 'Send' }).click();
      const answer = page.locator('li[data-role="assistant"]').last();
      await expect.poll(() => answer.getAttribute('data-status')).toBe('done');
      await answer.getByRole('button', { name: 'Copy' }).waitFor();
      await answer.getByRole('button', { name: 'Regenerate' }).waitFor();
      await page.close();
    } finally {
      await app.close();
    }
  },

  serve: async () => {
    const { code } = example('serve');
    const [emulatorPort, servePort] = [await freePort(), await freePort()];
    // A folder in the reader's app: `npx` finds the app's packages from it.
    const dir = mkdtempSync(path.join(await readerApp!, 'serve-'));
    const shell = run('bash', ['-c', withPorts(code, { 8787: emulatorPort, 8080: servePort })], { cwd: dir, env: cleanEnv({}) });
    try {
      expect(await shell.exited, shell.output()).toBe(0);
      // The emulator and the gateway print to the same terminal as curl, the emulator a line per request it served,
      // which can land right after curl's answer: the answer is the JSON object that starts it.
      const completion = firstJsonObject(shell.stdout(), '{"id"') as { object: string; model: string; choices: Array<{ message: { content: string } }> };
      expect(completion.object).toBe('chat.completion');
      expect(completion.model).toBe('openai/gpt-4o-mini');
      expect(completion.choices[0]?.message.content.length).toBeGreaterThan(0);
      expect(existsSync(path.join(dir, '.insforge-ai', 'ai.db'))).toBe(true);
    } finally {
      await stopProcessGroup(shell.child);
    }
  },

  cli: async () => {
    const { code } = example('cli');
    const dir = mkdtempSync(path.join(await readerApp!, 'cli-'));
    // "With the environment of the example above": the upstream and its key, as `serve` exported them.
    const shell = run('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd: dir, env: cleanEnv({ OPENROUTER_BASE_URL: emulator.url, OPENROUTER_API_KEY: UPSTREAM_KEY }) });
    expect(await shell.exited, shell.output()).toBe(0);
    const out = shell.stdout();
    expect(out).toMatch(/^chat\s+text\s+openai\/gpt-4o-mini\s+1\b/m);
    expect((JSON.parse(readFileSync(path.join(dir, 'chat.json'), 'utf8')) as { systemPrompt: string }).systemPrompt).toBe('Be brief.');
    expect(out).toMatch(/^ik_[\w-]{20,}$/m);
    expect(out).toContain(UPSTREAM_KEY.slice(-4));
    expect(out).toMatch(/re-encrypted|rotated/i);
    // `usage` puts its heading on stderr and the table (none here: this database served no request) on stdout.
    expect(shell.output()).toMatch(/Usage of project "default" from .*\n(No requests in this period|FEATURE)/);
    // The OpenRouter key is never printed whole, by any command.
    expect(shell.output()).not.toContain(UPSTREAM_KEY);
  },

  'limits-policy': async () => {
    const policy = JSON.parse(example('limits-policy').code) as { version: number; policy: { users: { default: Record<string, number> } } };
    const adminToken = 'readme-admin-token-0123456789';
    // No network here: the example's webhook host resolves to a public address (example.com's), as a real one would;
    // the gateway refuses private, loopback and metadata addresses.
    const gateway = createAiGateway({ database: ':memory:', adminToken, upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY }, webhooks: { lookup: async () => [{ address: '93.184.215.14', family: 4 }] } });
    const app = express().use(gateway);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      await gateway.ready;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ai/limits/policy`;
      const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
      const current = (await (await fetch(url, { headers })).json()) as { version: number };
      expect(current.version).toBe(policy.version);
      const saved = await fetch(url, { method: 'PUT', headers, body: JSON.stringify(policy) });
      expect(saved.status, await saved.clone().text()).toBe(200);
      const read = (await (await fetch(url, { headers })).json()) as { policy: { users: { default: Record<string, number> } } };
      expect(read.policy.users.default).toMatchObject(policy.policy.users.default);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    }
  },

  'extensions-policy': async () => {
    const extensions = JSON.parse(example('extensions-policy').code) as Record<string, unknown>;
    const gateway = createAiGateway({ database: ':memory:', adminToken: 'readme-admin-token-0123456789', clientKeys: [{ key: 'ik_readme_extensions_0123456789' }], upstream: { baseUrl: emulator.url, apiKey: UPSTREAM_KEY }, features: [{ name: 'chat', model: 'openai/gpt-4o-mini', extensions }] });
    const server = express().use(gateway).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    try {
      await gateway.ready;
      const chat = (body: Record<string, unknown>) =>
        fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer ik_readme_extensions_0123456789', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Oslo trams' }], ...body }),
        });
      const searched = await chat({ tools: [{ type: 'openrouter:web_search' }], provider: { order: ['OpenAI'] } });
      expect(searched.status, await searched.clone().text()).toBe(200);
      expect(((await searched.json()) as { choices: Array<{ message: { annotations?: unknown[] } }> }).choices[0]?.message.annotations?.length).toBeGreaterThan(0);
      const refused = await chat({ models: ['openai/gpt-4o-mini'] });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('models');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    }
  },
};

describe('the README', () => {
  it('marks every code block as an example, and every example has a runner here', () => {
    expect(examples.filter((entry) => entry.id === undefined).map((entry) => `README.md:${entry.line} (${entry.lang || 'no language'})`)).toEqual([]);
    expect(examples.map((entry) => entry.id).sort()).toEqual(Object.keys(runners).sort());
  });

  it('has TypeScript examples that typecheck under strict settings, against the built packages', () => {
    const dir = mkdtempSync(path.join(workDir, 'typecheck-'));
    for (const entry of examples.filter((candidate) => candidate.lang === 'ts' || candidate.lang === 'tsx')) {
      writeFileSync(path.join(dir, `${entry.id}.${entry.lang}`), entry.code);
    }
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, jsx: 'react-jsx', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: ['node'], skipLibCheck: true, allowImportingTsExtensions: true },
        include: ['*.ts', '*.tsx'],
      }),
    );
    // A module, as in an app whose package.json says "type": "module" (top-level await in the SDK example).
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  // In README order; the React and SDK examples start the Express example's server first (once).
  describe.sequential('examples, run as written', () => {
    for (const entry of examples) {
      if (!entry.id || !runners[entry.id]) continue;
      const runner = runners[entry.id]!;
      it(`${entry.id} (README.md:${entry.line}, ${entry.lang})`, () => runner(), 120_000);
    }
  });
});
