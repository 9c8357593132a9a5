import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseFeature } from '../features/feature.js';
import type { GatewayContext } from './context.js';
import { estimateChat } from './quota-estimate.js';

// A client's `models` is OpenRouter's fallback list: on any attempt OpenRouter may serve, and bill, any model in it.
// So it names only what the client could name as `model`, and the worst case reserved before forwarding prices it.

let harness: Harness;
/** Whether the project accepts raw OpenRouter model ids, as a host's `allowRawModels` function answers it. */
let rawIds = false;

beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'open', model: 'openai/gpt-4o-mini', fallbackModels: ['openai/gpt-4o'], params: { max_tokens: 256 }, extensions: { models: 'allow', serverTools: { web_search: 'allow' } } },
      { name: 'unsearched', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 }, extensions: { models: 'allow' } },
    ],
    allowRawModels: () => rawIds,
  });
});
afterAll(() => harness.close());

type ErrorShape = { code: string; param: string | null; message: string };

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; json: { error?: ErrorShape; model?: string; estimate?: { costUsd: number } } }> {
  const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as never };
}
const chat = (body: Record<string, unknown>) => post('/v1/chat/completions', body);
const estimate = (body: Record<string, unknown>) => post('/api/ai/estimate', body);
const ask = (content: string, models: unknown, model = 'open') => ({ model, messages: [{ role: 'user', content }], models });

async function setProjectCaps(project: Record<string, number>): Promise<void> {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers })).json()) as { version: number };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers, body: JSON.stringify({ version, policy: { project } }) });
  expect(saved.status).toBe(200);
}

describe("a client's models", () => {
  it("names only the feature's own models where the project takes no raw model ids, refused before anything reaches OpenRouter", async () => {
    rawIds = false;
    const generations = harness.emulator.generations().length;
    const refused = await chat(ask('Hi', ['openai/gpt-4o', 'openai/o1-pro']));
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'models.1' });
    expect(refused.json.error?.message).toContain('openai/o1-pro');
    expect((await estimate(ask('Hi', ['openai/o1-pro']))).json.error).toMatchObject({ param: 'models.0' });
    expect(harness.emulator.generations()).toHaveLength(generations);
    // The feature's fallback, in the client's order, is its own to name.
    expect((await chat(ask('Hi', ['openai/gpt-4o']))).status).toBe(200);
  });

  it('names a model the project could send as `model` where it takes raw ids, and the estimate prices it', async () => {
    rawIds = true;
    try {
      const own = (await estimate(ask('Hi', ['openai/gpt-4o']))).json.estimate?.costUsd ?? 0;
      const dearer = await estimate(ask('Hi', ['openai/o1-pro']));
      expect(dearer.status).toBe(200);
      // o1-pro bills $0.0006 an output token: 256 of them are more than the feature's own models could cost.
      expect(dearer.json.estimate?.costUsd).toBeGreaterThanOrEqual(256 * 0.0006);
      expect(own).toBeLessThan(256 * 0.0006);
      const unknown = await chat(ask('Hi', ['nobody/no-such-model']));
      expect(unknown.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'models.0' });
    } finally {
      rawIds = false;
    }
  });

  it('holds a spend cap when OpenRouter falls back to the dearer model a client listed', async () => {
    rawIds = true;
    const rule = harness.emulator.addRule({ match: { model: 'openai/gpt-4o-mini', contains: 'FALLBACKME' }, scenario: 'status=503' });
    const billed = harness.emulator.billedTotal().cost;
    // Room for the feature's own worst case (gpt-4o, 256 tokens: under $0.003), not for o1-pro's ($0.15).
    await setProjectCaps({ spendPerDayUsd: 0.01 });
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, () => chat({ ...ask('FALLBACKME write', ['openai/o1-pro']), max_tokens: 256 })));
      expect(answers.map((answer) => answer.status)).toEqual([402, 402, 402, 402, 402]);
      expect(answers[0]?.json.error?.code).toBe('quota_exceeded');
      expect(harness.emulator.billedTotal().cost).toBe(billed);
    } finally {
      rule.remove();
      await setProjectCaps({});
      rawIds = false;
    }
  });

  it('runs a web search (`:online`) only where the feature allows web search', async () => {
    const refused = await chat(ask('Oslo tram news', ['openai/gpt-4o-mini:online'], 'unsearched'));
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'models.0' });
    expect(refused.json.error?.message).toContain('web_search');
    expect((await estimate(ask('Oslo tram news', ['openai/gpt-4o-mini:online']))).status).toBe(200);
    // Another routing variant is no model the feature's clients may name.
    expect((await estimate(ask('Hi', ['openai/gpt-4o-mini:nitro']))).json.error).toMatchObject({ param: 'models.0' });
  });

  it('qualifies `models` with `route: "fallback"` only, the routing OpenRouter documents', async () => {
    expect((await estimate({ ...ask('Hi', ['openai/gpt-4o']), route: 'fallback' })).status).toBe(200);
    const other = await estimate({ ...ask('Hi', ['openai/gpt-4o']), route: 'cheapest-first' });
    expect(other.status).toBe(400);
    expect(other.json.error).toMatchObject({ code: 'invalid_parameter', param: 'route' });
  });
});

describe('the estimate of a chat with client models', () => {
  // A catalog that prices one model at $1 a token and one at $3, so costs read as tokens; a variant it does not
  // list (`:online`, `:nitro`) counts at the dearest price, $3.
  const listed: Record<string, { pricing: Record<string, string> }> = { 'chat/one': { pricing: { prompt: '1', completion: '1' } }, 'chat/three': { pricing: { prompt: '3', completion: '3' } } };
  const context = { catalog: { find: async (id: string) => listed[id], dearest: async () => ({ prompt: 3, completion: 3 }), endpoints: async () => null } } as unknown as GatewayContext;
  const run = (body: Record<string, unknown>) => ({
    target: { feature: parseFeature({ name: 'raw', model: 'chat/one' }), isFeature: false, models: ['chat/one'] },
    body: { max_tokens: 10, ...body },
    promptBytes: 10,
    attachments: { tokens: 0, audioTokens: 0, images: 0, pdfPages: 0, videos: 0, writesCache: false },
  });

  it('prices every model the chat may be served by, the dearest of them', async () => {
    expect((await estimateChat(context, run({}))).costUsd).toBe(20);
    expect((await estimateChat(context, run({ models: ['chat/three'] }))).costUsd).toBe(60);
  });

  it("adds the web search fee of an `:online` model ($0.004 a result, 5 by default), once when the chat sends the `web` plugin too", async () => {
    const nitro = (await estimateChat(context, run({ models: ['chat/one:nitro'] }))).costUsd;
    expect((await estimateChat(context, run({ models: ['chat/one:online'] }))).costUsd).toBeCloseTo(nitro + 0.02, 9);
    const plugin = { plugins: [{ id: 'web', max_results: 2 }] };
    expect((await estimateChat(context, run({ ...plugin, models: ['chat/one:online'] }))).costUsd).toBeCloseTo(nitro + 0.008, 9);
  });
});
