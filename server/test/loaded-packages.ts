// Run as a process of its own (node --import tsx): builds a gateway as `insforge-ai serve` does, on a SQLite file,
// lets it get ready and answer a request and one its blocklist pattern screens (in a worker thread), closes it, and prints as JSON which of the on-demand packages it loaded
// and what still holds the process open a moment after the close (timers, sockets): nothing should.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createAiGateway } from '../src/index.js';

const ON_DEMAND = ['ioredis', 'bullmq', 'pg', '@modelcontextprotocol/sdk', 'better-sqlite3'];

const folder = mkdtempSync(path.join(tmpdir(), 'insforge-loaded-'));
const ADMIN_TOKEN = 'loaded-packages-admin-token';
const gateway = createAiGateway({
  database: path.join(folder, 'ai.db'),
  upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-loaded-packages' },
  adminToken: ADMIN_TOKEN,
  features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }, { name: 'guarded', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', patterns: ['promo\\d+'] }] }],
});
await gateway.ready;
const app = express().use(gateway);
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address() as { port: number };
await (await fetch(`http://127.0.0.1:${port}/v1/models`)).text();
// A blocklist pattern screens this message (and refuses it before any upstream call): its worker thread starts.
const screened = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'guarded', messages: [{ role: 'user', content: 'use PROMO42' }] }),
});
if (screened.status !== 403) throw new Error(`the blocklist pattern did not screen the message: ${screened.status} ${await screened.text()}`);
await new Promise((resolve) => server.close(resolve));
await gateway.close();
rmSync(folder, { recursive: true, force: true });
await new Promise((resolve) => setTimeout(resolve, 100));
// Standard output and error are the parent's pipes: they are not the gateway's.
const holding = process.getActiveResourcesInfo().filter((resource) => resource !== 'PipeWrap' && resource !== 'TTYWrap');

const loaded = Object.keys(createRequire(import.meta.url).cache);
const packageOf = (name: string) => loaded.some((file) => file.includes(`${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`));
console.log(JSON.stringify({ loaded: ON_DEMAND.filter(packageOf), holding }));
