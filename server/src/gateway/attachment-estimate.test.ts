import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { GatewayError } from '../errors.js';
import { boundWebSearches, DEFAULT_MAX_SEARCHES } from './attachment-estimate.js';

// Attachments under a spend cap: the estimate prices what they hold (an image by its pixels, a PDF by its pages),
// not their base64 as text — which made a 1 MB image reserve about 360,000 tokens, more than a $0.02 cap. Each is
// admitted, its reservation stays within 3× of what the emulator bills (and never below it), and a feature that
// does not take the kind refuses it with a 400 naming the part.

let harness: Harness;
const CAP_USD = 0.02;
const PNG = `data:image/png;base64,${renderImage({ prompt: 'a fjord at dawn', width: 4096, height: 4096, seed: 3 }).toString('base64')}`;
const PDF = `data:application/pdf;base64,${renderPdf(10).toString('base64')}`;

beforeAll(async () => {
  harness = await startHarness({
    features: [
      { name: 'vision', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 } },
      { name: 'textonly', model: 'openai/gpt-4o-mini', params: { max_tokens: 256 }, extensions: { attachments: { image: false, file: false } } },
      { name: 'claude', model: 'anthropic/claude-sonnet-4', params: { max_tokens: 256 } },
      { name: 'watcher', model: 'google/gemini-2.5-flash', params: { max_tokens: 256 }, extensions: { attachments: { video: {} } } },
      { name: 'capped-watcher', model: 'google/gemini-2.5-flash', params: { max_tokens: 256 }, extensions: { attachments: { video: {} } } },
    ],
  });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const current = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: admin })).json()) as { version: number };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ version: current.version, policy: { project: {}, features: { vision: { spendPerDayUsd: CAP_USD }, 'capped-watcher': { spendPerDayUsd: CAP_USD } }, users: { default: {}, overrides: {} } } }),
  });
  expect(saved.status, await saved.clone().text()).toBe(200);
});
afterAll(() => harness.close());

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { error?: { code: string; param: string | null; message: string } } };
};

describe('attachments under a spend cap', () => {
  expect(PNG.length).toBeGreaterThan(1_000_000);

  for (const [name, part] of [
    ['a 1 MB PNG', { type: 'image_url', image_url: { url: PNG } }],
    ['a 10-page PDF', { type: 'file', file: { filename: 'report.pdf', file_data: PDF } }],
  ] as const) {
    it(`${name} is admitted, and its reservation is within 3× of the bill; refused by a feature that does not take it`, async () => {
      const messages = [{ role: 'user', content: [{ type: 'text', text: 'What is in this?' }, part] }];
      const estimated = await post('/api/ai/estimate', { model: 'vision', messages });
      expect(estimated.status, JSON.stringify(estimated.json)).toBe(200);
      const estimate = estimated.json['estimate'] as { tokens: number; costUsd: number };
      expect(estimated.json).toMatchObject({ feature: 'vision', admitted: true, blockedBy: null });
      expect(estimate.costUsd).toBeLessThan(CAP_USD);

      const answered = await post('/v1/chat/completions', { model: 'vision', messages });
      expect(answered.status, JSON.stringify(answered.json)).toBe(200);
      const billed = harness.emulator.generations().at(-1)!.billed!;
      expect(estimate.costUsd).toBeGreaterThanOrEqual(billed.cost);
      expect(estimate.costUsd).toBeLessThanOrEqual(3 * billed.cost);
      expect(estimate.tokens).toBeGreaterThanOrEqual(billed.promptTokens + billed.completionTokens);
      expect(estimate.tokens).toBeLessThanOrEqual(3 * (billed.promptTokens + billed.completionTokens));

      const refused = await post('/v1/chat/completions', { model: 'textonly', messages });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'messages.0.content.1' });
      expect(refused.json.error?.message).toContain(part.type === 'file' ? 'file attachment' : 'image attachment');
    });
  }

  it('a percent-encoded image (a data URL without ;base64) is priced by its pixels like its base64, never a 500', async () => {
    const image = renderImage({ prompt: 'a tram at dusk', width: 512, height: 512, seed: 4 });
    const asked = (url: string) => [{ role: 'user', content: [{ type: 'text', text: 'What is in this?' }, { type: 'image_url', image_url: { url } }] }];
    const escaped = `data:image/png,${Array.from(image, (byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`;
    const estimated = await post('/api/ai/estimate', { model: 'vision', messages: asked(escaped) });
    expect(estimated.status, JSON.stringify(estimated.json)).toBe(200);
    const asBase64 = await post('/api/ai/estimate', { model: 'vision', messages: asked(`data:image/png;base64,${image.toString('base64')}`) });
    // The same pixels, and a header shorter by `;base64` (its characters are prompt text).
    const tokens = (answer: typeof estimated) => (answer.json['estimate'] as { tokens: number }).tokens;
    expect(tokens(estimated)).toBe(tokens(asBase64) - ';base64'.length);
    const answered = await post('/v1/chat/completions', { model: 'vision', messages: asked(escaped) });
    expect(answered.status, JSON.stringify(answered.json)).toBe(200);
  });

  it('a prompt-cache write (dearer than the prompt) stays within its reservation, and a read costs less', async () => {
    const messages = [
      { role: 'system', content: [{ type: 'text', text: 'Tram facts. '.repeat(1_500), cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'When does line 11 run?' },
    ];
    const estimate = (await post('/api/ai/estimate', { model: 'claude', messages })).json['estimate'] as { costUsd: number };
    expect((await post('/v1/chat/completions', { model: 'claude', messages })).status).toBe(200);
    const written = harness.emulator.generations().at(-1)!.billed!;
    expect(written.cacheWriteTokens).toBeGreaterThan(1_024);
    expect(estimate.costUsd).toBeGreaterThanOrEqual(written.cost);
    expect((await post('/v1/chat/completions', { model: 'claude', messages })).status).toBe(200);
    const read = harness.emulator.generations().at(-1)!.billed!;
    expect(read.cachedTokens).toBe(written.cacheWriteTokens);
    expect(read.cost).toBeLessThan(written.cost);
  });

  it('a video reserves the model\'s whole context window (its length is not known before it is read), in any case of data: URL', async () => {
    const clip = (scheme: string) => [{ role: 'user', content: [{ type: 'text', text: 'What happens?' }, { type: 'video_url', video_url: { url: `${scheme}:video/mp4;base64,${Buffer.alloc(3_000, 1).toString('base64')}` } }] }];
    const plain = (await post('/api/ai/estimate', { model: 'watcher', messages: [{ role: 'user', content: 'What happens?' }] })).json['estimate'] as { tokens: number; costUsd: number };
    for (const scheme of ['data', 'DATA']) {
      const estimated = await post('/api/ai/estimate', { model: 'watcher', messages: clip(scheme) });
      expect(estimated.status, JSON.stringify(estimated.json)).toBe(200);
      const estimate = estimated.json['estimate'] as { tokens: number; costUsd: number };
      // gemini-2.5-flash: a context of 1,048,576 tokens at $0.30 a million, and the video's base64 is not counted as text.
      expect(estimate.tokens).toBe(1_048_576 + 256);
      expect(estimate.costUsd).toBeGreaterThan(1_048_576 * 0.0000003);
      expect(estimate.tokens).toBeGreaterThan(plain.tokens);
    }
    const answered = await post('/v1/chat/completions', { model: 'watcher', messages: clip('data') });
    expect(answered.status, JSON.stringify(answered.json)).toBe(200);
    const billed = harness.emulator.generations().at(-1)!.billed!;
    expect(billed.videoTokens).toBeGreaterThan(0);
    expect(billed.promptTokens + billed.completionTokens).toBeLessThan(1_048_576 + 256);

    const generations = harness.emulator.generations().length;
    const refused = await post('/v1/chat/completions', { model: 'capped-watcher', messages: clip('data') });
    expect(refused.status).toBe(402);
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  it('says when a request would not fit, naming the limit, before anything is sent', async () => {
    const generations = harness.emulator.generations().length;
    const pdf = `data:application/pdf;base64,${renderPdf(200).toString('base64')}`;
    const estimated = await post('/api/ai/estimate', { model: 'vision', messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'big.pdf', file_data: pdf } }] }] });
    expect(estimated.json).toMatchObject({ admitted: false, blockedBy: { scope: 'feature', target: 'vision', kind: 'spendPerDayUsd' } });
    const refused = await post('/v1/chat/completions', { model: 'vision', messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'big.pdf', file_data: pdf } }] }] });
    expect(refused.status).toBe(402);
    expect(harness.emulator.generations()).toHaveLength(generations);
  });
});

describe('boundWebSearches', () => {
  it('sends the web search tool with max_uses 10 unless the request bounds its searches itself', () => {
    const body: Record<string, unknown> = { tools: [{ type: 'function', function: { name: 'f' } }, { type: 'openrouter:web_search', parameters: { max_results: 3 } }] };
    boundWebSearches(body);
    expect(body['tools']).toEqual([{ type: 'function', function: { name: 'f' } }, { type: 'openrouter:web_search', parameters: { max_results: 3, max_uses: DEFAULT_MAX_SEARCHES } }]);
    expect(DEFAULT_MAX_SEARCHES).toBe(10);
    const own = { tools: [{ type: 'openrouter:web_search', parameters: { max_uses: 2 } }] };
    boundWebSearches(own);
    expect(own.tools).toEqual([{ type: 'openrouter:web_search', parameters: { max_uses: 2 } }]);
    // A bound beside `type` goes where OpenRouter's schema has it; one that is no whole number is replaced.
    const beside = { tools: [{ type: 'openrouter:web_search', max_uses: 3 }, { type: 'openrouter:web_search', parameters: { max_uses: 0 } }] };
    boundWebSearches(beside);
    expect(beside.tools).toEqual([{ type: 'openrouter:web_search', max_uses: 3, parameters: { max_uses: 3 } }, { type: 'openrouter:web_search', parameters: { max_uses: 10 } }]);
  });

  it('leaves the engine to OpenRouter where every model the chat may land on keeps max_uses', () => {
    const body = { tools: [{ type: 'openrouter:web_search', parameters: { engine: 'native', max_uses: 2 } }] };
    boundWebSearches(body);
    expect(body.tools).toEqual([{ type: 'openrouter:web_search', parameters: { engine: 'native', max_uses: 2 } }]);
  });

  it('runs the tool on Exa where OpenRouter would pick a model\'s own search that ignores max_uses', () => {
    const tools = () => [{ type: 'openrouter:web_search' }, { type: 'openrouter:web_search', parameters: { engine: 'auto' } }, { type: 'openrouter:web_search', engine: 'auto', parameters: { max_uses: 2 } }];
    const body = { tools: tools() };
    boundWebSearches(body, 'openai/gpt-5.4-mini');
    expect(body.tools).toEqual([
      { type: 'openrouter:web_search', parameters: { max_uses: 10, engine: 'exa' } },
      { type: 'openrouter:web_search', parameters: { max_uses: 10, engine: 'exa' } },
      // Beside `type` too, wherever OpenRouter reads it.
      { type: 'openrouter:web_search', engine: 'exa', parameters: { max_uses: 2, engine: 'exa' } },
    ]);
  });

  it('keeps an engine of OpenRouter\'s own the client named, in parameters where it was beside type', () => {
    const body = { tools: [{ type: 'openrouter:web_search', parameters: { engine: 'parallel' } }, { type: 'openrouter:web_search', engine: 'firecrawl' }] };
    boundWebSearches(body, 'x-ai/grok-4.3');
    expect(body.tools).toEqual([
      { type: 'openrouter:web_search', parameters: { engine: 'parallel', max_uses: 10 } },
      { type: 'openrouter:web_search', engine: 'firecrawl', parameters: { max_uses: 10, engine: 'firecrawl' } },
    ]);
  });

  it('refuses the model\'s own search, or an engine it does not know, naming the tool\'s field', () => {
    const refusal = (tools: unknown[]) => {
      try {
        boundWebSearches({ tools }, 'openrouter/auto');
      } catch (error) {
        return error instanceof GatewayError ? { status: error.status, code: error.code, param: error.options.param, message: error.message } : error;
      }
      return undefined;
    };
    const native = refusal([{ type: 'function', function: { name: 'f' } }, { type: 'openrouter:web_search', parameters: { engine: 'native' } }]);
    expect(native).toMatchObject({ status: 400, code: 'web_search_unbounded', param: 'tools.1.parameters.engine' });
    expect((native as { message: string }).message).toContain('"openrouter/auto"');
    // Beside `type`, even with OpenRouter's default in `parameters`: OpenRouter may read either.
    expect(refusal([{ type: 'openrouter:web_search', engine: 'native', parameters: { engine: 'auto' } }])).toMatchObject({ code: 'web_search_unbounded', param: 'tools.0.engine' });
    expect(refusal([{ type: 'openrouter:web_search', parameters: { engine: 'Native' } }])).toMatchObject({ code: 'web_search_unbounded', param: 'tools.0.parameters.engine' });
  });
});
