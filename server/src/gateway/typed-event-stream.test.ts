import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedAnswer, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';

// An upstream whose reads the test decides, for streams with nothing to tap: what reaches the client and the record
// must not depend on where the reads cut the events (a fast path that forwards the deltas' bytes unparsed, tried in
// bench/findings.md change 66, was held to these).
const typed = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
const MODEL = 'openai/gpt-4o-mini';
const texts = ['Hé', 'llo ', 'wörld 😀', ' "quoted"\\n', ' end'];

const responseEvents = (ending: 'completed' | 'error'): string[] => {
  let sequence = 0;
  const event = (type: string, payload: Record<string, unknown>) => typed(type, { ...payload, sequence_number: sequence++ });
  const response = { id: 'resp-1', object: 'response', model: MODEL, provider: 'OpenAI', output: [] };
  const events = [
    event('response.created', { response: { ...response, status: 'in_progress', usage: null } }),
    event('response.output_item.added', { output_index: 0, item: { id: 'msg-1', type: 'message', role: 'assistant', content: [] } }),
    ...texts.map((delta) => event('response.output_text.delta', { item_id: 'msg-1', output_index: 0, content_index: 0, delta, logprobs: [] })),
  ];
  if (ending === 'error') return [...events, event('error', { code: 'server_error', message: 'The provider broke.' })];
  return [
    ...events,
    event('response.output_text.done', { item_id: 'msg-1', output_index: 0, content_index: 0, text: texts.join(''), logprobs: [] }),
    event('response.completed', { response: { ...response, status: 'completed', usage: { input_tokens: 7, output_tokens: 11, total_tokens: 18, cost: 0.00003 } } }),
  ];
};

const messageEvents = (): string[] => [
  typed('message_start', { message: { id: 'msg-1', type: 'message', role: 'assistant', model: MODEL, provider: 'OpenAI', content: [], usage: { input_tokens: 6, output_tokens: 1 } } }),
  typed('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ...texts.map((text) => typed('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  typed('content_block_stop', { index: 0 }),
  typed('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12, cost: 0.00004 } }),
  typed('message_stop', {}),
];

/**
 * The events in reads cut everywhere the fast path could trip: inside an event's data, inside the name of the last
 * event and inside the usage's key, and right before the blank line that ends the last event (`unended`: the body
 * ends there).
 */
function cutReads(events: string[], unended = false): string[] {
  const body = unended ? events.join('').replace(/\n\n$/, '') : events.join('');
  const cuts = [events.slice(0, 3).join('').length, body.indexOf('wörld') + 2, body.lastIndexOf('event: ') + 12, body.lastIndexOf('"usage"') + 3, body.length - (unended ? 5 : 2)];
  const pieces: string[] = [];
  let from = 0;
  for (const cut of [...cuts.sort((a, b) => a - b), body.length]) {
    if (cut > from) pieces.push(body.slice(from, cut));
    from = cut;
  }
  return pieces;
}

/** Where the event at `index` starts in the body `events` make. */
const eventStart = (events: string[], index: number) => events.slice(0, index).join('').length;

/**
 * The events in reads cut where a run of deltas taken as they came could trip: inside the name of a delta in the
 * middle of the run, inside the `event:` field of another, and between the two line ends after a third.
 */
function cutInsideRun(events: string[]): string[] {
  const body = events.join('');
  const cuts = [eventStart(events, 3) + 'event: res'.length, eventStart(events, 5) + 'eve'.length, eventStart(events, 6) - 1, body.length];
  return cuts.map((cut, index) => body.slice(cuts[index - 1] ?? 0, cut));
}

/** A Messages answer of two text blocks, each of the texts' deltas. */
const twoBlockMessageEvents = (): string[] => {
  const events = messageEvents();
  const block = (index: number) => [
    typed('content_block_start', { index, content_block: { type: 'text', text: '' } }),
    ...texts.map((text) => typed('content_block_delta', { index, delta: { type: 'text_delta', text } })),
    typed('content_block_stop', { index }),
  ];
  return [events[0] ?? '', ...block(0), ...block(1), ...events.slice(-2)];
};

/** A Messages answer whose upstream fails after the deltas. */
const failedMessageEvents = (): string[] => [...messageEvents().slice(0, 2 + texts.length), typed('error', { error: { type: 'api_error', message: 'The provider broke.' } })];

const answers: Record<string, { path: string; reads: string[]; holdOpen?: boolean }> = {
  'responses run cut': { path: '/responses', reads: cutInsideRun(responseEvents('completed')) },
  'messages run cut': { path: '/messages', reads: cutInsideRun(messageEvents()) },
  'responses failing in one read': { path: '/responses', reads: [responseEvents('error').join('')] },
  'messages failing in one read': { path: '/messages', reads: [failedMessageEvents().join('')] },
  'messages in two blocks': { path: '/messages', reads: [twoBlockMessageEvents().join('')] },
  'messages unended': { path: '/messages', reads: cutReads(messageEvents(), true) },
  'responses cut': { path: '/responses', reads: cutReads(responseEvents('completed')) },
  'responses error': { path: '/responses', reads: cutReads(responseEvents('error')) },
  'messages cut': { path: '/messages', reads: cutReads(messageEvents()) },
  'responses unended': { path: '/responses', reads: cutReads(responseEvents('completed'), true) },
  'responses in one read': { path: '/responses', reads: [responseEvents('completed').join('')] },
  'responses held': { path: '/responses', reads: responseEvents('completed').slice(0, 5), holdOpen: true },
};

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path, body }) => {
    if (method !== 'POST') return undefined;
    const found = Object.entries(answers).find(([marker, answer]) => answer.path === path && body.includes(marker));
    if (!found) return undefined;
    const [, answer] = found;
    return { headers: { 'content-type': 'text/event-stream', 'x-generation-id': 'gen-typed-1' }, reads: answer.reads, pauseMs: 20, ...(answer.holdOpen ? { holdOpen: true } : {}) } satisfies ScriptedAnswer;
  }, () => harness.emulator.url);
  harness = await startHarness({ features: [{ name: 'chat', model: MODEL }], upstream: { baseUrl: upstream.baseUrl } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

const post = (path: '/responses' | '/messages', marker: string, signal?: AbortSignal) =>
  fetch(`${harness.url}/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(path === '/responses' ? { model: 'chat', stream: true, input: marker } : { model: 'chat', stream: true, max_tokens: 100, messages: [{ role: 'user', content: marker }] }),
    ...(signal ? { signal } : {}),
  });

async function recordsOf(send: () => Promise<unknown>, count = 1) {
  const before = harness.usage.records.length;
  await send();
  await expect.poll(() => harness.usage.records.length - before).toBe(count);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(harness.usage.records.length - before).toBe(count);
  return harness.usage.records.slice(before);
}

const characters = texts.join('').length;

describe('a typed stream with nothing to tap, read in cut-up pieces', () => {
  it('leaves byte for byte as the Responses upstream sent it, whatever the reads cut, settled by the usage at its very end', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/responses', 'responses cut')).text()));
    expect(text).toBe(responseEvents('completed').join(''));
    expect(record).toMatchObject({ status: 'ok', servedModel: MODEL, promptTokens: 7, completionTokens: 11, costUsd: 0.00003, completionCharacters: characters, generationId: 'gen-typed-1' });
  });

  it('leaves byte for byte as the Messages upstream sent it, the usage read from message_start and message_delta', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/messages', 'messages cut')).text()));
    expect(text).toBe(messageEvents().join(''));
    expect(record).toMatchObject({ status: 'ok', servedModel: MODEL, promptTokens: 6, completionTokens: 12, costUsd: 0.00004, completionCharacters: characters });
  });

  it('ends with its own error event, numbered after the last delta, when the upstream sends an error event', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/responses', 'responses error')).text()));
    const events = parseSseBody(text).events;
    expect(text.startsWith(responseEvents('error').slice(0, -1).join(''))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_error', sequence_number: events.length - 1 });
    expect(record).toMatchObject({ status: 'error', errorCode: 'upstream_error', completionCharacters: characters });
  });

  it('never reads a last event the upstream did not end with a blank line: the answer counts as cut off, as when parsed', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/responses', 'responses unended')).text()));
    expect(text.startsWith(responseEvents('completed').slice(0, -1).join(''))).toBe(true);
    expect(parseSseBody(text).events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_stream_truncated', sequence_number: 8 });
    expect(record).toMatchObject({ status: 'error', errorCode: 'upstream_stream_truncated', completionCharacters: characters });
  });

  it('records a client that hangs up mid-stream exactly once, as cancelled', async () => {
    const records = await recordsOf(async () => {
      const abort = new AbortController();
      const response = await post('/responses', 'responses held', abort.signal);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let seen = '';
      while (!seen.includes('output_text.delta')) seen += new TextDecoder().decode((await reader.read()).value);
      abort.abort();
    });
    expect(records[0]).toMatchObject({ status: 'cancelled', generationId: 'gen-typed-1' });
  });
});

describe('a typed stream with nothing to tap, whose upstream sends its events in one read', () => {
  it('writes the events of the read as one piece, not one piece of the socket write for each', async () => {
    // The pieces of every socket write of this process (the upstream's, the gateway's, the client's) that carry a
    // delta: the upstream's one read, and what the gateway made of it.
    const write = vi.spyOn(Socket.prototype, '_write');
    const writev = vi.spyOn(Socket.prototype, '_writev');
    try {
      let text = '';
      await recordsOf(async () => (text = await (await post('/responses', 'responses in one read')).text()));
      expect(text).toBe(responseEvents('completed').join(''));
      const pieces = [...write.mock.calls.map(([data]) => data), ...writev.mock.calls.flatMap(([chunks]) => chunks.map(({ chunk }) => chunk))];
      expect(pieces.filter((piece) => String(piece).includes('output_text.delta'))).toHaveLength(2);
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
  });
});

describe('a typed stream with nothing to tap, its deltas forwarded as the bytes that came', () => {
  /** What `send` parsed of the deltas (JSON.parse calls on text that holds one). */
  async function deltasParsedBy(send: () => Promise<unknown>): Promise<number> {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await send();
      return parse.mock.calls.filter(([text]) => typeof text === 'string' && /output_text\.delta|content_block_delta/.test(text)).length;
    } finally {
      parse.mockRestore();
    }
  }

  it('parses none of the deltas of a read, Responses or Messages, and still counts their text', async () => {
    let responses = '';
    let messages = '';
    let records: Awaited<ReturnType<typeof recordsOf>> = [];
    const parsed = await deltasParsedBy(async () => {
      records = [...(await recordsOf(async () => (responses = await (await post('/responses', 'responses in one read')).text()))), ...(await recordsOf(async () => (messages = await (await post('/messages', 'messages in two blocks')).text())))];
    });
    expect(parsed).toBe(0);
    expect(responses).toBe(responseEvents('completed').join(''));
    expect(messages).toBe(twoBlockMessageEvents().join(''));
    expect(records[0]).toMatchObject({ status: 'ok', promptTokens: 7, completionTokens: 11, completionCharacters: characters });
    expect(records[1]).toMatchObject({ status: 'ok', promptTokens: 6, completionTokens: 12, completionCharacters: 2 * characters });
    expect(records[0]?.timeToFirstTokenMs).toBeGreaterThan(0);
  });

  it.each([
    ['/responses', 'responses run cut', responseEvents('completed')],
    ['/messages', 'messages run cut', messageEvents()],
  ] as const)('%s: leaves byte for byte when reads cut inside a delta\'s name, its event field and its blank line', async (path, marker, events) => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post(path, marker)).text()));
    expect(text).toBe(events.join(''));
    expect(record).toMatchObject({ status: 'ok', servedModel: MODEL, completionCharacters: characters });
  });

  it('Responses: an upstream error event in the read of the deltas ends with its own error, numbered after the last delta', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/responses', 'responses failing in one read')).text()));
    const events = parseSseBody(text).events;
    expect(text.startsWith(responseEvents('error').slice(0, -1).join(''))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'upstream_error', sequence_number: 2 + texts.length });
    expect(events).toHaveLength(3 + texts.length);
    expect(record).toMatchObject({ status: 'error', errorCode: 'upstream_error', completionCharacters: characters });
  });

  it('Messages: an upstream error event in the read of the deltas ends with the API\'s error event', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/messages', 'messages failing in one read')).text()));
    const events = parseSseBody(text).events;
    expect(text.startsWith(failedMessageEvents().slice(0, -1).join(''))).toBe(true);
    expect(events).toHaveLength(3 + texts.length);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    expect(record).toMatchObject({ status: 'error', completionCharacters: characters });
  });

  it('Messages: never reads a last event the upstream did not end with a blank line: the answer counts as cut off', async () => {
    let text = '';
    const [record] = await recordsOf(async () => (text = await (await post('/messages', 'messages unended')).text()));
    expect(text.startsWith(messageEvents().slice(0, -1).join(''))).toBe(true);
    expect(parseSseBody(text).events.at(-1)).toMatchObject({ type: 'error', error: { type: expect.any(String) } });
    expect(record).toMatchObject({ status: 'error', errorCode: 'upstream_stream_truncated', completionCharacters: characters });
  });

  it('writes a read whose runs of deltas lie between parsed events as one piece', async () => {
    const write = vi.spyOn(Socket.prototype, '_write');
    const writev = vi.spyOn(Socket.prototype, '_writev');
    try {
      let text = '';
      await recordsOf(async () => (text = await (await post('/messages', 'messages in two blocks')).text()));
      expect(text).toBe(twoBlockMessageEvents().join(''));
      const pieces = [...write.mock.calls.map(([data]) => data), ...writev.mock.calls.flatMap(([chunks]) => chunks.map(({ chunk }) => chunk))];
      // The upstream's one read, and the gateway's one write of it (not one for each run of deltas).
      expect(pieces.filter((piece) => String(piece).includes('content_block_delta'))).toHaveLength(2);
    } finally {
      write.mockRestore();
      writev.mockRestore();
    }
  });
});
