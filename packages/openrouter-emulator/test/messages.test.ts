import Anthropic, { APIError, BadRequestError, RateLimitError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricesFor, startEmulator, type Emulator } from '../src/index.js';
import { json, post, rejectionOf } from './client.js';

// OpenRouter's Anthropic-style Messages API (`POST /api/v1/messages`): the official @anthropic-ai/sdk must parse what
// the emulator sends, streamed or not, under the same scenario rules as chat.

const MODEL = 'openai/gpt-4o-mini';
const SCENARIO = 'X-Emulator-Scenario';

interface MessagesUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cost: number;
}

let emulator: Emulator;
let client: Anthropic;

beforeAll(async () => {
  emulator = await startEmulator();
  // The SDK adds `/v1/messages` to its base URL, as OpenRouter's `https://openrouter.ai/api` expects.
  client = new Anthropic({ baseURL: emulator.url.replace(/\/v1$/, ''), apiKey: emulator.apiKey, maxRetries: 0 });
});

afterAll(() => emulator.close());

function expectedCost(usage: MessagesUsage): number {
  const pricing = emulator.catalog.find(MODEL)?.pricing;
  if (!pricing) throw new Error(`${MODEL} is not in the catalog`);
  const prompt = usage.input_tokens + usage.cache_read_input_tokens;
  const prices = pricesFor(pricing, prompt);
  return prompt * prices.prompt + usage.output_tokens * prices.completion + prices.request;
}

describe('POST /api/v1/messages with @anthropic-ai/sdk', () => {
  it('answers with a message whose usage carries the cost it billed', async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] }, { headers: { [SCENARIO]: 'tokens=12' } });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn', stop_sequence: null });
    expect(message.content[0]?.type).toBe('text');
    const usage = message.usage as unknown as MessagesUsage;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.cost).toBeCloseTo(expectedCost(usage), 12);
    expect(emulator.probe(message.id)?.billed?.cost).toBeCloseTo(usage.cost, 12);
  });

  it('reads system, content blocks, images and tool results as the prompt', async () => {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const message = await client.messages.create({
      model: MODEL,
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'look', input: { at: 'pixel' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a white pixel' }, { type: 'text', text: 'second question' }] },
      ],
    });
    expect(message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toContain('second question');
    expect(emulator.probe(message.id)?.request).toMatchObject({ system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 100 });
  });

  it('stops at max_tokens with stop_reason max_tokens', async () => {
    const message = await client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'Write a long essay' }] }, { headers: { [SCENARIO]: 'tokens=100' } });
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(16);
  });

  it('streams the named events the SDK assembles into the same message, usage on message_delta', async () => {
    const stream = await client.messages.create({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }], stream: true }, { headers: { [SCENARIO]: 'tokens=12' } });
    const events: RawMessageStreamEvent[] = [];
    let text = '';
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text.length).toBeGreaterThan(0);
    // One text block between message_start and message_delta; the SDK leaves the `ping` out.
    const names = [...new Set(events.map((event) => event.type))];
    expect(names).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events.filter((event) => event.type === 'content_block_start')).toHaveLength(1);
    const delta = events.find((event) => event.type === 'message_delta');
    if (delta?.type !== 'message_delta') throw new Error('expected message_delta');
    expect(delta.delta.stop_reason).toBe('end_turn');
    const usage = delta.usage as unknown as MessagesUsage;
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.cost).toBeGreaterThan(0);
    const final = await client.messages.stream({ model: MODEL, max_tokens: 200, messages: [{ role: 'user', content: 'Say hello' }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text' });
  });

  it('calls a tool as a tool_use block, streamed or not, with thinking first when asked', async () => {
    const tools = [{ name: 'get_weather', description: 'The weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
    const message = await client.messages.create({ model: MODEL, max_tokens: 300, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: { type: 'any' } });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: expect.any(Object) });
    const streamed = await client.messages.stream({ model: MODEL, max_tokens: 300, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, tool_choice: { type: 'tool', name: 'get_weather' }, thinking: { type: 'enabled', budget_tokens: 64 } }, { headers: { [SCENARIO]: 'reasoning=8' } }).finalMessage();
    expect(streamed.content[0]).toMatchObject({ type: 'thinking', signature: expect.stringMatching(/.+/) });
    expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: expect.any(Object) });
  });

  it('fails under the same scenario rules as chat, in Anthropic\'s error shape: a 429 before the answer, an error event mid-stream', async () => {
    const limited = await rejectionOf(client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { [SCENARIO]: 'status=429' } }));
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    const stream = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true }, { headers: { [SCENARIO]: 'error-after=2' } });
    const failure = await rejectionOf((async () => {
      for await (const _event of stream) void _event;
    })());
    expect(failure).toBeInstanceOf(APIError);
    expect((failure as APIError).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('answers a 200 carrying an error body when the scenario asks', async () => {
    const response = await post(emulator, '/messages', { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { [SCENARIO]: 'error-body' });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.any(String) } });
  });

  it('refuses a request without max_tokens, or with a block it does not know, as a 400 naming the field', async () => {
    const missing = await rejectionOf(client.messages.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] } as never));
    expect(missing).toBeInstanceOf(BadRequestError);
    expect((missing as BadRequestError).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: /) } });
    const odd = await post(emulator, '/messages', { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] });
    expect(odd.status).toBe(400);
    expect(await json(odd)).toMatchObject({ error: { message: expect.stringMatching(/^messages\.0\.content\.0\.type: /) } });
  });
});
