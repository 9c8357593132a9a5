import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '@insforge/openrouter-emulator';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// Text dense in tokens: Chinese and Japanese, emoji. The emulator's `tokenizer=bytes` bills it a token per UTF-8 byte,
// the most a byte-level tokenizer makes, where four characters a token would count a twelfth of it.
const DENSE = '東京の天気はどうですか？明日は雨が降りますか。🌧️☀️🙂'.repeat(40);
const ENGLISH = 'What will the weather be like in Tokyo tomorrow, and should I take an umbrella? '.repeat(20);

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

/** A gateway whose `dense` feature has one model, so its worst case is priced as it is billed. */
async function start(emulator: EmulatorOptions = {}): Promise<Harness> {
  const harness = await startHarness({ emulator, features: [...DEFAULT_FEATURES, { name: 'dense', model: 'openai/gpt-4o-mini' }] });
  harnesses.push(harness);
  return harness;
}
const denseText = () => start({ scenario: { tokenizer: 'bytes' } });

const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const chat = (harness: Harness, content: string) => fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'dense', max_tokens: 10, messages: [{ role: 'user', content }] }) });
const embed = (harness: Harness, input: string) => fetch(`${harness.url}/v1/embeddings`, { method: 'POST', headers, body: JSON.stringify({ model: 'embed', input }) });
const setCaps = async (harness: Harness, project: Record<string, number>) => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: admin })).json()) as { version: number };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers: admin, body: JSON.stringify({ version, policy: { project, features: {}, users: { default: {}, overrides: {} } } }) });
  expect(saved.status).toBe(200);
};
const usedOf = async (harness: Harness) => {
  const { data } = (await (await fetch(`${harness.url}/api/ai/limits`, { headers })).json()) as { data: Array<{ kind: string; used: number }> };
  return Object.fromEntries(data.map((entry) => [entry.kind, entry.used]));
};
const billedTokens = (harness: Harness) => harness.emulator.generations({}).reduce((sum, generation) => sum + (generation.billed ? generation.billed.promptTokens + generation.billed.completionTokens : 0), 0);
/** Sends until the cap refuses (at most `most` requests); the statuses. */
async function untilRefused(send: () => Promise<Response>, most = 8): Promise<number[]> {
  const statuses: number[] = [];
  while (statuses.length < most && !statuses.includes(402)) {
    const response = await send();
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}

describe('caps never overshoot on text dense in tokens', () => {
  it('a spend cap: concurrent chats in Chinese, Japanese and emoji together spend no more than it', async () => {
    const harness = await denseText();
    // What one such chat costs, before any cap counts.
    expect((await chat(harness, DENSE)).status).toBe(200);
    const one = harness.emulator.billedTotal().cost;
    expect(harness.emulator.generations({})[0]!.billed!.promptTokens).toBeGreaterThan(Buffer.byteLength(DENSE));

    // Room for two and a half of them: eight at once may not spend more.
    const cap = 2.5 * one;
    await setCaps(harness, { spendPerDayUsd: cap });
    const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await chat(harness, DENSE)).status));
    const spent = harness.emulator.billedTotal().cost - one;
    expect(spent).toBeLessThanOrEqual(cap);
    expect(statuses.filter((status) => status === 200).length).toBe(2);
    expect(statuses.filter((status) => status === 402).length).toBe(6);
    await expect.poll(async () => (await usedOf(harness))['spendPerDayUsd'], { timeout: 5_000, interval: 50 }).toBeCloseTo(spent, 9);
  });

  it('a token cap: chats of dense text, one after another, use no more than it', async () => {
    const harness = await denseText();
    expect((await chat(harness, DENSE)).status).toBe(200);
    const one = billedTokens(harness);
    await setCaps(harness, { tokensPerDay: Math.floor(2.5 * one) });
    const statuses = await untilRefused(() => chat(harness, DENSE));
    expect(billedTokens(harness) - one).toBeLessThanOrEqual(2.5 * one);
    expect(statuses).toEqual([200, 200, 402]);
    expect((await usedOf(harness))['tokensPerDay']).toBe(billedTokens(harness) - one);
  });

  it('a token cap: embeddings of dense text use no more than it', async () => {
    const harness = await denseText();
    // Each input its own, so none is answered from the response cache.
    let sent = 0;
    const embedNext = () => embed(harness, `${DENSE}${(sent += 1)}`);
    expect((await embedNext()).status).toBe(200);
    const one = billedTokens(harness);
    expect(one).toBe(Buffer.byteLength(DENSE) + 1);
    await setCaps(harness, { tokensPerDay: Math.floor(2.5 * one) });
    const statuses = await untilRefused(embedNext);
    expect(billedTokens(harness) - one).toBeLessThanOrEqual(2.5 * one);
    expect(statuses).toEqual([200, 200, 402]);
  });

  it('an English chat is still admitted where the cap has room for it, and settles at what it cost', async () => {
    const harness = await start();
    const asked = { model: 'dense', max_tokens: 10, messages: [{ role: 'user', content: ENGLISH }] };
    const estimate = (await (await fetch(`${harness.url}/api/ai/estimate`, { method: 'POST', headers, body: JSON.stringify(asked) })).json()) as { estimate: { tokens: number; costUsd: number } };
    // A token a byte of the prompt's JSON: about four times what English is billed, never less.
    expect(estimate.estimate.tokens).toBeGreaterThanOrEqual(Buffer.byteLength(ENGLISH) + 10);
    expect(estimate.estimate.tokens).toBeLessThan(Buffer.byteLength(ENGLISH) + 100);
    await setCaps(harness, { tokensPerDay: estimate.estimate.tokens, spendPerDayUsd: estimate.estimate.costUsd });
    expect((await chat(harness, ENGLISH)).status).toBe(200);
    const billed = harness.emulator.generations({})[0]!.billed!;
    expect(billed.promptTokens).toBeLessThan(Buffer.byteLength(ENGLISH) / 3);
    await expect.poll(async () => (await usedOf(harness))['tokensPerDay'], { timeout: 5_000, interval: 50 }).toBe(billed.promptTokens + billed.completionTokens);
    expect((await usedOf(harness))['spendPerDayUsd']).toBeCloseTo(billed.cost, 9);
  });
});
