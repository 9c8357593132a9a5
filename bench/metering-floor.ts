/**
 * The least a metering gateway does, with nothing else: it reads and parses the JSON request, adds the feature's
 * system prompt and model, sends it with undici (as our gateway does) and answers with OpenRouter's bytes, reading the
 * usage from the answer (JSON parsed with the vectors of embeddings skipped, as ours does; from the last event of a
 * stream). No authentication, limits, validation, ledger, metrics or traces. Mounted in an Express app
 * (BENCH_FLOOR_HOST=express, at `/ai`, as users mount ours) or served by node:http alone (`http`): the two tell what
 * the host's Express costs apart from the gateway's own work. Run as a child process by bench/floors.ts; prints its URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import { Agent } from 'undici';
import { parseWithoutVectors } from '../server/src/gateway/upstream-json.js';
import { serveChild } from './child-server.js';
import { CHAT_MODEL, EMBEDDING_MODEL, SYSTEM_PROMPT } from './workload.js';

const upstream = new URL(process.env['BENCH_UPSTREAM_URL'] ?? '');
const upstreamKey = process.env['BENCH_UPSTREAM_KEY'] ?? '';
const host = process.env['BENCH_FLOOR_HOST'] === 'http' ? 'http' : 'express';
const agent = new Agent({ keepAliveTimeout: 60_000 });

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** The usage of a stream, from its last event that carries one (OpenRouter sends it last, before `[DONE]`). */
function streamUsage(tail: string): unknown {
  const at = tail.lastIndexOf('data: {');
  if (at === -1 || !tail.includes('"usage"', at)) return undefined;
  const end = tail.indexOf('\n', at);
  return (JSON.parse(tail.slice(at + 6, end === -1 ? undefined : end)) as { usage?: unknown }).usage;
}

async function forward(req: IncomingMessage, res: ServerResponse, path: '/chat/completions' | '/embeddings'): Promise<void> {
  const body = await readJson(req);
  const outgoing = path === '/embeddings'
    ? { ...body, model: EMBEDDING_MODEL }
    : { ...body, model: CHAT_MODEL, messages: [{ role: 'system', content: SYSTEM_PROMPT }, ...(body['messages'] as unknown[])] };
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) gone.abort();
  });
  const answer = await agent.request({
    origin: upstream.origin,
    path: `${upstream.pathname}${path}`,
    method: 'POST',
    headers: { authorization: `Bearer ${upstreamKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(outgoing),
    signal: gone.signal,
  });
  if (body['stream'] === true && answer.statusCode === 200) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // The last two reads: the usage event may start in the one before the last.
    let previous: Buffer = Buffer.alloc(0);
    let last: Buffer = Buffer.alloc(0);
    for await (const chunk of answer.body as AsyncIterable<Buffer>) {
      res.write(chunk);
      previous = last;
      last = chunk;
    }
    const tail = Buffer.concat([previous, last]);
    streamUsage(tail.toString('utf8', Math.max(0, tail.length - 4_096)));
    res.end();
    return;
  }
  const bytes = Buffer.from(await answer.body.arrayBuffer());
  parseWithoutVectors(bytes);
  res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function handle(req: IncomingMessage, res: ServerResponse, path: string): void {
  const route = path === '/v1/chat/completions' ? '/chat/completions' : path === '/v1/embeddings' ? '/embeddings' : undefined;
  if (req.method !== 'POST' || !route) {
    res.writeHead(404).end();
    return;
  }
  forward(req, res, route).catch(() => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end();
  });
}

/** The host users have: an Express app with the gateway's router mounted at `/ai`. */
function expressApp(): express.Express {
  const app = express();
  const router = express.Router();
  router.post(['/v1/chat/completions', '/v1/embeddings'], (req, res) => handle(req, res, req.path));
  app.use('/ai', router);
  return app;
}

serveChild(createServer(host === 'express' ? expressApp() : (req, res) => handle(req, res, req.url ?? '')));
