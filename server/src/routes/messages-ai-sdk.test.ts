import { createAnthropic, type AnthropicProvider } from '@ai-sdk/anthropic';
import { generateText, streamText } from 'ai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// The Vercel AI SDK's Anthropic provider pointed at the gateway as an app would point it:
// `createAnthropic({ baseURL, apiKey })`, which sends the key as `x-api-key` to `${baseURL}/messages`. Every answer,
// streamed, failed or cancelled, is one record.

let harness: Harness;
let anthropic: AnthropicProvider;
beforeAll(async () => {
  harness = await startHarness({ features: [...DEFAULT_FEATURES, { name: 'cached', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true } }] });
  anthropic = createAnthropic({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.clearRules());

/** The records written since `before`, once there are `count` of them. */
async function recordsSince(before: number, count = 1) {
  await expect.poll(() => harness.usage.records.length - before).toBe(count);
  return harness.usage.records.slice(before);
}

describe('the AI SDK\'s Anthropic provider through POST /v1/messages', () => {
  it('generateText answers through the feature, with the usage the ledger records', async () => {
    const before = harness.usage.records.length;
    const result = await generateText({ model: anthropic('chat'), system: 'Answer briefly.', prompt: 'Hello from the AI SDK', maxRetries: 0 });
    expect(result.text).toContain('Hello from the AI SDK');
    expect(result.finishReason).toBe('stop');
    expect(result.response.modelId).toBe('openai/gpt-4o-mini');
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ endpoint: 'chat', feature: 'chat', status: 'ok', streamed: false, generationId: result.response.id, promptTokens: result.usage.inputTokens, completionTokens: result.usage.outputTokens });
    expect(record?.completionTokens).toBeGreaterThan(0);
    const sent = harness.emulator.probe(result.response.id!)!.request as { system: unknown };
    expect(sent.system).toEqual([{ type: 'text', text: 'You are the chat assistant of Acme.' }, { type: 'text', text: 'Answer briefly.' }]);
  });

  it('streamText assembles the streamed text, with the usage of the one record', async () => {
    const before = harness.usage.records.length;
    const result = streamText({ model: anthropic('chat'), prompt: 'Stream through the AI SDK', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toContain('Stream through the AI SDK');
    expect(await result.finishReason).toBe('stop');
    const usage = await result.usage;
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ feature: 'chat', status: 'ok', streamed: true, generationId: (await result.response).id, promptTokens: usage.inputTokens, completionTokens: usage.outputTokens });
    expect(record?.completionTokens).toBeGreaterThan(0);
  });

  it('generateText and streamText read an answer from the response cache as they read a fresh one, its usage 0', async () => {
    const prompt = 'Cached through the AI SDK';
    const before = harness.usage.records.length;
    const first = await generateText({ model: anthropic('cached'), prompt, maxRetries: 0 });
    expect(first.response.headers?.['x-cache']).toBe('miss');
    const hit = await generateText({ model: anthropic('cached'), prompt, maxRetries: 0 });
    expect(hit.response.headers?.['x-cache']).toBe('hit');
    expect(hit).toMatchObject({ text: first.text, finishReason: 'stop', response: { id: first.response.id, modelId: 'openai/gpt-4o-mini' }, usage: { inputTokens: 0, outputTokens: 0 } });

    const streamed = streamText({ model: anthropic('cached'), prompt, maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(first.text);
    expect(await streamed.finishReason).toBe('stop');
    expect(await streamed.usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    expect((await streamed.response).headers?.['x-cache']).toBe('hit');
    const records = await recordsSince(before, 3);
    expect(records.map((record) => [record.streamed, record.cacheHit ?? false, record.costUsd === 0])).toEqual([[false, false, false], [false, true, true], [true, true, true]]);
  });

  it('streamText surfaces an upstream failure mid-answer as an error, recorded as one', async () => {
    harness.emulator.addRule({ match: { contains: 'fail midway' }, scenario: 'error-after=3' });
    const before = harness.usage.records.length;
    const errors: unknown[] = [];
    const result = streamText({ model: anthropic('chat'), prompt: 'fail midway', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    let text = '';
    for await (const part of result.fullStream) if (part.type === 'text-delta') text += part.text;
    expect(text).not.toBe('');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'api_error', message: 'The model provider returned an error.' });
    expect(await result.finishReason).toBe('error');
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'error', errorCode: 'upstream_error', streamed: true });
  });

  it('streamText stopped by its abortSignal leaves exactly one record, cancelled, and stops the generation', async () => {
    harness.emulator.addRule({ match: { contains: 'cancel me' }, scenario: 'ttft=0;tps=40;tokens=400' });
    const before = harness.usage.records.length;
    const controller = new AbortController();
    const result = streamText({ model: anthropic('chat'), prompt: 'cancel me', maxRetries: 0, abortSignal: controller.signal });
    let deltas = 0;
    let aborted = false;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta' && ++deltas === 3) controller.abort();
      if (part.type === 'abort') aborted = true;
    }
    expect(aborted).toBe(true);
    const [record] = await recordsSince(before);
    expect(record).toMatchObject({ status: 'cancelled', streamed: true, feature: 'chat' });
    const generation = harness.emulator.generations({ model: 'openai/gpt-4o-mini' }).at(-1)!;
    expect((await harness.emulator.waitForGeneration(generation.id)).clientClosed).toBe(true);
    expect(harness.usage.records.length - before).toBe(1);
  });
});
