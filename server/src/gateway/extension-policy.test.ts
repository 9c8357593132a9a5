import { renderImage, renderPdf } from '@insforge/openrouter-emulator';
import OpenAI, { BadRequestError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseFeature } from '../features/feature.js';
import { featureAccepts } from './extension-policy.js';

// The extension stage of the request lifecycle: what a client adds beyond parameters (OpenRouter's server tools and
// request options, prompt caching, attachments) is checked against the feature's policy. Forbidden is a 400 naming
// the field — nothing is dropped without a word — allowed is sent as it came, forced is sent whatever the client says.

let harness: Harness;
let openai: OpenAI;

const PNG = `data:image/png;base64,${renderImage({ prompt: 'a large fjord', width: 256, height: 256 }).toString('base64')}`;
const JPEG = `data:image/jpeg;base64,${Buffer.alloc(300, 7).toString('base64')}`;
const PDF = `data:application/pdf;base64,${renderPdf(2).toString('base64')}`;

beforeAll(async () => {
  harness = await startHarness({
    features: [
      ...DEFAULT_FEATURES,
      { name: 'open', model: 'openai/gpt-4o-mini', extensions: { provider: 'allow', models: 'allow', plugins: 'allow', transforms: 'allow', serverTools: { web_search: 'allow' } } },
      { name: 'researcher', model: 'openai/gpt-4o-mini', extensions: { serverTools: { web_search: 'force' } } },
      { name: 'strict', model: 'openai/gpt-4o-mini', extensions: { cacheControl: 'forbid', attachments: { image: { maxCount: 1, maxBytes: 1_000, mimeTypes: ['image/png'] }, file: false, audio: false } } },
      { name: 'healing', model: 'openai/gpt-4o-mini', extensions: { pluginsById: { 'response-healing': 'allow' } } },
      { name: 'healed', model: 'openai/gpt-4o-mini', extensions: { plugins: 'allow', pluginsById: { 'response-healing': 'force', web: 'forbid' } } },
      { name: 'terse', model: 'openai/gpt-4o-mini', clientOverrides: { verbosity: false, session_id: false } },
      { name: 'watcher', model: 'google/gemini-2.5-flash', extensions: { attachments: { video: { maxCount: 1, maxBytes: 3_000, mimeTypes: ['video/mp4'] } } } },
      { name: 'plain-files', model: 'openai/gpt-4o-mini', extensions: { attachments: { file: { mimeTypes: ['text/plain'] } } } },
    ],
  });
  openai = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
});
afterAll(() => harness.close());

/** A chat through the gateway with a raw body (OpenRouter's fields are not in the openai SDK's types). */
async function chat(body: Record<string, unknown>): Promise<{ status: number; json: { error?: { code: string; param: string | null; message: string }; choices?: Array<{ message: { content: string; annotations?: unknown[] } }> } }> {
  const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as never };
}

const lastUpstreamRequest = () => harness.emulator.generations().at(-1)?.request as Record<string, unknown> | undefined;
const ask = (content: unknown) => [{ role: 'user', content }];

describe('the extension stage', () => {
  it('refuses OpenRouter options a feature does not allow, naming each, instead of dropping them', async () => {
    for (const [param, value] of [
      ['provider', { order: ['OpenAI'] }],
      ['plugins', [{ id: 'web' }]],
      ['models', ['openai/gpt-4o-mini']],
      ['transforms', ['middle-out']],
    ] as const) {
      const { status, json } = await chat({ model: 'chat', messages: ask('Hi'), [param]: value });
      expect(status, param).toBe(400);
      expect(json.error).toMatchObject({ code: 'parameter_not_allowed', param });
      expect(json.error?.message).toContain(`extensions.${param}`);
    }
    const tool = await chat({ model: 'chat', messages: ask('Hi'), tools: [{ type: 'openrouter:web_search' }] });
    expect(tool.status).toBe(400);
    expect(tool.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'tools.0' });
    const unknown = await chat({ model: 'chat', messages: ask('Hi'), tools: [{ type: 'code_interpreter' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.param).toMatch(/^tools\.0/);
  });

  it('sends the options a feature allows as they came, and checks their shape', async () => {
    const body = { model: 'open', messages: ask('Hi'), provider: { order: ['OpenAI'], allow_fallbacks: false }, transforms: ['middle-out'], models: ['openai/gpt-4o-mini'] };
    expect((await chat(body)).status).toBe(200);
    expect(lastUpstreamRequest()).toMatchObject({ provider: { order: ['OpenAI'], allow_fallbacks: false }, transforms: ['middle-out'], models: ['openai/gpt-4o-mini'] });
    const bad = await chat({ model: 'open', messages: ask('Hi'), provider: 'OpenAI' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_parameter', param: 'provider' });
  });

  it('rules plugins by id: response-healing allowed alone heals JSON and nothing else passes; forced, it runs whatever the client says', async () => {
    // The emulator's model wraps this prompt's JSON in a markdown fence, as a slipping model does.
    const rule = harness.emulator.addRule({ match: { contains: 'A tram pass listing' }, scenario: 'broken-json=fence' });
    const schema = { type: 'object', properties: { name: { type: 'string' }, price: { type: 'number', minimum: 0, maximum: 100 } }, required: ['name', 'price'], additionalProperties: false };
    const body = (model: string, plugins?: unknown[]) => ({ model, messages: ask('A tram pass listing'), response_format: { type: 'json_schema', json_schema: { name: 'pass', strict: true, schema } }, ...(plugins ? { plugins } : {}) });
    const contentOf = (answer: Awaited<ReturnType<typeof chat>>) => answer.json.choices?.[0]?.message.content ?? '';
    const fits = { name: expect.stringContaining('A tram pass listing'), price: 50 };
    try {
      expect(contentOf(await chat(body('healing')))).toMatch(/^```json\n/);
      const healed = await chat(body('healing', [{ id: 'response-healing' }]));
      expect(healed.status).toBe(200);
      expect(JSON.parse(contentOf(healed))).toEqual(fits);
      expect(lastUpstreamRequest()?.['plugins']).toEqual([{ id: 'response-healing' }]);
      const web = await chat(body('healing', [{ id: 'response-healing' }, { id: 'web' }]));
      expect(web.status).toBe(400);
      expect(web.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'plugins.1' });
      expect(web.json.error?.message).toContain('extensions.pluginsById["web"]');

      // Forced: a client that does not ask gets it, one that turns it off too; a plugin named `forbid` beats `plugins: "allow"`.
      expect(JSON.parse(contentOf(await chat(body('healed'))))).toEqual(fits);
      expect(lastUpstreamRequest()?.['plugins']).toEqual([{ id: 'response-healing' }]);
      const turnedOff = await chat(body('healed', [{ id: 'response-healing', enabled: false }, { id: 'context-compression' }]));
      expect(JSON.parse(contentOf(turnedOff))).toEqual(fits);
      expect(lastUpstreamRequest()?.['plugins']).toEqual([{ id: 'context-compression' }, { id: 'response-healing' }]);
      expect((await chat(body('healed', [{ id: 'web' }]))).json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'plugins.0' });
      const unnamed = await chat(body('healing', [{ enabled: true }]));
      expect(unnamed.json.error).toMatchObject({ code: 'invalid_parameter', param: 'plugins.0.id' });
    } finally {
      rule.remove();
    }
    const listed = (await openai.models.list()).data as unknown as Array<{ id: string; details: { accepts?: { plugins?: Record<string, string>; options: Record<string, boolean> } } }>;
    const accepts = (id: string) => listed.find((model) => model.id === id)?.details.accepts;
    expect(accepts('healing')).toMatchObject({ plugins: { 'response-healing': 'allow' }, options: { plugins: false } });
    expect(accepts('healed')).toMatchObject({ plugins: { 'response-healing': 'force' }, options: { plugins: true } });
    expect(accepts('chat')?.plugins).toBeUndefined();
  });

  it('web search: allowed, it returns citations; forced, it runs for a client that did not ask; forbidden, a 400', async () => {
    const allowed = await chat({ model: 'open', messages: ask('Oslo tram timetable'), tools: [{ type: 'openrouter:web_search', parameters: { max_results: 2 } }] });
    expect(allowed.status).toBe(200);
    expect(allowed.json.choices?.[0]?.message.annotations).toHaveLength(2);
    const forced = await openai.chat.completions.create({ model: 'researcher', messages: [{ role: 'user', content: 'Oslo tram timetable' }] });
    expect((forced.choices[0]?.message.annotations ?? []).length).toBeGreaterThan(0);
    // Sent with the bound on its searches that the spend caps reserve for, on OpenRouter's engine, which keeps it where
    // an OpenAI model's own search would not.
    expect(lastUpstreamRequest()?.['tools']).toEqual([{ type: 'openrouter:web_search', parameters: { max_uses: 10, engine: 'exa' } }]);
    // The search's fee is in the cost the ledger records.
    const record = harness.usage.records.at(-1);
    expect(record?.costUsd).toBeGreaterThan(5 * 0.004);
    const forbidden = await chat({ model: 'chat', messages: ask('Oslo tram timetable'), tools: [{ type: 'openrouter:web_search' }] });
    expect(forbidden.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'tools.0' });
  });

  it('checks attachments by kind, count, size and type, and prompt caching, naming the part at fault', async () => {
    const image = (url: string) => ({ type: 'image_url', image_url: { url } });
    const small = `data:image/png;base64,${renderImage({ prompt: 'a dot', width: 4, height: 4 }).toString('base64')}`;
    expect(Buffer.from(small.split(',')[1]!, 'base64').length).toBeLessThan(1_000);
    expect(Buffer.from(PNG.split(',')[1]!, 'base64').length).toBeGreaterThan(1_000);
    expect((await chat({ model: 'strict', messages: ask([{ type: 'text', text: 'What is this?' }, image(small)]) })).status).toBe(200);
    const cases: Array<[unknown[], number, string, string]> = [
      [[{ type: 'text', text: 'Read this' }, { type: 'file', file: { filename: 'a.pdf', file_data: PDF } }], 400, 'parameter_not_allowed', 'messages.0.content.1'],
      [[{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }], 400, 'parameter_not_allowed', 'messages.0.content.0'],
      [[image(PNG)], 413, 'request_too_large', 'messages.0.content.0'],
      [[image(JPEG)], 400, 'parameter_not_allowed', 'messages.0.content.0'],
      [[image(small), image(small)], 400, 'invalid_parameter', 'messages.0.content.1'],
      [[{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }], 400, 'parameter_not_allowed', 'messages.0.content.0.cache_control'],
    ];
    for (const [content, status, code, param] of cases) {
      const { status: got, json } = await chat({ model: 'strict', messages: ask(content) });
      expect({ got, code: json.error?.code, param: json.error?.param }, JSON.stringify(content).slice(0, 80)).toEqual({ got: status, code, param });
    }
    // The default policy takes a PDF.
    expect((await chat({ model: 'chat', messages: ask([{ type: 'text', text: 'Read this' }, { type: 'file', file: { filename: 'a.pdf', file_data: PDF } }]) })).status).toBe(200);
  });

  it('governs video as an attachment kind (refused until the policy names it), and refuses a part type it does not know', async () => {
    const video = (url: string, type = 'video_url') => ({ type, video_url: { url } });
    const clip = `data:video/mp4;base64,${Buffer.alloc(600, 1).toString('base64')}`;
    const generations = harness.emulator.generations().length;
    const cases: Array<[string, unknown[], number, string, string]> = [
      ['chat', [{ type: 'text', text: 'Watch' }, video(clip)], 400, 'parameter_not_allowed', 'messages.0.content.1'],
      ['strict', [video('https://www.youtube.com/watch?v=x')], 400, 'parameter_not_allowed', 'messages.0.content.0'],
      ['chat', [video(clip, 'input_video')], 400, 'parameter_not_allowed', 'messages.0.content.0'],
      ['watcher', [video(clip), video(clip)], 400, 'invalid_parameter', 'messages.0.content.1'],
      ['watcher', [video(`data:video/mp4;base64,${Buffer.alloc(4_000, 1).toString('base64')}`)], 413, 'request_too_large', 'messages.0.content.0'],
      ['watcher', [video(`data:video/webm;base64,${Buffer.alloc(600, 1).toString('base64')}`)], 400, 'parameter_not_allowed', 'messages.0.content.0'],
      ['chat', [{ type: 'input_image', image_url: PNG }], 400, 'invalid_parameter', 'messages.0.content.0.type'],
      ['chat', [{ type: 'text', text: 'Hi' }, { type: 'audio_url', audio_url: { url: 'https://example.org/a.mp3' } }], 400, 'invalid_parameter', 'messages.0.content.1.type'],
    ];
    for (const [model, content, status, code, param] of cases) {
      const { status: got, json } = await chat({ model, messages: ask(content) });
      expect({ got, code: json.error?.code, param: json.error?.param }, `${model} ${JSON.stringify(content).slice(0, 80)}`).toEqual({ got: status, code, param });
    }
    expect(harness.emulator.generations()).toHaveLength(generations);
    const refused = await chat({ model: 'chat', messages: ask([video(clip)]) });
    expect(refused.json.error?.message).toContain('extensions.attachments.video');
    // Named by the policy, a video within its bounds goes through, billed by the emulator as video.
    const watched = await chat({ model: 'watcher', messages: ask([{ type: 'text', text: 'What happens?' }, video(clip)]) });
    expect(watched.status, JSON.stringify(watched.json)).toBe(200);
    expect(lastUpstreamRequest()?.['messages']).toEqual(ask([{ type: 'text', text: 'What happens?' }, video(clip)]));
  });

  it('refuses a content part OpenRouter cannot read, naming its field, on a feature with no attachment policy too', async () => {
    const generations = harness.emulator.generations().length;
    const cases: Array<[unknown, string]> = [
      [{ type: 'image_url', image_url: null }, 'image_url'],
      [{ type: 'image_url', image_url: { url: 5 } }, 'image_url.url'],
      [{ type: 'image_url', image_url: { url: 'insforge-file:zzzz' } }, 'image_url.url'],
      [{ type: 'image_url', image_url: 'https://example.com/a.png' }, 'image_url'],
      [{ type: 'file', file: 5 }, 'file'],
      [{ type: 'file', file: { filename: 'a.pdf' } }, 'file.file_data'],
      [{ type: 'file', file: { filename: 7, file_data: PDF } }, 'file.filename'],
      [{ type: 'input_audio' }, 'input_audio'],
      [{ type: 'input_audio', input_audio: { data: 'AAAA' } }, 'input_audio.format'],
      [{ type: 'video_url', video_url: { url: 'javascript:alert(1)' } }, 'video_url.url'],
      [{ type: 'text', text: null }, 'text'],
    ];
    for (const [part, field] of cases) {
      const { status, json } = await chat({ model: 'chat', messages: ask([{ type: 'text', text: 'Look' }, part]) });
      expect({ status, code: json.error?.code, param: json.error?.param }, JSON.stringify(part)).toEqual({ status: 400, code: 'invalid_parameter', param: `messages.0.content.1.${field}` });
    }
    expect(harness.emulator.generations()).toHaveLength(generations);
    const reference = await chat({ model: 'chat', messages: ask([{ type: 'image_url', image_url: { url: 'insforge-file:zzzz' } }]) });
    expect(reference.json.error?.message).toContain("gateway's store");
  });

  it('reads data URLs whatever the case of their scheme, and judges an image by its bytes, not its label', async () => {
    const image = (url: string) => ({ type: 'image_url', image_url: { url } });
    const payload = PNG.slice(PNG.indexOf(',') + 1);
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64');
    const small = renderImage({ prompt: 'a dot', width: 4, height: 4 }).toString('base64');
    const cases: Array<[string, number, string, string]> = [
      // Too large, whatever the case of `data:` and `;base64`.
      [`DATA:image/png;base64,${payload}`, 413, 'request_too_large', 'messages.0.content.0'],
      [`Data:image/png;BASE64,${payload}`, 413, 'request_too_large', 'messages.0.content.0'],
      // A GIF labelled PNG: its bytes are not what it says.
      [`data:image/png;base64,${gif}`, 400, 'invalid_parameter', 'messages.0.content.0'],
      [`DATA:image/png;base64,${gif}`, 400, 'invalid_parameter', 'messages.0.content.0'],
      // A GIF with no label, or bytes that are no image at all, are not of the PNG the feature takes.
      [`data:;base64,${gif}`, 400, 'parameter_not_allowed', 'messages.0.content.0'],
      [`data:image/png;base64,${Buffer.alloc(300, 7).toString('base64')}`, 400, 'parameter_not_allowed', 'messages.0.content.0'],
    ];
    for (const [url, status, code, param] of cases) {
      const { status: got, json } = await chat({ model: 'strict', messages: ask([image(url)]) });
      expect({ got, code: json.error?.code, param: json.error?.param }, url.slice(0, 40)).toEqual({ got: status, code, param });
    }
    const mislabelled = await chat({ model: 'strict', messages: ask([image(`data:image/png;base64,${gif}`)]) });
    expect(mislabelled.json.error?.message).toContain('labelled image/png, but its bytes are image/gif');
    // A PNG is taken in any case, with or without a label, and the emulator reads it.
    for (const url of [`DATA:image/png;base64,${small}`, `data:;base64,${small}`, `data:image/png;base64,${small.replace(/(.{4})/g, '$1 ')}`]) {
      const { status, json } = await chat({ model: 'strict', messages: ask([{ type: 'text', text: 'What is this?' }, image(url)]) });
      expect(status, `${url.slice(0, 30)} ${JSON.stringify(json).slice(0, 200)}`).toBe(200);
    }
    expect(harness.emulator.generations().at(-2)?.billed?.promptTokens).toBeGreaterThanOrEqual(85);
  });

  it('takes under a file type list only files whose type it can tell: a link or unlabelled data could be a PDF', async () => {
    const file = (filename: string, data: string) => ({ type: 'file', file: { filename, file_data: data } });
    const text = `data:text/plain;base64,${Buffer.from('Opening hours: 9 to 5.').toString('base64')}`;
    // The policy passes a text file on (the emulator, as OpenRouter, then says which files it parses).
    const taken = await chat({ model: 'plain-files', messages: ask([{ type: 'text', text: 'Read this' }, file('hours.txt', text)]) });
    expect(taken.json.error?.code).not.toBe('parameter_not_allowed');
    const cases: Array<[string, string, string]> = [
      ['a PDF', 'a.pdf', PDF],
      ['a PDF labelled as text', 'a.txt', `data:text/plain;base64,${PDF.slice(PDF.indexOf(',') + 1)}`],
      ['a link', 'hours', 'https://example.org/hours'],
      ['unlabelled data', 'hours', `data:;base64,${Buffer.from('%PDF-1.4').toString('base64')}`],
    ];
    for (const [what, filename, data] of cases) {
      const { status, json } = await chat({ model: 'plain-files', messages: ask([{ type: 'text', text: 'Read this' }, file(filename, data)]) });
      expect({ status, code: json.error?.code, param: json.error?.param }, what).toEqual({ status: 400, code: what === 'a PDF labelled as text' ? 'invalid_parameter' : 'parameter_not_allowed', param: 'messages.0.content.1' });
    }
  });

  it('reads OpenAI\'s reasoning_effort as reasoning.effort', async () => {
    await openai.chat.completions.create({ model: 'chat', reasoning_effort: 'high', messages: [{ role: 'user', content: 'Think' }] });
    expect(lastUpstreamRequest()?.['reasoning']).toEqual({ effort: 'high' });
    expect(lastUpstreamRequest()).not.toHaveProperty('reasoning_effort');
  });

  it('tells clients what each feature accepts in /v1/models, and an admin sets the policy through the API (versioned)', async () => {
    const listed = (await openai.models.list()).data as unknown as Array<{ id: string; details: { accepts?: { attachments: Record<string, unknown>; serverTools: Record<string, string>; options: Record<string, boolean> } } }>;
    const strict = listed.find((model) => model.id === 'strict')!.details.accepts!;
    expect(strict.attachments).toEqual({ image: { maxCount: 1, maxBytes: 1_000, mimeTypes: ['image/png'] }, file: false, audio: false, video: false });
    expect(listed.find((model) => model.id === 'watcher')!.details.accepts!.attachments['video']).toEqual({ maxCount: 1, maxBytes: 3_000, mimeTypes: ['video/mp4'] });
    expect(strict.options.cache_control).toBe(false);
    expect(listed.find((model) => model.id === 'researcher')!.details.accepts!.serverTools).toEqual({ web_search: 'force' });

    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const current = (await (await fetch(`${harness.url}/api/ai/configurations/chat`, { headers: admin })).json()) as { version: number; extensions: unknown };
    expect(current.extensions).toEqual({});
    const patched = await fetch(`${harness.url}/api/ai/configurations/chat`, { method: 'PATCH', headers: admin, body: JSON.stringify({ version: current.version, extensions: { serverTools: { web_search: 'allow' } } }) });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { version: number }).version).toBe(current.version + 1);
    const allowed = await chat({ model: 'chat', messages: ask('Oslo'), tools: [{ type: 'openrouter:web_search' }] });
    expect(allowed.status).toBe(200);
    const invalid = await fetch(`${harness.url}/api/ai/configurations/chat`, { method: 'PATCH', headers: admin, body: JSON.stringify({ version: current.version + 1, extensions: { serverTools: { 'Web Search': 'allow' } } }) });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { param: string } }).error.param).toMatch(/^extensions\.serverTools/);
    await expect(openai.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }], provider: { order: ['x'] } } as never)).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe('what /v1/models says a feature accepts', () => {
  const feature = parseFeature({ name: 'reader', model: 'some/model', extensions: { attachments: { audio: { maxCount: 1 } } } });

  it("narrows attachments to what the model reads: no images for a text-only model, no audio for one that does not hear, PDFs always", () => {
    const textOnly = featureAccepts(feature, ['text']).attachments;
    expect(textOnly).toEqual({ image: false, file: { maxCount: 10, maxBytes: 10_485_760 }, audio: false, video: false });
    const hears = featureAccepts(feature, ['text', 'image', 'audio']).attachments;
    expect(hears).toEqual({ image: { maxCount: 10, maxBytes: 10_485_760 }, file: { maxCount: 10, maxBytes: 10_485_760 }, audio: { maxCount: 1, maxBytes: 10_485_760 }, video: false });
    // Video is refused until the policy names it; named, it is narrowed like the others.
    const watcher = parseFeature({ name: 'watcher', model: 'some/model', extensions: { attachments: { video: {} } } });
    expect(featureAccepts(watcher, ['text', 'video']).attachments.video).toEqual({ maxCount: 10, maxBytes: 10_485_760 });
    expect(featureAccepts(watcher, ['text', 'image']).attachments.video).toBe(false);
    // Without the catalog (OpenRouter unreachable), the policy alone.
    expect(featureAccepts(feature).attachments.image).not.toBe(false);
    expect(featureAccepts(feature, []).attachments.audio).not.toBe(false);
  });
});

describe('OpenRouter\'s other request fields: each sent under the feature\'s policy or refused, never dropped', () => {
  const ask = { model: 'chat', messages: [{ role: 'user', content: 'Hi' }] };

  it('sends those that change the answer or label the request as they came', async () => {
    const fields = {
      verbosity: 'low',
      prediction: { type: 'content', content: 'Hello there' },
      usage: { include: true },
      session_id: 'conversation-42',
      metadata: { screen: 'checkout' },
      trace: { trace_id: 't-1' },
      top_a: 0.2,
      structured_outputs: true,
    };
    const { status } = await chat({ ...ask, ...fields });
    expect(status).toBe(200);
    expect(lastUpstreamRequest()).toMatchObject(fields);
  });

  it('lets a feature forbid one of them, as any parameter (clientOverrides)', async () => {
    const refused = await chat({ ...ask, model: 'terse', verbosity: 'high' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: 'verbosity' });
  });

  it('refuses, naming the field, those that would replace what the feature decides', async () => {
    const generations = harness.emulator.generations().length;
    for (const [field, value, why] of [
      ['preset', 'my-preset', /preset brings its own model, system prompt/],
      ['debug', { echo_upstream_body: true }, /echoes the request sent upstream/],
      ['max_price', { prompt: 1 }, /provider\.max_price/],
      ['prompt', 'Say hi', /takes `messages`/],
    ] as const) {
      const refused = await chat({ ...ask, [field]: value });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: field });
      expect(refused.json.error?.message).toMatch(why);
    }
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  // Never sent on, they used to be dropped: the model answered in text, and a client waiting for a function call
  // read the answer as the model's choice not to call one.
  it('refuses OpenAI\'s legacy functions and function_call, naming each and the tools that replace them', async () => {
    const generations = harness.emulator.generations().length;
    for (const [field, value] of [
      ['functions', [{ name: 'lookup', parameters: { type: 'object', properties: {} } }]],
      ['function_call', 'auto'],
    ] as const) {
      const refused = await chat({ ...ask, [field]: value });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: field });
      expect(refused.json.error?.message).toMatch(/tools/);
    }
    expect(harness.emulator.generations()).toHaveLength(generations);
  });

  it('sends web_search_options, route and a top-level cache_control only where the feature allows what they qualify', async () => {
    for (const [field, value] of [['web_search_options', { search_context_size: 'low' }], ['route', 'fallback']] as const) {
      // `healing` allows neither web search nor `models` (`chat` allows web search by an earlier test's change).
      const refused = await chat({ ...ask, model: 'healing', [field]: value });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ code: 'parameter_not_allowed', param: field });
      expect((await chat({ ...ask, model: 'open', [field]: value })).status).toBe(200);
      expect(lastUpstreamRequest()?.[field]).toEqual(value);
    }
    const cached = await chat({ ...ask, cache_control: { type: 'ephemeral' } });
    expect(cached.status).toBe(200);
    expect(lastUpstreamRequest()?.['cache_control']).toEqual({ type: 'ephemeral' });
    expect((await chat({ ...ask, model: 'strict', cache_control: { type: 'ephemeral' } })).json.error).toMatchObject({ param: 'cache_control' });
  });

  it('reads usage: { include: true } as asking for the usage chunk of a stream', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...ask, stream: true, usage: { include: true } }) });
    expect(await response.text()).toMatch(/"usage":\{"prompt_tokens"/);
  });
});
