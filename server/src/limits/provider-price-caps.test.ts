import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '@insforge/openrouter-emulator';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';

// OpenRouter serves a model from several providers, and an open-weights model's hosts price it each their own way:
// `/models` lists the cheapest. The emulator's Llama 3.3 70B costs the list price on Groq, 1.5 times it on DeepInfra
// and twice it on Together, the fastest host, where `provider.sort: "throughput"` (or OpenRouter's own load
// balancing) sends a request. Every answer here fills its `max_tokens`, so its output is what the worst case counts.
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
const QUESTION = 'How long does the night train from Oslo to Bergen take?';
const OUTPUT_TOKENS = 200;

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

/** A gateway whose `hosted` feature serves Llama and lets its clients choose providers. */
async function start(emulator: EmulatorOptions = {}): Promise<Harness> {
  const hosted = { name: 'hosted', model: LLAMA, params: { max_tokens: OUTPUT_TOKENS }, extensions: { provider: 'allow' as const } };
  const harness = await startHarness({ emulator: { scenario: { replyTokens: 4 * OUTPUT_TOKENS }, ...emulator }, features: [...DEFAULT_FEATURES, hosted] });
  harnesses.push(harness);
  return harness;
}

const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const ask = (provider?: Record<string, unknown>) => ({ model: 'hosted', messages: [{ role: 'user', content: QUESTION }], ...(provider ? { provider } : {}) });
const chat = async (harness: Harness, provider?: Record<string, unknown>) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(ask(provider)) });
  await response.arrayBuffer();
  return response.status;
};
const estimateOf = async (harness: Harness, provider?: Record<string, unknown>) => {
  const response = await fetch(`${harness.url}/api/ai/estimate`, { method: 'POST', headers, body: JSON.stringify(ask(provider)) });
  return ((await response.json()) as { estimate: { tokens: number; costUsd: number } }).estimate;
};
/** What an estimate prices the model at, as a multiple of its list price (its tokens are the prompt's and the output's). */
const priceFactorOf = (harness: Harness, estimate: { tokens: number; costUsd: number }) => {
  const listed = harness.emulator.catalog.find(LLAMA)!.pricing;
  return estimate.costUsd / ((estimate.tokens - OUTPUT_TOKENS) * Number(listed.prompt) + OUTPUT_TOKENS * Number(listed.completion));
};
const setSpendCap = async (harness: Harness, spendPerDayUsd: number) => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: admin })).json()) as { version: number };
  const policy = { project: { spendPerDayUsd }, features: {}, users: { default: {}, overrides: {} } };
  expect((await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers: admin, body: JSON.stringify({ version, policy }) })).status).toBe(200);
};

/**
 * Sends one request to learn what it costs where it lands, caps the project at 2.5 times that, then sends eight at
 * once: what they spent, and how many were admitted.
 */
async function eightAtOnceUnderCap(harness: Harness, provider?: Record<string, unknown>): Promise<{ one: number; cap: number; spent: number; admitted: number }> {
  expect(await chat(harness, provider)).toBe(200);
  const one = harness.emulator.billedTotal().cost;
  const cap = 2.5 * one;
  await setSpendCap(harness, cap);
  const statuses = await Promise.all(Array.from({ length: 8 }, () => chat(harness, provider)));
  return { one, cap, spent: harness.emulator.billedTotal().cost - one, admitted: statuses.filter((status) => status === 200).length };
}

describe('a spend cap holds whichever provider serves the model', () => {
  it('a request the client routes to the dearest host (provider.sort: "throughput") is reserved at that host\'s price', async () => {
    const harness = await start();
    const { one, cap, spent, admitted } = await eightAtOnceUnderCap(harness, { sort: 'throughput' });
    expect(harness.emulator.generations().map((generation) => generation.provider)).toContain('Together');
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBe(2);
    // What OpenRouter billed, at twice the list price, is within what was reserved for it.
    expect((await estimateOf(harness, { sort: 'throughput' })).costUsd).toBeGreaterThanOrEqual(one);
  });

  it('a request OpenRouter itself balances onto a dearer host is reserved at the dearest price the model has', async () => {
    // No routing asked for: OpenRouter's load balancing picks the host, here the dearest.
    const harness = await start({ scenario: { replyTokens: 4 * OUTPUT_TOKENS, provider: 'Together' } });
    const { spent, cap, admitted } = await eightAtOnceUnderCap(harness);
    expect(spent).toBeLessThanOrEqual(cap);
    expect(admitted).toBe(2);
  });

  it('routing that rules the dear hosts out is reserved at the price of the hosts it leaves', async () => {
    const harness = await start();
    const factorUnder = async (provider?: Record<string, unknown>) => priceFactorOf(harness, await estimateOf(harness, provider));
    // Anywhere, and where fallbacks let any host answer, at twice the list price (Together's).
    expect(await factorUnder()).toBeCloseTo(2, 9);
    expect(await factorUnder({ sort: 'price' })).toBeCloseTo(2, 9);
    expect(await factorUnder({ order: ['Groq'] })).toBeCloseTo(2, 9);
    // On Groq alone, at the list price; without Together, at DeepInfra's 1.5 times it.
    expect(await factorUnder({ only: ['groq'] })).toBeCloseTo(1, 9);
    expect(await factorUnder({ order: ['Groq'], allow_fallbacks: false })).toBeCloseTo(1, 9);
    expect(await factorUnder({ ignore: ['Together'] })).toBeCloseTo(1.5, 9);
    // A name the model's providers do not go by narrows nothing.
    expect(await factorUnder({ only: ['groq', 'somebody-else'] })).toBeCloseTo(2, 9);
  });
});
