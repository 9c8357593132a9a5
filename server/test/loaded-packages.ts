// Run as a process of its own (node --import tsx): builds a gateway as `insforge-ai serve` does, on a SQLite file,
// lets it get ready and answer one request, closes it, and prints as JSON which of the on-demand packages it loaded
// and what still holds the process open a moment after the close (timers, sockets): nothing should.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createAiGateway } from '../src/index.js';

const ON_DEMAND = ['ioredis', 'rate-limiter-flexible', 'bullmq', 'pg', '@modelcontextprotocol/sdk', 'better-sqlite3'];

const folder = mkdtempSync(path.join(tmpdir(), 'insforge-loaded-'));
const gateway = createAiGateway({ database: path.join(folder, 'ai.db'), upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: 'sk-or-v1-loaded-packages' }, features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }] });
await gateway.ready;
const app = express().use(gateway);
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address() as { port: number };
await (await fetch(`http://127.0.0.1:${port}/v1/models`)).text();
await new Promise((resolve) => server.close(resolve));
await gateway.close();
rmSync(folder, { recursive: true, force: true });
await new Promise((resolve) => setTimeout(resolve, 100));
// Standard output and error are the parent's pipes: they are not the gateway's.
const holding = process.getActiveResourcesInfo().filter((resource) => resource !== 'PipeWrap' && resource !== 'TTYWrap');

const loaded = Object.keys(createRequire(import.meta.url).cache);
const packageOf = (name: string) => loaded.some((file) => file.includes(`${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`));
console.log(JSON.stringify({ loaded: ON_DEMAND.filter(packageOf), holding }));
