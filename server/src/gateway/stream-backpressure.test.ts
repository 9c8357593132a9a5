import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { neverReadingRequest } from '../../test/raw-http.js';
import { createAiFetchHandler } from '../fetch-handler.js';
import { untilDrained } from '../plain-http.js';
import { MemoryUsageSink } from '../usage/usage-record.js';

// An answer far larger than every buffer between the upstream and a client (the sockets' kernel buffers are a few MB
// each on loopback): a gateway that reads it all for a client that reads nothing holds all of it in memory.
const ANSWER_BYTES = 96 * 1024 * 1024;
const event = (text: string) =>
  `data: ${JSON.stringify({ id: 'gen-slow-1', provider: 'OpenAI', model: 'openai/gpt-4o-mini', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null, native_finish_reason: null, logprobs: null }] })}\n\n`;
// Events of 1 KiB, so that socket reads (64 KiB at most) mostly hold whole events, which leave without being parsed.
const EVENT = event('x'.repeat(1024 - event('').length));
const READ = Buffer.from(EVENT.repeat(64));

/** How far the upstream got: bytes it handed to its socket, and whether it sent the whole answer. */
interface UpstreamProgress {
  sent: number;
  finished: boolean;
  /** Resolves once it sent everything, or once its socket has taken nothing for `quietMs` (the gateway stopped reading). */
  settled(quietMs: number): Promise<'finished' | 'held back'>;
}

let harness: Harness;
let upstream: Server;
let progress: UpstreamProgress;
let upstreamBaseUrl: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    void (async () => {
      for await (const piece of req) void piece;
      if (!req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-generation-id': 'gen-slow-1' });
      let lastProgress = performance.now();
      progress.settled = (quietMs) => new Promise((resolve) => {
        const check = setInterval(() => {
          if (progress.finished) resolve('finished');
          else if (performance.now() - lastProgress >= quietMs) resolve('held back');
          else return;
          clearInterval(check);
        }, 20);
      });
      res.on('close', () => (lastProgress = performance.now()));
      while (progress.sent < ANSWER_BYTES && !res.destroyed) {
        res.write(READ);
        progress.sent += READ.length;
        lastProgress = performance.now();
        // Until the gateway takes more (or leaves), as the gateway itself waits for its clients.
        await untilDrained(res);
        lastProgress = performance.now();
      }
      if (res.destroyed) return;
      res.end('data: [DONE]\n\n');
      progress.finished = true;
    })();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api/v1`;
  upstreamBaseUrl = baseUrl;
  harness = await startHarness({ features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }], upstream: { baseUrl } });
});
afterAll(async () => {
  await harness.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe('a client that does not read its stream', () => {
  it.each([
    ['the OpenAI route (events forwarded as they came)', '/v1/chat/completions', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'say a lot' }] }],
    ["InsForge's route (events written again)", '/api/ai/chat/completion', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'say a lot' }] }],
  ])('on %s leaves the rest of the answer upstream instead of reading it all into memory', async (_name, path, body) => {
    progress = { sent: 0, finished: false, settled: async () => 'finished' };
    const records = harness.usage.records.length;
    const socket = await neverReadingRequest(`${harness.url.replace(/\/$/, '')}${path}`, { method: 'POST', headers: `Authorization: Bearer ${CLIENT_KEY}\r\nContent-Type: application/json\r\n`, body: JSON.stringify(body) });
    await expect.poll(() => progress.sent).toBeGreaterThan(0);
    // The gateway stops reading once the client's connection is full: what left the upstream is what the sockets
    // between hold, a small part of the answer.
    expect(await progress.settled(1_000)).toBe('held back');
    expect(progress.sent).toBeLessThan(ANSWER_BYTES / 2);
    // The client that leaves still stops the upstream request and gets its record.
    socket.destroy();
    await expect.poll(() => harness.usage.records.length).toBe(records + 1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'cancelled' });
  });
});

describe('a Response of the fetch handler whose body nobody reads', () => {
  it('leaves the rest of the answer upstream, and cancelling the body records the request as cancelled', async () => {
    const usage = new MemoryUsageSink();
    const handler = createAiFetchHandler({ basePath: '/api/ai', features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }], clientKeys: [{ key: CLIENT_KEY }], database: ':memory:', usage, upstream: { baseUrl: upstreamBaseUrl, apiKey: 'sk-or-v1-test' } });
    try {
      progress = { sent: 0, finished: false, settled: async () => 'finished' };
      const response = await handler(
        new Request('http://app.example/api/ai/v1/chat/completions', {
          method: 'POST',
          headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'say a lot' }] }),
        }),
      );
      expect(response.status).toBe(200);
      await expect.poll(() => progress.sent).toBeGreaterThan(0);
      // Nothing reads the body: the bridge's queue fills, and the gateway stops reading the upstream.
      expect(await progress.settled(1_000)).toBe('held back');
      expect(progress.sent).toBeLessThan(ANSWER_BYTES / 2);
      await response.body?.cancel();
      await expect.poll(() => usage.records.length).toBe(1);
      expect(usage.records[0]).toMatchObject({ status: 'cancelled' });
    } finally {
      await handler.close(0);
    }
  });
});
