/**
 * Portkey's open-source gateway (`@portkey-ai/gateway` from npm, its Node build `build/start-server.js`), pointed at
 * the emulator per request: provider `openai` with `x-portkey-custom-host: <emulator>/api/v1`, which Portkey uses as
 * the base URL (it appends `/chat/completions`, `/embeddings`). Headless and NODE_ENV=production: no log UI.
 *
 * Portkey 1.15.x fails with `TypeError: immutable` on every passed-through body (streams, embeddings) under
 * @hono/node-server >= 1.14 (Portkey-AI/gateway#1389); pnpm-workspace.yaml pins that dependency to 1.13.8 for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort, repoRoot, startChild, type Child } from './child-process.js';

const require = createRequire(path.join(repoRoot, 'package.json'));

export function portkeyVersions(): { gateway: string; honoNodeServer: string } {
  const manifest = require.resolve('@portkey-ai/gateway/package.json');
  const gateway = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  // Its exports map hides package.json from require.resolve; read it where pnpm links it beside Portkey.
  const honoManifest = path.join(path.dirname(manifest), '..', '..', '@hono', 'node-server', 'package.json');
  let honoNodeServer = 'unknown';
  try {
    honoNodeServer = (JSON.parse(readFileSync(honoManifest, 'utf8')) as { version: string }).version;
  } catch {
    // Another layout: the version is only informative.
  }
  return { gateway, honoNodeServer };
}

export async function startPortkey(options: { logFile: string; nodeArgs?: string[] }): Promise<Child> {
  const bin = path.join(path.dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
  const port = await freePort();
  return startChild({
    name: 'Portkey gateway',
    nodeArgs: options.nodeArgs ?? [],
    args: [bin, `--port=${port}`, '--headless'],
    env: { NODE_ENV: 'production' },
    logFile: options.logFile,
    ready: { port },
  });
}
