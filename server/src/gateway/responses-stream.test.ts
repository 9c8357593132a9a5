import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ heartbeatMs: 100, upstream: { timeouts: { betweenChunksMs: 400 } } });
});
afterEach(() => harness.emulator.clearRules());
afterAll(() => harness.close());

const streamRaw = (input: string, signal?: AbortSignal) =>
  fetch(`${harness.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, input }),
    ...(signal ? { signal } : {}),
  });

/** The `event:` names of an SSE body, in order. */
const eventNames = (text: string) => [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);

describe('a streamed response', () => {
  it('forwards the typed events in order, each named, and ends at response.completed', async () => {
    const text = await (await streamRaw('typed events')).text();
    const parsed = parseSseBody(text);
    const names = eventNames(text);
    expect(names).toEqual(parsed.events.map((event) => event['type']));
    expect(names[0]).toBe('response.created');
    expect(names.at(-1)).toBe('response.completed');
    expect(parsed.events.map((event) => event['sequence_number'])).toEqual(parsed.events.map((_, index) => index));
    const deltas = parsed.events.filter((event) => event['type'] === 'response.output_text.delta').map((event) => event['delta']).join('');
    expect(deltas).toContain('typed events');
  });

  it('drops the upstream keep-alives and sends its own heartbeats while the model thinks', async () => {
    harness.emulator.addRule({ match: { contains: 'slow start' }, scenario: 'ttft=450;keepalive=50' });
    const parsed = parseSseBody(await (await streamRaw('slow start')).text());
    expect(parsed.comments.length).toBeGreaterThanOrEqual(2);
    expect(parsed.comments.every((comment) => comment === 'heartbeat')).toBe(true);
    expect(parsed.events.at(-1)).toMatchObject({ type: 'response.completed' });
  });

  it('ends with an error event after the last sequence number when the upstream stalls, recorded as an error', async () => {
    harness.emulator.addRule({ match: { contains: 'stall' }, scenario: 'stall=2000;stall-after=2' });
    const before = harness.usage.records.length;
    const parsed = parseSseBody(await (await streamRaw('stall please')).text());
    const last = parsed.events.at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'upstream_timeout', error: { code: 'upstream_timeout', type: 'server_error' } });
    expect(last?.['sequence_number']).toBe(parsed.events.length - 1);
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'upstream_timeout', streamed: true });
  });

  it('never ends cleanly when the connection drops before response.completed', async () => {
    harness.emulator.addRule({ match: { contains: 'drop' }, scenario: 'drop-after=3' });
    const parsed = parseSseBody(await (await streamRaw('drop please')).text());
    expect(parsed.events.some((event) => event['type'] === 'response.completed')).toBe(false);
    expect(parsed.events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_stream_truncated' });
  });

  it('answers a refusal before the first event with its real status, not a 200', async () => {
    harness.emulator.addRule({ match: { contains: 'refused' }, scenario: 'status=400' });
    const response = await streamRaw('refused outright');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
  });
});
