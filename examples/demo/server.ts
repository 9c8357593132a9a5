// The demo's server: the gateway mounted at /ai the way the README tells users to, a sign-in switch standing in
// for the host's own auth, the offline emulator as upstream when no OpenRouter key is set, and the built app at /.
// Run from the repository root (`npm start`), so `./.insforge-ai/` is the same folder the gateway uses by default.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { createAiGateway, type Authenticate, type FeatureInput } from '@insforge/ai-server';
import { startEmulator, type Emulator } from '@insforge/openrouter-emulator';

/** Where the demo keeps its database and master key; DEMO_DATA_DIR moves it (the end-to-end tests use a fresh one). */
const DATA_DIR = path.resolve(process.env['DEMO_DATA_DIR'] ?? '.insforge-ai');
const MASTER_KEY_FILE = path.join(DATA_DIR, 'demo-master.key');
const APP_DIR = path.join(import.meta.dirname, 'dist');
const port = Number(process.env['PORT'] ?? 8787);
const host = process.env['HOST'] ?? '127.0.0.1';

/** The seeds' four features; an admin's edits in the settings dialog win over these after the first start. */
const features: FeatureInput[] = [
  {
    name: 'chat',
    model: 'openai/gpt-4o-mini',
    fallbackModels: ['anthropic/claude-sonnet-4'],
    systemPrompt:
      'You are the InsForge demo assistant. Answer clearly and kindly; use markdown where it helps. Use convert_units for unit conversions and create_ticket when the user asks for a ticket; cite web results by their [n] markers.',
    params: { temperature: 0.7, max_tokens: 1024 },
    // The app may ask for OpenRouter's web search (the composer's toggle) and attach images and PDFs.
    extensions: {
      serverTools: { web_search: 'allow' },
      attachments: { image: { maxCount: 4, maxBytes: 5_000_000 }, file: { maxCount: 2, maxBytes: 10_000_000 }, audio: false },
    },
  },
  {
    name: 'code',
    model: 'anthropic/claude-sonnet-4',
    systemPrompt:
      'You are a senior software engineer acting as a code assistant. Explain briefly, then give complete, runnable code in fenced blocks with the language named. Point out bugs and edge cases.',
    params: { temperature: 0.2, max_tokens: 2048, extra: { reasoning: { effort: 'low' } } },
    // Screenshots of an error or a UI, and nothing else.
    extensions: { attachments: { image: { maxCount: 4, maxBytes: 5_000_000, mimeTypes: ['image/png', 'image/jpeg', 'image/webp'] }, file: false, audio: false } },
  },
  {
    name: 'summarize',
    model: 'google/gemini-2.5-flash',
    systemPrompt:
      'You summarize the text the user gives you, in the format they ask for (bullet points, a paragraph, or a structured summary with headings). Keep only what the text says; never add facts.',
    params: { temperature: 0.3, max_tokens: 1024 },
  },
  { name: 'image', modality: 'image', model: 'black-forest-labs/flux.2-pro' },
];

/** The demo's sign-in switch: the app sends `x-demo-role`; a real app maps its session or JWT here instead. */
const authenticate: Authenticate = (req) => {
  const role = req.headers['x-demo-role'];
  if (role === 'admin') return { projectId: 'default', userId: 'demo-admin', role: 'admin' };
  if (role === 'user') return { projectId: 'default', userId: 'demo-user', role: 'user' };
  return undefined;
};

/**
 * Stored OpenRouter keys need a master key. Without INSFORGE_AI_ENCRYPTION_KEY the demo makes one once and keeps it
 * beside its database, then hands it to the gateway through the variable it reads by default.
 */
function ensureMasterKey(): void {
  if (process.env['INSFORGE_AI_ENCRYPTION_KEY']) return;
  if (!existsSync(MASTER_KEY_FILE)) {
    mkdirSync(DATA_DIR, { recursive: true });
    writeFileSync(MASTER_KEY_FILE, `demo:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    console.log(`Made a master key for stored OpenRouter keys in ${path.relative(process.cwd(), MASTER_KEY_FILE)} (set INSFORGE_AI_ENCRYPTION_KEY to use your own).`);
  }
  process.env['INSFORGE_AI_ENCRYPTION_KEY'] = readFileSync(MASTER_KEY_FILE, 'utf8').trim();
}

/**
 * Without a key, the emulator answers: at a pace a person can watch, several paragraphs unless max_tokens is lower,
 * calling the chat's tools only when a message names them ("convert these units", "create a ticket").
 */
async function offlineUpstream(): Promise<Emulator | undefined> {
  if (process.env['OPENROUTER_API_KEY']) return undefined;
  return startEmulator({ scenario: { ttftMs: 400, tokensPerSecond: 30, replyTokens: 300, toolCalls: 'mentioned' } });
}

/**
 * The URL that reaches the address the server listens on: IPv6 in brackets, and `localhost` for a wildcard
 * (`0.0.0.0`, `::`), which is no address to open.
 */
function urlOf(address: ReturnType<Server['address']>): { url: string; everyInterface: boolean } {
  if (address === null || typeof address === 'string') return { url: `http://${host}:${port}`, everyInterface: false };
  const everyInterface = address.address === '0.0.0.0' || address.address === '::';
  const shown = everyInterface ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shown}:${address.port}`, everyInterface };
}

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got "${process.env['PORT']}".`);
  ensureMasterKey();
  const emulator = await offlineUpstream();
  const gateway = createAiGateway({
    authenticate,
    features,
    database: process.env['DATABASE_URL'] ?? path.join(DATA_DIR, 'demo.db'),
    ...(emulator ? { upstream: { baseUrl: emulator.url, apiKey: emulator.apiKey } } : {}),
  });

  const app = express();
  app.use('/ai', gateway);
  app.get('/demo/config', (_req, res) => {
    res.json({ offline: emulator !== undefined });
  });
  app.use(express.static(APP_DIR, { index: 'index.html' }));
  // The app routes in the browser (/chat, /admin…): any other GET gets its page.
  app.get('/{*page}', (_req, res) => {
    if (existsSync(path.join(APP_DIR, 'index.html'))) res.sendFile(path.join(APP_DIR, 'index.html'));
    else res.status(503).type('text').send('The demo app is not built: run `npm start` from the repository root (or `vite build` in examples/demo).');
  });

  await gateway.ready;
  const server = app.listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { url, everyInterface } = urlOf(server.address());
  if (emulator) {
    console.log('No OPENROUTER_API_KEY: answers come from the offline OpenRouter emulator.');
    // Its control API (/_emulator: generations with their upstream requests, rules, keys) is there for your tests.
    console.log(`Emulator: ${emulator.origin} (OpenRouter API at ${emulator.url}, control API at ${emulator.origin}/_emulator)`);
  }
  else console.log('Using OpenRouter with OPENROUTER_API_KEY.');
  // The URL comes last: it is the line to open (and the one the end-to-end tests wait for).
  if (everyInterface) console.log(`Listening on every interface of this machine (HOST=${host}): other machines reach the demo at this machine's address.`);
  console.log(`Demo: ${url}`);

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    console.log(`${signal}: stopping the demo.`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Answers in flight get 5 s to finish; those still streaming then end with the gateway's error event (not a cut
    // connection), each with its usage record.
    await gateway.drain(5_000);
    // What is left (a page or an asset still loading) is cut so the process can exit.
    server.closeAllConnections();
    await closed;
    await gateway.close();
    await emulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.once('SIGTERM', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
