import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../test/harness.js';
import { startScriptedUpstream, type ScriptedAnswer, type ScriptedUpstream } from '../test/scripted-upstream.js';
import { parseSseBody } from '../test/sse.js';
import { KeyEncryption } from './crypto/key-encryption.js';
import type { UsageRecord } from './usage/usage-record.js';

// An upstream that answers 200 with the key it was sent in the body (as a debugging proxy that echoes request headers
// does) and in the generation id header. The script sees no headers: it echoes the key the test says the gateway sends.
let echoed = '';
/** The id, model and provider every answer names, when not the echoing ones. */
let named: Record<string, string> | undefined;
/** What streamed chats answer: the key in the envelope of every chunk, or in the text (a piece split across writes). */
let streamed: 'envelope' | 'text' = 'text';
/** Answers a test scripts itself, before the echoing ones above. */
let scripted: ((path: string, body: { stream?: boolean }) => ScriptedAnswer | undefined) | undefined;

const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const USAGE = { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, cost: 0.00001 };
const json = (body: Record<string, unknown>): ScriptedAnswer => ({ headers: { 'content-type': 'application/json', 'x-generation-id': `gen-${echoed}` }, reads: [JSON.stringify(body)] });

/** The key in each field a record or a client reads, as an echoing proxy could put it there. */
const envelope = () => named ?? { id: `gen-${echoed}`, model: echoed, provider: `Bearer ${echoed}` };

function streamAnswer(): ScriptedAnswer {
  const named = streamed === 'envelope' ? envelope() : { id: 'gen-echo-1', model: 'openai/gpt-4o-mini', provider: 'OpenAI' };
  const event = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...named, object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
  // The last piece of text is cut in the middle of the key: its event arrives in two reads.
  const split = event({ role: 'assistant', content: `Bearer ${echoed}.` });
  const cut = split.indexOf(echoed) + 20;
  return {
    headers: { 'content-type': 'text/event-stream', 'x-generation-id': `gen-${echoed}` },
    pauseMs: 20,
    reads: [
      event({ role: 'assistant', content: 'You sent: ' }),
      // Whole events shaped as the first: without the key, the gateway would forward these bytes as they came.
      `${event({ role: 'assistant', content: `Bearer ${echoed}` })}${event({ role: 'assistant', content: ', and again: ' })}${split.slice(0, cut)}`,
      `${split.slice(cut)}${event({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: USAGE })}data: [DONE]\n\n`,
    ],
  };
}

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path, body }) => {
    if (method !== 'POST') return undefined;
    const own = scripted?.(path, JSON.parse(body.toString('utf8')) as { stream?: boolean });
    if (own) return own;
    if (path === '/chat/completions') {
      if ((JSON.parse(body.toString('utf8')) as { stream?: boolean }).stream) return streamAnswer();
      return json({ ...envelope(), object: 'chat.completion', created: 1, choices: [{ index: 0, message: { role: 'assistant', content: `You sent Authorization: Bearer ${echoed}` }, finish_reason: 'stop' }], usage: USAGE });
    }
    if (path === '/embeddings') return json({ ...envelope(), object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], usage: USAGE, headers: { authorization: `Bearer ${echoed}` } });
    if (path === '/images') return json({ created: 1, data: [{ b64_json: ONE_PIXEL_PNG, media_type: 'image/png' }], usage: USAGE, headers: { authorization: `Bearer ${echoed}` } });
    return undefined;
  }, () => harness.emulator.url);
  // A chat feature without a fallback to a provider that signs its answers: no provider pin reads the stream, so its
  // plain chunks may leave as the bytes that came.
  const features = [
    ...DEFAULT_FEATURES.map((feature) => (feature.name === 'chat' ? { name: 'chat', model: 'openai/gpt-4o-mini' } : feature)),
    // An output guardrail that never matches: its tap makes every event of a typed stream parsed, none forwarded raw.
    { name: 'screened', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist' as const, stage: 'output' as const, words: ['zanzibar'] }] },
  ];
  harness = await startHarness({ features, upstream: { baseUrl: upstream.baseUrl }, encryption: new KeyEncryption([{ id: 'k1', key: randomBytes(32) }]), jobs: { pollMs: 50 } });
  echoed = harness.upstreamKey;
});
afterAll(async () => {
  // The harness fails its close if the upstream key appears in any response body or log line.
  await harness.close();
  await upstream.close();
});
afterEach(() => {
  echoed = harness.upstreamKey;
  named = undefined;
  streamed = 'text';
  scripted = undefined;
});

const post = (path: string, body: Record<string, unknown>, token = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const chatBody = (stream: boolean) => ({ model: 'chat', stream, messages: [{ role: 'user', content: 'What did I send?' }], stream_options: stream ? { include_usage: true } : undefined });
/** The chat body for a route: InsForge's takes no `stream_options`, OpenAI's field. */
const chatBodyFor = (path: string, stream: boolean) => (path.startsWith('/v1') ? chatBody(stream) : { model: 'chat', stream, messages: [{ role: 'user', content: 'What did I send?' }] });
/** The record of the request that was sent last, once the sink has it. */
async function recordAfter(count: number): Promise<UsageRecord> {
  await expect.poll(() => harness.usage.records.length).toBeGreaterThan(count);
  return harness.usage.records.at(-1) as UsageRecord;
}
/** What the client reads of a streamed chat: the text of its pieces, in either protocol. */
function streamedText(body: string): string {
  return parseSseBody(body).events.map((event) => {
    const choices = event['choices'] as Array<{ delta?: { content?: string } }> | undefined;
    return choices?.[0]?.delta?.content ?? (typeof event['chunk'] === 'string' ? event['chunk'] : '');
  }).join('');
}

/** The key's secret: what follows its public `sk-or-v1-`. */
const secret = () => echoed.replace(/^sk-or-v1-/, '');
/** Every character of `text` as a `\u` escape, as a JSON writer may send it. */
const escaped = (text: string) => [...text].map((character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

describe('a successful answer that repeats the key the gateway sent', () => {
  it.each([
    { name: 'OpenAI chat', path: '/v1/chat/completions', body: chatBody(false), answer: 'You sent Authorization: Bearer [redacted]' },
    { name: 'InsForge chat', path: '/api/ai/chat/completion', body: { model: 'chat', messages: [{ role: 'user', content: 'What did I send?' }] }, answer: 'You sent Authorization: Bearer [redacted]' },
    { name: 'embeddings', path: '/v1/embeddings', body: { model: 'embed', input: 'What did I send?' }, answer: undefined },
    { name: 'OpenAI images', path: '/v1/images/generations', body: { model: 'image', prompt: 'What did I send?' }, answer: undefined },
    { name: 'InsForge images', path: '/api/ai/image/generation', body: { model: 'image', prompt: 'What did I send?' }, answer: undefined },
  ])('$name: the JSON answer and the record hold [redacted] where the key was (id, model, provider, text)', async ({ path, body, answer }) => {
    const before = harness.usage.records.length;
    const response = await post(path, body);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).not.toContain(echoed);
    if (answer !== undefined) expect(text).toContain(answer);
    const record = await recordAfter(before);
    expect(JSON.stringify(record)).not.toContain(echoed);
    expect(record).toMatchObject({ status: 'ok', generationId: 'gen-[redacted]' });
    if (!path.includes('image')) expect(record).toMatchObject({ servedModel: '[redacted]', provider: 'Bearer [redacted]' });
  });

  it.each([
    { name: 'OpenAI chat', path: '/v1/chat/completions' },
    { name: 'InsForge chat', path: '/api/ai/chat/completion' },
  ])('$name stream: the key in a piece of text, whole in one read or split across two, reaches the client as [redacted]', async ({ path }) => {
    const before = harness.usage.records.length;
    const response = await post(path, chatBodyFor(path, true));
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).not.toContain(echoed);
    expect(parseSseBody(body).events.at(-1)).not.toHaveProperty('error');
    expect(streamedText(body)).toBe('You sent: Bearer [redacted], and again: Bearer [redacted].');
    expect(JSON.stringify(await recordAfter(before))).not.toContain(echoed);
  });

  it('stream: the key in every chunk\'s id, model and provider and in the generation id header reaches neither the client nor the record', async () => {
    streamed = 'envelope';
    const before = harness.usage.records.length;
    const response = await post('/v1/chat/completions', chatBody(true));
    const body = await response.text();
    expect(body).not.toContain(echoed);
    const { events, done } = parseSseBody(body);
    expect(done).toBe(true);
    // The closing usage chunk repeats the first chunk's id, model and provider.
    expect(events.at(-1)).toMatchObject({ id: 'gen-[redacted]', model: '[redacted]', provider: 'Bearer [redacted]' });
    const record = await recordAfter(before);
    expect(JSON.stringify(record)).not.toContain(echoed);
    expect(record).toMatchObject({ status: 'ok', generationId: 'gen-[redacted]', servedModel: '[redacted]', provider: 'Bearer [redacted]' });
  });

  it('a project\'s stored key is replaced as the gateway\'s own is, in a JSON answer and in a stream', async () => {
    const storedKey = harness.emulator.addKey({ label: 'stored' }).key;
    const saved = await fetch(`${harness.url}/api/ai/provider-key`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: storedKey }) });
    expect(saved.status, await saved.clone().text()).toBe(200);
    echoed = storedKey;
    try {
      for (const stream of [false, true]) {
        const before = harness.usage.records.length;
        const text = await (await post('/v1/chat/completions', chatBody(stream))).text();
        expect(text).toContain('[redacted]');
        expect(text).not.toContain(storedKey);
        expect(JSON.stringify(await recordAfter(before))).not.toContain(storedKey);
      }
    } finally {
      await fetch(`${harness.url}/api/ai/provider-key`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    }
  });

  it('a key check whose answer repeats the key keeps no label with it: not in the answer, the stored state or the audit log', async () => {
    const key = `sk-or-v1-${randomBytes(32).toString('hex')}`;
    harness.emulator.addKey({ key, label: `Authorization: Bearer ${key}` });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    try {
      const saved = await fetch(`${harness.url}/api/ai/provider-key`, { method: 'PUT', headers: admin, body: JSON.stringify({ key }) });
      const text = await saved.text();
      expect(saved.status, text).toBe(200);
      expect(JSON.parse(text)).toMatchObject({ label: 'Authorization: Bearer [redacted]' });
      const tested = await (await fetch(`${harness.url}/api/ai/provider-key/test`, { method: 'POST', headers: admin })).text();
      const audit = await (await fetch(`${harness.url}/api/ai/audit`, { headers: admin })).text();
      for (const answer of [text, tested, audit]) expect(answer).not.toContain(key);
    } finally {
      await fetch(`${harness.url}/api/ai/provider-key`, { method: 'DELETE', headers: admin });
    }
  });

  it('a batch job\'s chat item keeps the key out of its stored answer, its generation id and its record', async () => {
    streamed = 'envelope';
    const created = await post('/api/ai/jobs', { type: 'chat', items: [{ model: 'chat', messages: [{ role: 'user', content: 'What did I send?' }] }] });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let job: { status: string; items: Array<{ generationId?: string; result?: { content?: string } }> } | undefined;
    await expect.poll(async () => {
      job = (await (await fetch(`${harness.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as typeof job;
      return job?.status;
    }, { timeout: 10_000 }).toBe('completed');
    expect(JSON.stringify(job)).not.toContain(echoed);
    expect(job?.items[0]).toMatchObject({ generationId: 'gen-[redacted]', result: { content: 'You sent: Bearer [redacted], and again: Bearer [redacted].' } });
    expect(JSON.stringify(harness.usage.records.filter((record) => record.jobId === id))).not.toContain(echoed);
  });
});

describe('fields an answer names, as the record keeps them', () => {
  it('a provider, model or id shaped like an OpenRouter key (not the gateway\'s) is [redacted] in the record, and passed on to the client as it came', async () => {
    const foreign = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    named = { id: `gen-${foreign}`, model: `${foreign}/model`, provider: `Provider ${foreign}` };
    streamed = 'envelope';
    for (const stream of [false, true]) {
      const before = harness.usage.records.length;
      const text = await (await post('/v1/chat/completions', chatBody(stream))).text();
      expect(text).toContain(foreign);
      const record = await recordAfter(before);
      expect(JSON.stringify(record)).not.toContain('sk-or-');
      expect(record).toMatchObject({ servedModel: '[redacted]/model', provider: 'Provider [redacted]' });
    }
  });
});

describe('the key spelled otherwise than as the bytes it was sent as', () => {
  const answerWith = (content: string): ScriptedAnswer => ({
    reads: [JSON.stringify({ id: 'gen-spelled', model: 'openai/gpt-4o-mini', object: 'chat.completion', created: 1, choices: [{ index: 0, message: { role: 'assistant', content: 'KEY' }, finish_reason: 'stop' }], usage: USAGE }).replace('KEY', content)],
  });
  /** A stream of `deltas`, a few events per read (so whole runs of plain events arrive together), then usage and [DONE]. */
  const streamOf = (deltas: Array<Record<string, unknown>>): ScriptedAnswer => {
    const event = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: 'gen-pieces', model: 'openai/gpt-4o-mini', provider: 'OpenAI', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    const events = deltas.map((delta) => event(delta));
    const reads = [events[0] as string];
    for (let index = 1; index < events.length; index += 3) reads.push(events.slice(index, index + 3).join(''));
    reads.push(`${event({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: USAGE })}data: [DONE]\n\n`);
    return { headers: { 'content-type': 'text/event-stream' }, pauseMs: 2, reads };
  };
  /** What a client reads of a stream's deltas: the `field` of each joined. */
  const joinedDeltas = (body: string, field: string) =>
    parseSseBody(body).events.map((event) => (event['choices'] as Array<{ delta?: Record<string, unknown> }> | undefined)?.[0]?.delta?.[field] ?? '').join('');
  const piecesOf = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));

  it.each([
    { name: 'OpenAI chat', path: '/v1/chat/completions', read: (body: string) => (JSON.parse(body) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content },
    { name: 'InsForge chat', path: '/api/ai/chat/completion', read: (body: string) => (JSON.parse(body) as { text?: string; content?: string; message?: { content?: string } }).text ?? (JSON.parse(body) as { content?: string }).content },
  ])('$name: a JSON answer that spells the key with \\u escapes reaches the client (decoded) and the record as [redacted]', async ({ path, read }) => {
    scripted = (at) => (at === '/chat/completions' ? answerWith(`Your key: ${escaped(echoed)}, its secret: ${escaped(secret())}`) : undefined);
    const before = harness.usage.records.length;
    const response = await post(path, path.startsWith('/v1') ? chatBody(false) : { model: 'chat', messages: [{ role: 'user', content: 'What did I send?' }] });
    const body = await response.text();
    expect(response.status, body).toBe(200);
    const content = read(body) ?? body;
    expect(content).toContain('Your key: [redacted], its secret: [redacted]');
    expect(JSON.stringify(JSON.parse(body))).not.toContain(secret());
    expect(JSON.stringify(await recordAfter(before))).not.toContain(secret());
  });

  it.each([
    { name: 'OpenAI chat', path: '/v1/chat/completions', size: 3 },
    { name: 'OpenAI chat', path: '/v1/chat/completions', size: 1 },
    { name: 'InsForge chat', path: '/api/ai/chat/completion', size: 5 },
  ])('$name stream: the key repeated $size characters per event (text a client joins) reaches it as [redacted], less at most 3 characters of its secret', async ({ path, size }) => {
    scripted = (at, body) => (at === '/chat/completions' && body.stream ? streamOf([{ role: 'assistant', content: 'You sent: ' }, ...piecesOf(`Bearer ${echoed} as asked.`, size).map((content) => ({ content }))]) : undefined);
    const before = harness.usage.records.length;
    const response = await post(path, chatBodyFor(path, true));
    const body = await response.text();
    expect(response.status).toBe(200);
    const text = streamedText(body);
    expect(text).toMatch(/^You sent: Bearer sk-or-v1-[0-9a-f]{0,3}\[redacted\] as asked\.$/);
    expect(text).not.toContain(secret().slice(0, 4));
    expect(JSON.stringify(await recordAfter(before))).not.toContain(secret().slice(0, 4));
  });

  it('stream: the key in reasoning and tool-call argument pieces reaches the client as [redacted]', async () => {
    scripted = (at, body) =>
      at === '/chat/completions' && body.stream
        ? streamOf([
            { role: 'assistant', content: 'Thinking.' },
            ...piecesOf(echoed, 4).map((reasoning) => ({ reasoning })),
            ...piecesOf(`{"key":"${echoed}"}`, 6).map((args, index) => ({ tool_calls: [{ index: 0, ...(index === 0 ? { id: 'call_1', type: 'function' } : {}), function: { ...(index === 0 ? { name: 'save' } : {}), arguments: args } }] })),
          ])
        : undefined;
    const body = await (await post('/v1/chat/completions', chatBody(true))).text();
    const events = parseSseBody(body).events;
    const toolArguments = events.map((event) => (event['choices'] as Array<{ delta?: { tool_calls?: Array<{ function?: { arguments?: string } }> } }> | undefined)?.[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '').join('');
    expect(joinedDeltas(body, 'reasoning')).toMatch(/^sk-or-v1-[0-9a-f]{0,3}\[redacted\]$/);
    expect(toolArguments).toMatch(/^\{"key":"sk-or-v1-[0-9a-f]{0,3}\[redacted\]"\}$/);
    expect(body).not.toContain(secret().slice(0, 4));
  });

  it('stream: a piece that spells the whole key with \\u escapes reaches the client as [redacted]', async () => {
    scripted = (at, body) => {
      if (at !== '/chat/completions' || !body.stream) return undefined;
      const answer = streamOf([{ role: 'assistant', content: 'You sent: ' }, { content: 'Bearer ' }, { content: 'KEY' }, { content: '.' }]);
      return { ...answer, reads: answer.reads.map((read) => (typeof read === 'string' ? read.replace('KEY', escaped(echoed)) : read)) };
    };
    const before = harness.usage.records.length;
    const body = await (await post('/v1/chat/completions', chatBody(true))).text();
    // The secret is what is looked for: the public `sk-or-v1-` before it stays.
    expect(streamedText(body)).toBe('You sent: Bearer sk-or-v1-[redacted].');
    expect(JSON.stringify(await recordAfter(before))).not.toContain(secret());
  });

  it('an upstream error that quotes the secret alone, or broken across lines, reaches the client and the log without it', async () => {
    const broken = `${secret().slice(0, 30)}\n${secret().slice(30)}`;
    scripted = (at) => (at === '/chat/completions' ? { status: 400, reads: [JSON.stringify({ error: { code: 400, message: `Invalid header: ${secret()} and wrapped ${broken}`, metadata: { raw: `token=${broken}` } } })] } : undefined);
    const logsBefore = harness.logs.length;
    const response = await post('/v1/chat/completions', chatBody(false));
    const body = await response.text();
    expect(response.status).toBe(400);
    const cleaned = body.replace(/\\n|\s/g, '');
    expect(cleaned).not.toContain(secret());
    expect(cleaned).not.toContain(secret().slice(0, 30));
    expect(harness.logs.slice(logsBefore).join('\n').replace(/\\n|\s/g, '')).not.toContain(secret().slice(0, 30));
  });
});

describe('a Responses or Messages stream with nothing to tap, whose deltas may leave as the bytes that came', () => {
  const typed = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
  const headers = { 'content-type': 'text/event-stream' };
  /** How a Messages block of each kind starts, and the delta that carries a piece of it. */
  const BLOCKS = {
    text: { block: { type: 'text', text: '' }, delta: (text: string) => ({ type: 'text_delta', text }) },
    thinking: { block: { type: 'thinking', thinking: '', signature: '' }, delta: (thinking: string) => ({ type: 'thinking_delta', thinking }) },
    tool_use: { block: { type: 'tool_use', id: 'toolu_1', name: 'echo', input: {} }, delta: (partial_json: string) => ({ type: 'input_json_delta', partial_json }) },
  };
  /** A Messages stream whose block's deltas (`pieces`) come in one read, as a run the gateway may forward as it came. */
  const messagesOf = (pieces: string[], kind: keyof typeof BLOCKS = 'text'): ScriptedAnswer => ({
    headers,
    pauseMs: 2,
    reads: [
      typed('message_start', { message: { id: 'msg-1', type: 'message', role: 'assistant', model: 'openai/gpt-4o-mini', content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
      [typed('content_block_start', { index: 0, content_block: BLOCKS[kind].block }), ...pieces.map((text) => typed('content_block_delta', { index: 0, delta: BLOCKS[kind].delta(text) }))].join(''),
      typed('content_block_stop', { index: 0 }) + typed('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }) + typed('message_stop', {}),
    ],
  });
  /** The same for the Responses API. */
  const responsesOf = (pieces: string[]): ScriptedAnswer => {
    let sequence = 0;
    const event = (type: string, payload: Record<string, unknown>) => typed(type, { ...payload, sequence_number: sequence++ });
    const response = { id: 'resp-1', object: 'response', model: 'openai/gpt-4o-mini', output: [] };
    const at = { item_id: 'msg-1', output_index: 0, content_index: 0 };
    return {
      headers,
      pauseMs: 2,
      reads: [
        event('response.created', { response: { ...response, status: 'in_progress', usage: null } }),
        [event('response.output_item.added', { output_index: 0, item: { id: 'msg-1', type: 'message', role: 'assistant', content: [] } }), ...pieces.map((delta) => event('response.output_text.delta', { ...at, delta, logprobs: [] }))].join(''),
        event('response.completed', { response: { ...response, status: 'completed', usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 } } }),
      ],
    };
  };
  /** `answer` with the text KEY in its reads replaced by `key`, written as it is (escapes and all). */
  const withKey = (answer: ScriptedAnswer, key: string): ScriptedAnswer => ({ ...answer, reads: answer.reads.map((read) => (typeof read === 'string' ? read.replace('KEY', key) : read)) });
  const piecesOf = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));
  /** What a client joins of a typed stream's deltas: a Responses delta's text, a Messages delta's text, thinking or tool input. */
  const joinedText = (body: string) =>
    parseSseBody(body)
      .events.map((event) => {
        const delta = event['delta'];
        if (typeof delta === 'string') return delta;
        const { text, thinking, partial_json: json } = (delta ?? {}) as { text?: string; thinking?: string; partial_json?: string };
        return text ?? thinking ?? json ?? '';
      })
      .join('');
  const send = async (path: '/v1/responses' | '/v1/messages', model = 'chat') => {
    const response = await post(path, path === '/v1/responses' ? { model, stream: true, input: 'What did I send?' } : { model, stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'What did I send?' }] });
    expect(response.status).toBe(200);
    return response.text();
  };

  it.each([
    { path: '/v1/responses', upstream: '/responses', answer: responsesOf(['You sent: ', 'Bearer KEY', ' as asked.']), key: () => echoed, text: 'You sent: Bearer [redacted] as asked.' },
    { path: '/v1/messages', upstream: '/messages', answer: messagesOf(['You sent: ', 'Bearer KEY', ' as asked.']), key: () => echoed, text: 'You sent: Bearer [redacted] as asked.' },
    { path: '/v1/responses', upstream: '/responses', answer: responsesOf(['You sent: ', 'Bearer KEY', ' as asked.']), key: () => escaped(echoed), text: 'You sent: Bearer sk-or-v1-[redacted] as asked.' },
    { path: '/v1/messages', upstream: '/messages', answer: messagesOf(['You sent: ', 'Bearer KEY', ' as asked.']), key: () => escaped(echoed), text: 'You sent: Bearer sk-or-v1-[redacted] as asked.' },
  ] as const)('$path: the key whole in one delta among others, as bytes or as \\u escapes, reaches the client as [redacted] (its secret, when escaped)', async ({ path, upstream, answer, key, text }) => {
    scripted = (at) => (at === upstream ? withKey(answer, key()) : undefined);
    const before = harness.usage.records.length;
    const body = await send(path);
    expect(joinedText(body)).toBe(text);
    expect(JSON.stringify(await recordAfter(before))).not.toContain(secret());
  });

  it.each([
    { path: '/v1/messages', size: 1, kind: 'text', model: 'chat' },
    { path: '/v1/messages', size: 5, kind: 'text', model: 'chat' },
    { path: '/v1/messages', size: 3, kind: 'thinking', model: 'chat' },
    { path: '/v1/messages', size: 3, kind: 'tool_use', model: 'chat' },
    { path: '/v1/messages', size: 3, kind: 'thinking', model: 'screened' },
    { path: '/v1/responses', size: 1, kind: 'text', model: 'chat' },
    { path: '/v1/responses', size: 5, kind: 'text', model: 'chat' },
    { path: '/v1/responses', size: 3, kind: 'text', model: 'screened' },
  ] as const)('$path: the key repeated $size characters per $kind delta (feature $model) reaches the client as [redacted], less at most 3 characters of its secret', async ({ path, size, kind, model }) => {
    const pieces = ['You sent: ', ...piecesOf(`Bearer ${echoed} as asked.`, size)];
    scripted = (at) => (at === '/messages' && path === '/v1/messages' ? messagesOf(pieces, kind) : at === '/responses' && path === '/v1/responses' ? responsesOf(pieces) : undefined);
    const body = await send(path, model);
    const text = joinedText(body);
    expect(text).toMatch(/^You sent: Bearer sk-or-v1-[0-9a-f]{0,3}\[redacted\] as asked\.$/);
    expect(text).not.toContain(secret().slice(0, 4));
  });
});
