import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { chatBody, json, post } from './client.js';
import { parseSse } from './sse.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const stream = (content: string, scenario: string, extra: Record<string, unknown> = {}) =>
  post(emulator, '/chat/completions', chatBody(content, { stream: true, ...extra }), { 'x-emulator-scenario': scenario });

describe('pace', () => {
  it('waits ttft before the first token and paces the rest at tps', async () => {
    const started = performance.now();
    const response = await stream('pace me', 'ttft=150;tps=100;tokens=10');
    const text = await response.text();
    const elapsed = performance.now() - started;
    const tokens = parseSse(text).chunks.filter((chunk) => chunk.choices?.[0]?.delta?.content).length;
    expect(elapsed).toBeGreaterThanOrEqual(150 + ((tokens - 1) * 1000) / 100 - 5);
  });

  it('sends keep-alive comments before the first event and between events', async () => {
    const parsed = parseSse(await (await stream('keep alive', 'ttft=260;keepalive=50;comment-every=2;tokens=6')).text());
    expect(parsed.commentsBeforeFirst).toBeGreaterThanOrEqual(4);
    expect(parsed.comments - parsed.commentsBeforeFirst).toBeGreaterThanOrEqual(3);
    expect(parsed.data.at(-1)).toBe('[DONE]');
  });

  it('cuts the answer at the tokens knob and at max_tokens', async () => {
    const long = parseSse(await (await stream('length', 'tokens=120')).text());
    const cut = parseSse(await (await stream('length', 'tokens=120', { max_tokens: 7 })).text());
    expect(long.chunks.at(-1)?.usage.completion_tokens).toBeGreaterThanOrEqual(120);
    expect(cut.chunks.at(-1)?.usage.completion_tokens).toBe(7);
    expect(cut.chunks.at(-2)?.choices[0].finish_reason).toBe('length');
  });
});

describe('routing and reasoning knobs', () => {
  it('serves from the provider a scenario names, with its native finish reasons', async () => {
    const answer = await json(await post(emulator, '/chat/completions', chatBody('which provider'), { 'x-emulator-scenario': 'provider=Google Vertex' }));
    expect(answer.provider).toBe('Google Vertex');
    expect(answer.choices[0].native_finish_reason).toBe('STOP');
  });

  it('produces as many reasoning tokens as the reasoning knob says', async () => {
    const answer = await json(await post(emulator, '/chat/completions', chatBody('ponder', { reasoning: { enabled: true } }), { 'x-emulator-scenario': 'reasoning=40' }));
    expect(answer.usage.completion_tokens_details.reasoning_tokens).toBe(40);
    expect(answer.choices[0].message.reasoning.length).toBeGreaterThan(100);
  });
});

describe('tokenizer knobs', () => {
  it('bills dense text a token per UTF-8 byte with tokenizer=bytes, in chats, embeddings and image prompts', async () => {
    const dense = '你好世界，今天天气很好。😀'.repeat(20);
    const usageOf = async (scenario: string) => (await json(await post(emulator, '/chat/completions', chatBody(dense, { max_tokens: 5 }), { 'x-emulator-scenario': scenario }))).usage;
    const words = await usageOf('');
    const bytes = await usageOf('tokenizer=bytes');
    // Three framing tokens and four for the message, as with words.
    expect(bytes.prompt_tokens).toBe(3 + 4 + Buffer.byteLength(dense));
    expect(bytes.prompt_tokens).toBeGreaterThan(4 * words.prompt_tokens);
    expect(bytes.cost).toBeGreaterThan(words.cost);
    const embedded = await json(await post(emulator, '/embeddings', { model: 'openai/text-embedding-3-small', input: [dense, 'a b'] }, { 'x-emulator-scenario': 'tokenizer=bytes' }));
    expect(embedded.usage.prompt_tokens).toBe(Buffer.byteLength(dense) + 3);
    const drawn = await json(await post(emulator, '/images', { model: 'black-forest-labs/flux.2-pro', prompt: dense }, { 'x-emulator-scenario': 'tokenizer=bytes' }));
    expect(drawn.usage.prompt_tokens).toBe(Buffer.byteLength(dense));
  });

  it('streams tokens of as many characters as token-chars says, answer and reasoning, billed as that many tokens', async () => {
    const parsed = parseSse(await (await stream('long tokens', 'token-chars=400;reasoning=3', { max_tokens: 8, reasoning: { enabled: true } })).text());
    const pieces = parsed.chunks.flatMap((chunk) => [chunk.choices?.[0]?.delta?.content, chunk.choices?.[0]?.delta?.reasoning]).filter((piece): piece is string => typeof piece === 'string' && piece !== '');
    expect(pieces).toHaveLength(8);
    expect(pieces.every((piece) => piece.length === 400)).toBe(true);
    expect(parsed.chunks.at(-1)?.usage.completion_tokens).toBe(8);
    expect(parsed.chunks.at(-1)?.usage.completion_tokens_details.reasoning_tokens).toBe(3);
  });
});

describe('usage forms', () => {
  it('sends form A by default: a last chunk with one empty choice and the usage', async () => {
    const parsed = parseSse(await (await stream('form a', '')).text());
    const last = parsed.chunks.at(-1)!;
    expect(last.choices).toHaveLength(1);
    expect(last.choices[0].finish_reason).toBeNull();
    expect(last.usage.cost).toBeGreaterThan(0);
    expect(parsed.chunks.at(-2)?.choices[0].finish_reason).toBe('stop');
  });

  it('sends form B on request: choices [] with the usage', async () => {
    const parsed = parseSse(await (await stream('form b', 'usage=b')).text());
    expect(parsed.chunks.at(-1)?.choices).toEqual([]);
    expect(parsed.chunks.at(-1)?.usage.total_tokens).toBeGreaterThan(0);
  });
});

describe('mid-stream faults', () => {
  it('sends an error event after N chunks and ends without [DONE]', async () => {
    const parsed = parseSse(await (await stream('fail midway', 'error-after=3;error-code=429')).text());
    expect(parsed.chunks.filter((chunk) => chunk.choices[0].delta.content)).toHaveLength(3);
    const last = parsed.chunks.at(-1)!;
    expect(last.error).toMatchObject({ code: 429, message: 'Rate limit exceeded', metadata: { error_type: 'rate_limit_exceeded' } });
    expect(last.choices[0].finish_reason).toBe('error');
    expect(parsed.data).not.toContain('[DONE]');
  });

  it('can follow the error event with [DONE], and send the code as a legacy string', async () => {
    const parsed = parseSse(await (await stream('fail then done', 'error-after=1;error-done=1;string-code')).text());
    expect(parsed.data.at(-1)).toBe('[DONE]');
    expect(parsed.chunks.at(-1)?.error.code).toBe('server_error');
  });

  it('drops the TCP connection after N chunks with no [DONE]', async () => {
    const response = await stream('drop me', 'drop-after=2');
    await expect(response.text()).rejects.toThrow();
  });

  it('answers 200 with an error body, for JSON and for SSE', async () => {
    const plain = await post(emulator, '/chat/completions', chatBody('error body'), { 'x-emulator-scenario': 'error-body;error-code=502' });
    expect(plain.status).toBe(200);
    expect(await json(plain)).toMatchObject({ error: { code: 502, message: 'Provider returned error' } });
    const sse = parseSse(await (await stream('error body', 'error-body')).text());
    expect(sse.chunks[0]?.error.code).toBe(502);
  });

  it('stalls before the first byte, and after N chunks', async () => {
    let started = performance.now();
    const response = await stream('stall', 'stall=200');
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    await response.text();
    started = performance.now();
    const later = await stream('stall later', 'stall=200;stall-after=2;tokens=5');
    expect(performance.now() - started).toBeLessThan(150);
    await later.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });
});

describe('status faults', () => {
  it('answers 429 with Retry-After and X-RateLimit-* (reset in epoch milliseconds)', async () => {
    const response = await stream('limited', 'status=429;retry-after=7');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now());
    const body = await json(response);
    expect(body.error).toMatchObject({ code: 429, metadata: { retry_after_seconds: 7, provider_name: 'OpenAI' } });
  });

  it.each([408, 500, 502, 503, 524, 529])('answers %i in the OpenRouter envelope', async (status) => {
    const response = await stream('status', `status=${status}`);
    expect(response.status).toBe(status);
    expect((await json(response)).error.code).toBe(status);
  });

  it('fails only the first N requests of a scenario with times=N', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt += 1) statuses.push((await stream('flaky', 'status=503;times=2;id=flaky')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('rejects a malformed scenario with a 400 naming the knob', async () => {
    const response = await stream('typo', 'tps=fast');
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toContain('tps');
  });

  it('refuses flagged input with a moderation 403', async () => {
    const response = await stream('flag me', 'moderation');
    expect(response.status).toBe(403);
    expect((await json(response)).error.metadata).toMatchObject({ reasons: ['harassment'], model_slug: 'openai/gpt-4o-mini' });
  });
});

describe('keys and credit', () => {
  it('answers 401 without a key and for an unknown key', async () => {
    const missing = await fetch(`${emulator.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect((await json(missing)).error.message).toBe('No auth credentials found');
    const unknown = await post(emulator, '/chat/completions', chatBody('hi'), {}, 'sk-or-v1-unknown');
    expect(unknown.status).toBe(401);
  });

  it('refuses a management key on chat, embeddings and images with 401 User not found., and serves it /key and /credits', async () => {
    const management = emulator.addKey({ management: true });
    const inference = [
      ['/chat/completions', chatBody('hi')],
      ['/chat/completions', chatBody('hi', { stream: true })],
      ['/embeddings', { model: 'openai/text-embedding-3-small', input: 'hi' }],
      ['/images', { model: 'black-forest-labs/flux.2-pro', prompt: 'a kite' }],
    ] as const;
    for (const [path, body] of inference) {
      const refused = await post(emulator, path, body, {}, management.key);
      expect(refused.status).toBe(401);
      expect(await json(refused)).toEqual({ error: { code: 401, message: 'User not found.' } });
    }
    expect(emulator.generations().some((probe) => probe.keyLabel === management.label)).toBe(false);
    const read = (path: string) => fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${management.key}` } });
    expect((await json(await read('/key'))).data.is_management_key).toBe(true);
    expect((await read('/credits')).status).toBe(200);
  });

  it('answers 402 at zero credit and when max_tokens exceeds what the credit covers', async () => {
    const broke = emulator.addKey({ limit: 0 });
    const zero = await post(emulator, '/chat/completions', chatBody('hi'), {}, broke.key);
    expect(zero.status).toBe(402);
    expect((await json(zero)).error.message).toMatch(/Insufficient credits/);
    const small = emulator.addKey({ limit: 0.001 });
    const tooMany = await post(emulator, '/chat/completions', chatBody('hi', { max_tokens: 10_000 }), {}, small.key);
    expect(tooMany.status).toBe(402);
    expect((await json(tooMany)).error.message).toMatch(/You requested up to 10000 tokens, but can only afford \d+/);
    expect((await post(emulator, '/chat/completions', chatBody('hi', { max_tokens: 100 }), {}, small.key)).status).toBe(200);
  });

  it('accrues usage on the key and shows it in /key', async () => {
    const account = emulator.addKey({ limit: 1 });
    const response = await post(emulator, '/chat/completions', chatBody('spend'), {}, account.key);
    const cost = (await json(response)).usage.cost;
    const key = await json(await fetch(`${emulator.url}/key`, { headers: { authorization: `Bearer ${account.key}` } }));
    expect(key.data.usage).toBeCloseTo(cost, 12);
    expect(key.data.limit_remaining).toBeCloseTo(1 - cost, 12);
  });

  it('answers 400 for an unknown model and serves the first known fallback', async () => {
    const unknown = await post(emulator, '/chat/completions', chatBody('hi', { model: 'nobody/nothing' }));
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error.message).toBe('nobody/nothing is not a valid model ID');
    const fallback = await post(emulator, '/chat/completions', chatBody('hi', { model: 'nobody/nothing', models: ['anthropic/claude-sonnet-4'] }));
    expect((await json(fallback)).model).toBe('anthropic/claude-sonnet-4');
  });
});
