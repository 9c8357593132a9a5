import OpenAI, { BadRequestError, RateLimitError } from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricesFor, startEmulator, type Emulator } from '../src/index.js';
import { json, post, rejectionOf } from './client.js';

// OpenRouter's Responses API (`POST /api/v1/responses`, stateless): the official openai SDK's `responses.create`
// must parse what the emulator sends, streamed or not, under the same scenario rules as chat.

const MODEL = 'openai/gpt-4o-mini';
const SCENARIO = 'X-Emulator-Scenario';

interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost: number;
  output_tokens_details: { reasoning_tokens: number };
}

let emulator: Emulator;
let client: OpenAI;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
});

afterAll(() => emulator.close());

function expectedCost(usage: ResponsesUsage): number {
  const pricing = emulator.catalog.find(MODEL)?.pricing;
  if (!pricing) throw new Error(`${MODEL} is not in the catalog`);
  const prices = pricesFor(pricing, usage.input_tokens);
  return usage.input_tokens * prices.prompt + usage.output_tokens * prices.completion + prices.request;
}

describe('POST /api/v1/responses with the openai SDK', () => {
  it('answers a string input with a completed response whose usage carries the cost it billed', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Say hello', max_output_tokens: 200 }, { headers: { [SCENARIO]: 'tokens=12' } });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(response.model).toBe(MODEL);
    const usage = response.usage as unknown as ResponsesUsage;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    expect(usage.cost).toBeCloseTo(expectedCost(usage), 12);
    const probe = emulator.probe(response.id);
    expect(probe?.billed?.cost).toBeCloseTo(usage.cost, 12);
  });

  it('reads instructions and input items as the prompt', async () => {
    const response = await client.responses.create({
      model: MODEL,
      instructions: 'Be brief.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'first question' }] },
        { role: 'assistant', content: 'an earlier answer' },
        { type: 'message', role: 'user', content: 'second question' },
      ],
    });
    // The answer echoes the last user message, as chat's does; the probe keeps the request as it was sent.
    expect(response.output_text).toContain('second question');
    expect(response.instructions).toBe('Be brief.');
    expect(emulator.probe(response.id)?.request).toMatchObject({ instructions: 'Be brief.', input: expect.any(Array) });
    expect(emulator.probe(response.id)?.promptTokens).toBeGreaterThan((await client.responses.create({ model: MODEL, input: 'second question' })).usage?.input_tokens ?? Infinity);
  });

  it('stops at max_output_tokens with an incomplete response', async () => {
    const response = await client.responses.create({ model: MODEL, input: 'Write a long essay', max_output_tokens: 16 }, { headers: { [SCENARIO]: 'tokens=100' } });
    expect(response.status).toBe('incomplete');
    expect(response.incomplete_details?.reason).toBe('max_output_tokens');
    expect(response.usage?.output_tokens).toBe(16);
  });

  it('streams the events the SDK assembles into the same response, usage on response.completed', async () => {
    const stream = await client.responses.create({ model: MODEL, input: 'Say hello', stream: true }, { headers: { [SCENARIO]: 'tokens=12' } });
    const events: ResponseStreamEvent[] = [];
    let text = '';
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(events[0]?.type).toBe('response.created');
    const last = events.at(-1);
    expect(last?.type).toBe('response.completed');
    if (last?.type !== 'response.completed') return;
    const message = last.response.output.find((item) => item.type === 'message');
    expect(message?.type === 'message' ? message.content.map((part) => (part.type === 'output_text' ? part.text : '')).join('') : undefined).toBe(text);
    const usage = last.response.usage as unknown as ResponsesUsage;
    expect(usage.cost).toBeCloseTo(expectedCost(usage), 12);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  });

  it('streams through the SDK helper to a final response', async () => {
    const stream = client.responses.stream({ model: MODEL, input: 'Say hello' });
    let text = '';
    stream.on('response.output_text.delta', (event) => (text += event.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(text);
    expect(text.length).toBeGreaterThan(0);
    expect(final.status).toBe('completed');
  });

  it('calls a function tool as a function_call output item, streamed or not', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const response = await client.responses.create({ model: MODEL, input: 'Weather in Paris?', tools, tool_choice: 'required' });
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    if (call?.type !== 'function_call') return;
    expect(() => JSON.parse(call.arguments) as unknown).not.toThrow();
    const final = await client.responses.stream({ model: MODEL, input: 'Weather in Paris?', tools, tool_choice: 'required' }).finalResponse();
    expect(final.output.find((item) => item.type === 'function_call')).toMatchObject({ name: 'get_weather' });
  });

  it('fails under the same scenario rules as chat: a 429 before the answer, an error event mid-stream', async () => {
    const limited = await rejectionOf(client.responses.create({ model: MODEL, input: 'hi' }, { headers: { [SCENARIO]: 'status=429' } }));
    expect(limited).toBeInstanceOf(RateLimitError);
    const response = await post(emulator, '/responses', { model: MODEL, input: 'hi', stream: true }, { [SCENARIO]: 'error-after=2' });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('response.output_text.delta');
    expect(text).toContain('event: response.failed');
    expect(text).not.toContain('response.completed');
  });

  it('answers a 200 whose response failed when the scenario sends an error body', async () => {
    const response = await post(emulator, '/responses', { model: MODEL, input: 'hi' }, { [SCENARIO]: 'error-body' });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.status).toBe('failed');
    expect(body.error.message).toBeTypeOf('string');
  });

  it('refuses a request without input, as a 400', async () => {
    const refused = await rejectionOf(client.responses.create({ model: MODEL } as never));
    expect(refused).toBeInstanceOf(BadRequestError);
  });
});
