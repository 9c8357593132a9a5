import { createServer, request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedAnswer, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { hotRoutesListener, type AiGatewayOptions } from '../index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Live memory after two full collections: the JavaScript heap and the bytes of Buffers. */
function liveBytes(): number {
  collectGarbage();
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const STREAMS = 12;
// Long, as a conversation of a few hundred turns is, and within the model's context.
const PROMPT_BYTES = 1 << 18;

/** Opens a chat stream and resolves once its first bytes arrived; the request stays open until destroyed. */
function openStream(url: string, body: Buffer): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      if (res.statusCode !== 200) res.once("data", (chunk: Buffer) => reject(new Error(`status ${res.statusCode}: ${chunk.toString()}`)));
      res.once('data', () => resolve(req));
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end(body);
  });
}

/** What each open stream holds, less what the streams hold with a short prompt (the socket, the stream's own state). */
async function heldPerStream(url: string, content: string, model = 'chat'): Promise<number> {
  const body = Buffer.from(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: `hold open ${content}` }] }));
  const before = liveBytes();
  const streams = await Promise.all(Array.from({ length: STREAMS }, () => openStream(url, body)));
  const during = liveBytes();
  for (const stream of streams) stream.destroy();
  return (during - before) / STREAMS;
}

/**
 * OpenRouter for these tests: a chat marked `hold open` gets its first chunk and then stays open, its request read and
 * dropped (the emulator keeps each request for its generation records, which would count here, in this process);
 * everything else goes to the emulator.
 */
const holdOpen = (request: { path: string; body: Buffer }): ScriptedAnswer | undefined =>
  request.path.endsWith('/chat/completions') && request.body.includes('hold open')
    ? {
        headers: { 'content-type': 'text/event-stream', 'x-generation-id': 'gen-held' },
        reads: [`data: ${JSON.stringify({ id: 'gen-held', object: 'chat.completion.chunk', created: 1, model: 'openai/gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] })}\n\n`],
        holdOpen: true,
      }
    : undefined;

describe('an open stream does not hold its prompt', () => {
  let upstream: ScriptedUpstream;
  let harness: Harness;
  let server: Server;
  let listenerUrl: string;
  beforeAll(async () => {
    upstream = await startScriptedUpstream(holdOpen, () => harness.emulator.url);
    harness = await startHarness({
      upstream: { baseUrl: upstream.baseUrl } as NonNullable<AiGatewayOptions['upstream']>,
      // A guardrail on the answer watches every chunk for as long as the stream lasts.
      features: [...DEFAULT_FEATURES, { name: 'guarded', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] }],
    });
    const app = express();
    app.use('/', harness.gateway);
    server = createServer(hotRoutesListener(harness.gateway, app));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await harness.close();
    await upstream.close();
  });

  it('served by the listener: once the stream has begun, neither the gateway nor its upstream client keeps the prompt', async () => {
    // Warm up: the first streams grow pools and compile code, which must not count.
    await heldPerStream(listenerUrl, 'x');
    const short = await heldPerStream(listenerUrl, 'x');
    const long = await heldPerStream(listenerUrl, 'x'.repeat(PROMPT_BYTES));
    // Before, each open stream held its prompt three times over (the parsed request, the JSON sent upstream and
    // undici's copy of it as bytes).
    expect(long - short).toBeLessThan(PROMPT_BYTES / 4);
  });

  it('with a guardrail on the answer, which reads every chunk, the prompt is not kept either', async () => {
    await heldPerStream(listenerUrl, 'x', 'guarded');
    const short = await heldPerStream(listenerUrl, 'x', 'guarded');
    const long = await heldPerStream(listenerUrl, 'x'.repeat(PROMPT_BYTES), 'guarded');
    expect(long - short).toBeLessThan(PROMPT_BYTES / 4);
  });

  it('mounted in an app: only the request body the app can still read is kept', async () => {
    await heldPerStream(harness.url, 'x');
    const short = await heldPerStream(harness.url, 'x');
    const long = await heldPerStream(harness.url, 'x'.repeat(PROMPT_BYTES));
    // `req.body` stays for the app's own code; the copies sent upstream do not.
    expect(long - short).toBeLessThan(PROMPT_BYTES * 1.5);
  });
});
