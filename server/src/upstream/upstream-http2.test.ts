import type { IncomingMessage } from 'node:http';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';

// OpenRouter serves HTTPS and speaks HTTP/2. Here the emulator does too (`tls`), and the gateway's behaviours that
// depend on the transport (cancelling, a stream cut off, timeouts, many streams on one connection) are checked over it.

let harness: Harness;
let openai: OpenAI;
/** Each API call the emulator received (the catalog and key lookups left out): its protocol and its connection. */
const calls: Array<{ version: string; connection: unknown }> = [];
const versions = () => calls.map((call) => call.version);

/** Over HTTP/2 the connection is the request's session (its `socket` is a new stand-in object each time). */
function recordCall(request: IncomingMessage): void {
  if (request.method !== 'POST') return;
  const { stream } = request as IncomingMessage & { stream?: { session?: unknown } };
  calls.push({ version: request.httpVersion, connection: stream?.session ?? request.socket });
}

beforeAll(async () => {
  harness = await startHarness({ emulator: { tls: true }, upstream: { http2: true, timeouts: { firstByteMs: 400, betweenChunksMs: 400 } } });
  harness.emulator.server.on('request', recordCall);
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterEach(() => {
  harness.emulator.clearRules();
  calls.length = 0;
});
afterAll(() => harness.close());

const fetchStream = (target: Harness, content: string, signal?: AbortSignal) =>
  fetch(`${target.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content }] }),
    ...(signal ? { signal } : {}),
  });
const streamRaw = (content: string, signal?: AbortSignal) => fetchStream(harness, content, signal);

describe('the upstream over HTTP/2 (upstream.http2)', () => {
  it('sends JSON chat, streams and embeddings over HTTP/2 and records each with its cost', async () => {
    const completion = await openai.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'json over h2' }] });
    expect(completion.choices[0]?.message.content).toContain('json over h2');
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'stream over h2' }] })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toContain('stream over h2');
    const embedding = await openai.embeddings.create({ model: 'embed', input: 'vectors over h2' });
    expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(versions()).toEqual(['2.0', '2.0', '2.0']);
    const records = harness.usage.records.slice(-3);
    expect(records.map((record) => [record.endpoint, record.status])).toEqual([
      ['chat', 'ok'],
      ['chat', 'ok'],
      ['embeddings', 'ok'],
    ]);
    for (const record of records) expect(record.costUsd).toBe(harness.emulator.probe(record.generationId!)!.billed!.cost);
  });

  it('carries many concurrent streams on one connection', async () => {
    await (await streamRaw('one first, to open the connection')).text();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => streamRaw(`parallel ${index}`).then((response) => response.text())));
    for (const answer of answers) expect(parseSseBody(answer).done).toBe(true);
    expect(versions()).toEqual(Array(21).fill('2.0'));
    expect(new Set(calls.map((call) => call.connection)).size).toBe(1);
  });

  it('resets the upstream stream when the client goes away, and records the request as cancelled', async () => {
    harness.emulator.addRule({ match: { contains: 'leave early' }, scenario: 'tps=40;tokens=400' });
    const controller = new AbortController();
    const response = await streamRaw('leave early', controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await expect.poll(() => harness.emulator.generations({ status: 'running' })).toHaveLength(1);
    const [running] = harness.emulator.generations({ status: 'running' });
    controller.abort();
    const probe = await harness.emulator.waitForGeneration(running!.id, (candidate) => candidate.clientClosed, 2_000);
    expect(probe.clientClosed).toBe(true);
    await expect.poll(() => harness.usage.records.at(-1)).toMatchObject({ status: 'cancelled', generationId: running!.id });
  });

  it('ends the client stream with an error event when the upstream resets its stream, and goes on on the same connection', async () => {
    harness.emulator.addRule({ match: { contains: 'cut off' }, scenario: 'drop-after=3', times: 1 });
    const parsed = parseSseBody(await (await streamRaw('cut off')).text());
    expect(parsed.events.at(-1)).toMatchObject({ error: { code: 'upstream_stream_truncated', type: 'server_error' } });
    expect(parsed.done).toBe(false);
    const next = parseSseBody(await (await streamRaw('after the cut')).text());
    expect(next.done).toBe(true);
  });

  it('times out a silent upstream before its first byte (504) and between chunks (error event)', async () => {
    harness.emulator.addRule({ match: { contains: 'silent start' }, scenario: 'stall=1500' });
    const silent = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'silent start' }] }),
    });
    expect(silent.status).toBe(504);
    expect(((await silent.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');

    harness.emulator.addRule({ match: { contains: 'stall midway' }, scenario: 'stall=1500;stall-after=2' });
    const stalled = parseSseBody(await (await streamRaw('stall midway')).text());
    expect(stalled.events.at(-1)).toMatchObject({ error: { code: 'upstream_timeout' } });
  });
});

describe('the upstream over TLS without HTTP/2', () => {
  it('uses HTTP/1.1 by default, one request per connection at a time (no pipelining behind a long stream)', async () => {
    const h1 = await startHarness({ emulator: { tls: true } });
    const seen: Array<{ version: string; socket: unknown }> = [];
    h1.emulator.server.on('request', (request: IncomingMessage) => {
      if (request.method === 'POST') seen.push({ version: request.httpVersion, socket: request.socket });
    });
    h1.emulator.addRule({ match: { contains: 'slow' }, scenario: 'tps=50;tokens=25' });
    try {
      const client = new OpenAI({ baseURL: `${h1.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
      await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'h1 please' }] });
      const slow = await Promise.all([1, 2, 3].map(async (index) => (await fetchStream(h1, `slow ${index}`)).text()));
      for (const answer of slow) expect(parseSseBody(answer).done).toBe(true);
      expect(seen.map((call) => call.version)).toEqual(['1.1', '1.1', '1.1', '1.1']);
      expect(new Set(seen.slice(1).map((call) => call.socket)).size).toBe(3);
    } finally {
      await h1.close();
    }
  });

  it('refuses an upstream whose certificate it does not trust, as a 502 that names no detail of the request', async () => {
    const untrusting = await startHarness({ emulator: { tls: true }, upstream: { ca: [] } });
    try {
      const response = await fetch(`${untrusting.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'untrusted' }] }),
      });
      expect(response.status).toBe(502);
      expect(await response.text()).not.toContain(untrusting.upstreamKey);
    } finally {
      await untrusting.close();
    }
  });
});
