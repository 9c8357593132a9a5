import { OpenRouter } from '@openrouter/sdk';
import { EventStream } from '@openrouter/sdk/lib/event-streams.js';
import type { ChatResult } from '@openrouter/sdk/models';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../src/index.js';
import { JSON_DEFECTS } from '../src/content/json-defects.js';

// OpenRouter's response-healing plugin repairs the malformed JSON of a structured answer (a missing bracket, a
// markdown fence, a sentence before it, a trailing comma, bare keys) in non-streamed answers, at no charge; an answer
// cut off by max_tokens, and every streamed one, goes out as the model wrote it. The `broken-json` scenario knob makes
// the model slip, so a test sees the broken answer without the plugin and the healed one with it.

let emulator: Emulator;
let openai: OpenAI;
let openrouter: OpenRouter;

beforeAll(async () => {
  emulator = await startEmulator();
  openai = new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey, maxRetries: 0 });
  openrouter = new OpenRouter({ apiKey: emulator.apiKey, serverURL: emulator.url, retryConfig: { strategy: 'none' } });
});
afterAll(() => emulator.close());

const PRODUCT = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    price: { type: 'number', minimum: 0, maximum: 100 },
    currency: { type: 'string', enum: ['EUR', 'USD'] },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
    in_stock: { type: 'boolean' },
  },
  required: ['name', 'price', 'currency', 'tags', 'in_stock'],
  additionalProperties: false,
} as const;
const ASK = 'A listing for a monthly tram pass';
/** What fits PRODUCT: every required property, of its type and within its range, and nothing else. */
const FITS_PRODUCT = { name: expect.stringContaining(ASK), price: 50, currency: 'EUR', tags: [expect.stringContaining(ASK)], in_stock: true };

const HEALING = [{ id: 'response-healing' }];
type Extra = Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> & { plugins?: unknown[] };

function ask(defect: string | undefined, extra: Extra = {}) {
  return openai.chat.completions.create({
    model: defect ? `openai/gpt-4o-mini#broken-json=${defect}` : 'openai/gpt-4o-mini',
    messages: [{ role: 'user', content: ASK }],
    response_format: { type: 'json_schema', json_schema: { name: 'product', strict: true, schema: PRODUCT } },
    ...extra,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);
}

const parsed = (text: string | null | undefined): unknown => JSON.parse(text ?? '');

describe('response healing', () => {
  it('without the plugin the slipped JSON comes as written; with it, repaired to JSON that fits the schema, billed the same', async () => {
    const clean = await ask(undefined);
    expect(parsed(clean.choices[0]?.message.content)).toEqual(FITS_PRODUCT);
    for (const defect of JSON_DEFECTS) {
      const broken = await ask(defect);
      expect(() => parsed(broken.choices[0]?.message.content), defect).toThrow(SyntaxError);
      const healed = await ask(defect, { plugins: HEALING });
      expect(parsed(healed.choices[0]?.message.content), defect).toEqual(parsed(clean.choices[0]?.message.content));
      expect(healed.choices[0]?.finish_reason).toBe('stop');
      // The plugin is free: the answer is billed for what the model wrote.
      expect(healed.usage?.completion_tokens, defect).toBe(broken.usage?.completion_tokens);
      expect((healed.usage as { cost?: number } | undefined)?.cost, defect).toBe((broken.usage as { cost?: number } | undefined)?.cost);
    }
  });

  it('repairs a json_object answer too; `enabled: false` and a plain text request leave the answer alone', async () => {
    const object = await ask('fence', { response_format: { type: 'json_object' }, plugins: HEALING, seed: 7 });
    expect(parsed(object.choices[0]?.message.content)).toEqual({ answer: expect.stringContaining(ASK) });
    const disabled = await ask('unclosed', { plugins: [{ id: 'response-healing', enabled: false }] });
    expect(() => parsed(disabled.choices[0]?.message.content)).toThrow(SyntaxError);
    // The knob breaks structured answers only; a text answer is prose either way.
    const text = await openai.chat.completions.create({ model: 'openai/gpt-4o-mini#broken-json=prose', messages: [{ role: 'user', content: ASK }], plugins: HEALING } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(text.choices[0]?.message.content).toMatch(/^You asked: "/);
  });

  it('cannot complete an answer cut off by max_tokens: it comes as written, finish_reason "length"', async () => {
    const cut = await ask(undefined, { plugins: HEALING, max_tokens: 8 });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(8);
    expect(() => parsed(cut.choices[0]?.message.content)).toThrow(SyntaxError);
  });

  it('does not run on streamed answers, as OpenRouter documents: the broken JSON streams as written', async () => {
    const stream = await openai.chat.completions.create({
      model: 'openai/gpt-4o-mini#broken-json=trailing-comma',
      stream: true,
      messages: [{ role: 'user', content: ASK }],
      response_format: { type: 'json_schema', json_schema: { name: 'product', schema: PRODUCT } },
      plugins: HEALING,
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toMatch(/,\}$/);
    expect(() => parsed(content)).toThrow(SyntaxError);
  });

  it('@openrouter/sdk sends the plugin and parses the healed answer, and the unhealed streamed one', async () => {
    const request = {
      model: 'openai/gpt-4o-mini#broken-json=unquoted-keys',
      messages: [{ role: 'user' as const, content: ASK }],
      responseFormat: { type: 'json_schema' as const, jsonSchema: { name: 'product', strict: true, schema: { ...PRODUCT } } },
      plugins: [{ id: 'response-healing' as const }],
    };
    const healed = (await openrouter.chat.send({ chatRequest: request })) as ChatResult;
    expect(healed).not.toBeInstanceOf(EventStream);
    expect(parsed(healed.choices[0]?.message.content as string)).toEqual(FITS_PRODUCT);
    expect((emulator.generations().at(-1)?.request as Record<string, unknown> | undefined)?.['plugins']).toEqual([{ id: 'response-healing' }]);

    const stream = await openrouter.chat.send({ chatRequest: { ...request, stream: true } });
    if (!(stream instanceof EventStream)) throw new Error('expected a stream');
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toMatch(/^\{name:/);
  });
});
