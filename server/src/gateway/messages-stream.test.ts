import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ heartbeatMs: 100, upstream: { timeouts: { betweenChunksMs: 400 } } });
});
afterEach(() => harness.emulator.clearRules());
afterAll(() => harness.close());

const streamRaw = (content: string) =>
  fetch(`${harness.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, max_tokens: 200, messages: [{ role: 'user', content }] }),
  });

/** The `event:` names of an SSE body, in order. */
const eventNames = (text: string) => [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);

describe('a streamed message', () => {
  it('forwards the named events in order, from message_start to message_stop, the ping included', async () => {
    const text = await (await streamRaw('named events')).text();
    const parsed = parseSseBody(text);
    const names = eventNames(text);
    expect(names).toEqual(parsed.events.map((event) => event['type']));
    expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = parsed.events.filter((event) => event['type'] === 'content_block_delta').map((event) => (event['delta'] as { text: string }).text).join('');
    expect(deltas).toContain('named events');
  });

  it('drops the upstream keep-alives and sends its own heartbeats while the model thinks', async () => {
    harness.emulator.addRule({ match: { contains: 'slow start' }, scenario: 'ttft=450;keepalive=50' });
    const parsed = parseSseBody(await (await streamRaw('slow start')).text());
    expect(parsed.comments.length).toBeGreaterThanOrEqual(2);
    expect(parsed.comments.every((comment) => comment === 'heartbeat')).toBe(true);
    expect(parsed.events.at(-1)).toMatchObject({ type: 'message_stop' });
  });

  it('ends with a timeout_error event when the upstream stalls, recorded as an error once', async () => {
    harness.emulator.addRule({ match: { contains: 'stall' }, scenario: 'stall=2000;stall-after=2' });
    const before = harness.usage.records.length;
    const text = await (await streamRaw('stall please')).text();
    expect(eventNames(text).at(-1)).toBe('error');
    expect(parseSseBody(text).events.at(-1)).toEqual({ type: 'error', error: { type: 'timeout_error', message: 'The model stopped sending the answer mid-way.', code: 'upstream_timeout', param: null } });
    await expect.poll(() => harness.usage.records.length - before).toBe(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'upstream_timeout', streamed: true });
  });

  it('never ends cleanly when the connection drops before message_stop', async () => {
    harness.emulator.addRule({ match: { contains: 'drop' }, scenario: 'drop-after=3' });
    const parsed = parseSseBody(await (await streamRaw('drop please')).text());
    expect(parsed.events.some((event) => event['type'] === 'message_stop')).toBe(false);
    expect(parsed.events.at(-1)).toMatchObject({ type: 'error', error: { type: 'api_error', code: 'upstream_stream_truncated' } });
  });

  it('answers a refusal before the first event with its real status, in Anthropic\'s error shape', async () => {
    harness.emulator.addRule({ match: { contains: 'refused' }, scenario: 'status=400' });
    const response = await streamRaw('refused outright');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_request' } });
  });
});
