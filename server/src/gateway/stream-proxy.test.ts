import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';

let harness: Harness;
let openai: OpenAI;
beforeAll(async () => {
  harness = await startHarness({ heartbeatMs: 100, upstream: { timeouts: { betweenChunksMs: 400 } } });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterEach(() => harness.emulator.clearRules());
afterAll(() => harness.close());

const streamRaw = (content: string, signal?: AbortSignal) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content }] }),
    ...(signal ? { signal } : {}),
  });
const now = () => performance.timeOrigin + performance.now();
const contentOf = (events: Array<Record<string, unknown>>) =>
  events.map((event) => ((event['choices'] as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? '')).join('');

describe('streaming', () => {
  it('forwards the answer in OpenAI chunks and ends with [DONE], without usage unless asked', async () => {
    const parsed = parseSseBody(await (await streamRaw('plain stream')).text());
    expect(contentOf(parsed.events)).toContain('plain stream');
    expect(parsed.done).toBe(true);
    expect(parsed.events.some((event) => 'usage' in event)).toBe(false);
    expect(parsed.events.every((event) => event['object'] === 'chat.completion.chunk')).toBe(true);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', streamed: true, completionTokens: expect.any(Number), costUsd: expect.any(Number) });
  });

  it('reads usage from either chunk form and always records it', async () => {
    harness.emulator.addRule({ match: { contains: 'form b' }, scenario: 'usage=b' });
    await (await streamRaw('form b please')).text();
    const record = harness.usage.records.at(-1)!;
    expect(record.completionTokens).toBeGreaterThan(0);
    expect(record.costUsd).toBe(harness.emulator.probe(record.generationId!)!.billed!.cost);
  });

  it('drops the upstream keep-alives and sends its own heartbeats while the model thinks', async () => {
    harness.emulator.addRule({ match: { contains: 'slow start' }, scenario: 'ttft=450;keepalive=50' });
    const parsed = parseSseBody(await (await streamRaw('slow start')).text());
    expect(parsed.comments.length).toBeGreaterThanOrEqual(2);
    expect(parsed.comments.every((comment) => comment === 'heartbeat')).toBe(true);
    expect(parsed.done).toBe(true);
  });

  it('turns a mid-stream upstream error into an OpenAI error event, never a clean end', async () => {
    harness.emulator.addRule({ match: { contains: 'fail midway' }, scenario: 'error-after=3;error-code=429' });
    const stream = await openai.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'fail midway' }] });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    expect(text.length).toBeGreaterThan(0);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'rate_limit_exceeded' });
  });

  it('does not fall back once the first chunk went out', async () => {
    harness.emulator.reset();
    harness.emulator.addRule({ match: { contains: 'no fallback' }, scenario: 'error-after=2;error-code=502' });
    const parsed = parseSseBody(await (await streamRaw('no fallback after first byte')).text());
    expect(parsed.events.at(-1)).toMatchObject({ error: { code: 'upstream_error' } });
    expect(parsed.done).toBe(false);
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(1);
  });

  it('sends an explicit error event when the upstream connection drops without [DONE]', async () => {
    harness.emulator.addRule({ match: { contains: 'drop' }, scenario: 'drop-after=3' });
    const parsed = parseSseBody(await (await streamRaw('drop the line')).text());
    expect(parsed.events.at(-1)).toMatchObject({ error: { code: 'upstream_stream_truncated', type: 'server_error' } });
    expect(parsed.done).toBe(false);
  });

  it('sends an error event when the upstream stalls longer than the between-chunk timeout', async () => {
    harness.emulator.addRule({ match: { contains: 'stall' }, scenario: 'stall=2000;stall-after=2' });
    const parsed = parseSseBody(await (await streamRaw('stall please')).text());
    expect(parsed.events.at(-1)).toMatchObject({ error: { code: 'upstream_timeout' } });
  });
});

describe('abort propagation', () => {
  it('closes the upstream stream within 100 ms of the client aborting', async () => {
    harness.emulator.addRule({ match: { contains: 'abort stream' }, scenario: 'tps=40;tokens=400' });
    const controller = new AbortController();
    const response = await streamRaw('abort stream', controller.signal);
    const reader = response.body!.getReader();
    let text = '';
    while ((text.match(/"content":"[^"]/g) ?? []).length < 3) text += new TextDecoder().decode((await reader.read()).value);
    const running = harness.emulator.generations({ status: 'running' });
    expect(running).toHaveLength(1);
    const abortedAt = now();
    controller.abort();
    const probe = await harness.emulator.waitForGeneration(running[0]!.id, (candidate) => candidate.clientClosed, 2_000);
    expect(probe.clientClosedAt! - abortedAt).toBeLessThan(100);
    expect(probe.tokensSent).toBeLessThan(probe.plannedTokens);
    await expect.poll(() => harness.usage.records.at(-1)?.status).toBe('cancelled');
  });

  it('closes the upstream request within 100 ms when a non-streaming client aborts', async () => {
    harness.emulator.addRule({ match: { contains: 'abort json' }, scenario: 'ttft=100;tps=20;tokens=200' });
    const controller = new AbortController();
    const pending = openai.chat.completions
      .create({ model: 'chat', messages: [{ role: 'user', content: 'abort json' }] }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    await expect.poll(() => harness.emulator.generations({ status: 'running' }).length).toBe(1);
    const [running] = harness.emulator.generations({ status: 'running' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const abortedAt = now();
    controller.abort();
    await pending;
    const probe = await harness.emulator.waitForGeneration(running!.id, (candidate) => candidate.clientClosed, 2_000);
    expect(probe.clientClosedAt! - abortedAt).toBeLessThan(100);
    await expect.poll(() => harness.usage.records.at(-1)?.status).toBe('cancelled');
  });
});
