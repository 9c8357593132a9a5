/**
 * The floor for any Node gateway: a pass-through proxy with no logic. It pipes each request to the upstream origin
 * over a keep-alive agent and pipes the answer back; a client that goes away destroys the upstream request.
 * Run as a child process by bench/run.ts (BENCH_UPSTREAM_ORIGIN=http://127.0.0.1:PORT); prints its URL. An https
 * origin goes over Node's https (HTTP/1.1), trusting BENCH_UPSTREAM_CA (PEM), the emulator's certificate.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { serveChild } from './child-server.js';

const upstream = new URL(process.env['BENCH_UPSTREAM_ORIGIN'] ?? '');
const secure = upstream.protocol === 'https:';
const extraCa = process.env['BENCH_UPSTREAM_CA'];
const pool = { keepAlive: true, maxSockets: Infinity, maxFreeSockets: 2048 };
// The agent keys its pool on the options, certificates included, on every request: one certificate keeps that cheap.
const agent = secure ? new HttpsAgent({ ...pool, ...(extraCa ? { ca: extraCa } : {}) }) : new Agent(pool);
const request = secure ? httpsRequest : httpRequest;

const server = createServer((req, res) => {
  const upstreamRequest = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
    (upstreamResponse) => {
      res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(res);
    },
  );
  upstreamRequest.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end();
  });
  res.on('close', () => {
    if (!res.writableFinished) upstreamRequest.destroy();
  });
  req.pipe(upstreamRequest);
});
serveChild(server);
