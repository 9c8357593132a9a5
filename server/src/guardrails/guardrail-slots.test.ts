import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedAnswer, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

// Every text the model or the client reads is screened: the word and the address below are hidden in each place a
// request or an answer can hold text, and must never get past the feature's guardrails.
const WORD = 'nightingale';
const EMAIL = 'ada@example.com';
const ACCEPTS = { plugins: 'allow' as const, attachments: { file: {} } };

const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  {
    name: 'screened',
    model: 'openai/gpt-4o-mini',
    extensions: ACCEPTS,
    guardrails: [{ type: 'blocklist', stage: 'both', words: [WORD] }, { type: 'pii', stage: 'both', mode: 'block', kinds: ['email'] }],
  },
  { name: 'redacted', model: 'openai/gpt-4o-mini', extensions: ACCEPTS, guardrails: [{ type: 'pii', stage: 'both', mode: 'redact', kinds: ['email'] }] },
  { name: 'moderated', model: 'openai/gpt-4o-mini', extensions: ACCEPTS, guardrails: [{ type: 'moderation', stage: 'input' }] },
  { name: 'unmoderated', model: 'openai/gpt-4o-mini', extensions: ACCEPTS },
];

/** The answer parts the scripted upstream answers with, by the name a request asks for (`ANSWER=<name>`). */
const PARTS: Record<string, { message: Record<string, unknown>; choice?: Record<string, unknown> }> = {
  logprobs: { message: { content: 'Fine.' }, choice: { logprobs: { content: [{ token: 'night', logprob: -0.1, top_logprobs: [] }, { token: 'ingale', logprob: -0.1, top_logprobs: [] }] } } },
  'top logprobs': { message: { content: 'Fine.' }, choice: { logprobs: { content: [{ token: 'Fine', logprob: -0.1, top_logprobs: [{ token: WORD, logprob: -3 }] }] } } },
  refusal: { message: { content: null, refusal: `I will not sing like a ${WORD}.` } },
  annotations: { message: { content: 'See [1].', annotations: [{ type: 'url_citation', url_citation: { url: 'https://birds.test/1', title: `The ${WORD}`, content: 'A bird.', start_index: 4, end_index: 7 } }] } },
  'tool-call name': { message: { content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: WORD, arguments: '{}' } }] } },
  'audio transcript': { message: { content: 'Listen.', audio: { id: 'audio_1', data: '', transcript: `A ${WORD} sings.`, expires_at: 1 } } },
  'redactable annotation': { message: { content: 'See [1].', annotations: [{ type: 'url_citation', url_citation: { url: 'https://mail.test/1', title: `Write to ${EMAIL}`, content: 'Mail.', start_index: 4, end_index: 7 } }] } },
  'address in logprobs': { message: { content: 'Write to me.' }, choice: { logprobs: { content: [{ token: EMAIL, logprob: -0.1, top_logprobs: [] }] } } },
};

const USAGE = { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8, cost: 0.00001 };
const HEAD = { id: 'gen-slots-1', model: 'openai/gpt-4o-mini', provider: 'OpenAI', created: 1 };

/** The answer named in a request: a completion, or a stream whose first chunk is harmless and whose second holds the part. */
function answerOf(name: string, stream: boolean): ScriptedAnswer {
  const { message, choice = {} } = PARTS[name] ?? { message: { content: 'Fine.' } };
  const finish = 'tool_calls' in message ? 'tool_calls' : 'stop';
  if (!stream) {
    return { reads: [JSON.stringify({ ...HEAD, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish, ...choice }], usage: USAGE })] };
  }
  const event = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ ...HEAD, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason, ...extra }] })}\n\n`;
  return {
    headers: { 'content-type': 'text/event-stream' },
    reads: [event({ role: 'assistant', content: 'Here: ' }), event(message, choice), `${event({}, {}, finish)}data: [DONE]\n\n`],
  };
}

let harness: Harness;
let upstream: ScriptedUpstream;
/** The chat bodies that reached the upstream (the model). */
const sent: Array<Record<string, unknown>> = [];
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path, body }) => {
    if (method !== 'POST' || path !== '/chat/completions') return undefined;
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    sent.push(request);
    const name = /ANSWER=([\w -]+)\./.exec(JSON.stringify(request['messages']))?.[1] ?? '';
    return answerOf(name, request['stream'] === true);
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl }, jobs: { pollMs: 50, statusPollMs: 50 } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});
afterEach(() => {
  sent.length = 0;
});

const post = (path: string, body: unknown) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const user = (extra: Record<string, unknown> = {}) => ({ role: 'user', content: 'Tell me about birds.', ...extra });
const lookup = (fn: Record<string, unknown> = {}) => ({ type: 'function', function: { name: 'lookup', description: 'Looks up.', parameters: { type: 'object', properties: { q: { type: 'string' } } }, ...fn } });
const parameters = (q: Record<string, unknown>) => lookup({ parameters: { type: 'object', properties: { q: { type: 'string', ...q } } } });
const image = (url: string) => ({ type: 'image_url', image_url: { url } });
const asText = (text: string, type = 'text/plain') => ({ type: 'file', file: { filename: 'notes.txt', file_data: `data:${type};base64,${Buffer.from(text).toString('base64')}` } });

/** Requests that hide the word in one place the model reads, each beside an ordinary message. */
const INPUTS: Array<[string, Record<string, unknown>]> = [
  ['a message\'s name', { messages: [user({ name: WORD })] }],
  ['a function tool\'s name', { messages: [user()], tools: [lookup({ name: WORD })] }],
  ['an enum of a tool\'s parameters', { messages: [user()], tools: [parameters({ enum: [WORD] })] }],
  ['a default and examples of a tool\'s parameters', { messages: [user()], tools: [parameters({ default: WORD, examples: [WORD] })] }],
  ['a const and a pattern of a tool\'s parameters', { messages: [user()], tools: [parameters({ const: WORD, pattern: WORD })] }],
  ['a $comment of a tool\'s parameters', { messages: [user()], tools: [lookup({ parameters: { type: 'object', $comment: WORD, properties: {} } })] }],
  ['a property name of a tool\'s parameters', { messages: [user()], tools: [lookup({ parameters: { type: 'object', properties: { [WORD]: { type: 'string' } } } })] }],
  ['the function tool_choice names', { messages: [user()], tools: [lookup()], tool_choice: { type: 'function', function: { name: WORD } } }],
  ['a json_schema response format\'s name', { messages: [user()], response_format: { type: 'json_schema', json_schema: { name: WORD, schema: { type: 'object', properties: {} } } } }],
  ['an enum of a json_schema response format', { messages: [user()], response_format: { type: 'json_schema', json_schema: { name: 'bird', schema: { type: 'object', properties: { a: { type: 'string', enum: [WORD] } } } } } }],
  ['a tool call\'s name in the history', { messages: [user(), { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: WORD, arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }] }],
  ['a text file', { messages: [user({ content: [{ type: 'text', text: 'Read this.' }, asText(`The ${WORD} sings.`)] })] }],
  ['a JSON file sent percent-encoded', { messages: [user({ content: [{ type: 'text', text: 'Read this.' }, { type: 'file', file: { filename: 'a.json', file_data: `data:application/json,${encodeURIComponent(`{"bird":"${WORD}"}`)}` } }] })] }],
  ['the web plugin\'s search prompt', { messages: [user()], plugins: [{ id: 'web', search_prompt: `Search for ${WORD}.` }] }],
  ['an assistant turn\'s refusal', { messages: [user(), { role: 'assistant', content: 'No.', refusal: WORD }, user()] }],
  ['a stop sequence', { messages: [user()], stop: ['END', WORD] }],
  ['a stop string', { messages: [user()], stop: `The ${WORD}` }],
  ['an image link\'s path', { messages: [user({ content: [{ type: 'text', text: 'Look.' }, image(`https://birds.test/${WORD}.png`)] })] }],
  ['an image link\'s query, percent-encoded', { messages: [user({ content: [{ type: 'text', text: 'Look.' }, image('https://birds.test/find?q=night%69ngale')] })] }],
  ['a phrase in an image link\'s query', { messages: [user({ content: [{ type: 'text', text: 'Look.' }, image('https://birds.test/find?q=the+nightingale+sings')] })] }],
  ['a file link', { messages: [user({ content: [{ type: 'text', text: 'Read this.' }, { type: 'file', file: { filename: 'notes.pdf', file_data: `https://birds.test/${WORD}.pdf` } }] })] }],
  ['an image link in an assistant turn handed back', { messages: [user(), { role: 'assistant', content: 'Here.', images: [image(`https://birds.test/${WORD}.png`)] }, user()] }],
  ['readable reasoning handed back', { messages: [user(), { role: 'assistant', content: 'Fine.', reasoning_details: [{ type: 'reasoning.text', text: `A ${WORD} sang.`, format: 'unknown', index: 0 }] }, user()] }],
  ['a reasoning summary handed back', { messages: [user(), { role: 'assistant', content: 'Fine.', reasoning_details: [{ type: 'reasoning.summary', summary: `About a ${WORD}.`, format: 'unknown', index: 0 }] }, user()] }],
  ['an assistant turn\'s citations', { messages: [user(), { role: 'assistant', content: 'See [1].', annotations: [{ type: 'url_citation', url_citation: { url: 'https://a.test', title: WORD, content: 'A bird.', start_index: 4, end_index: 7 } }] }, user()] }],
];

const hasWord = (text: string) => text.toLowerCase().includes(WORD);

describe('input guardrails read every text the model reads', () => {
  it.each(INPUTS)('refuse %s before anything reaches the model', async (_place, request) => {
    const response = await post('/v1/chat/completions', { model: 'screened', ...request });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('content_policy_violation');
    expect(sent).toHaveLength(0);
  });

  it('redact an address in a text file inside the file, and refuse one in a name, which cannot be rewritten', async () => {
    const response = await post('/v1/chat/completions', { model: 'redacted', messages: [user({ content: [{ type: 'text', text: 'Read this.' }, asText(`Write to ${EMAIL}.`)] })] });
    expect(response.status).toBe(200);
    const part = ((sent[0]?.['messages'] as Array<{ content: unknown }>)[0]?.content as Array<{ file?: { file_data: string } }>)[1];
    expect(part?.file?.file_data).toBe(`data:text/plain;base64,${Buffer.from('Write to [REDACTED_EMAIL].').toString('base64')}`);
    const named = await post('/v1/chat/completions', { model: 'redacted', messages: [user({ name: EMAIL })] });
    expect(named.status).toBe(403);
    expect(sent).toHaveLength(1);
  });

  it('refuse an address in an image link or a stop sequence, which a redaction cannot rewrite without changing what they do', async () => {
    for (const request of [{ messages: [user({ content: [{ type: 'text', text: 'Look.' }, image('https://mail.test/card?to=ada%40example.com')] })] }, { messages: [user()], stop: [EMAIL] }]) {
      const response = await post('/v1/chat/completions', { model: 'redacted', ...request });
      expect(response.status).toBe(403);
    }
    expect(sent).toHaveLength(0);
  });

  it('pass encrypted reasoning handed back unread: only its provider can read it', async () => {
    const encrypted = { type: 'reasoning.encrypted', data: Buffer.from(`A ${WORD} sang.`).toString('base64'), format: 'unknown', index: 0 };
    const response = await post('/v1/chat/completions', { model: 'screened', messages: [user(), { role: 'assistant', content: 'Fine.', reasoning_details: [encrypted] }, user()] });
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it('reserve the moderation model\'s read of a text file in the worst case, as it reads the file\'s text', async () => {
    const worstCase = async (model: string, content: unknown) =>
      ((await (await post('/api/ai/estimate', { model, max_tokens: 10, messages: [user({ content })] })).json()) as { estimate: { costUsd: number } }).estimate.costUsd;
    const moderation = async (content: unknown) => (await worstCase('moderated', content)) - (await worstCase('unmoderated', content));
    const withFile = await moderation([{ type: 'text', text: 'Read this.' }, asText('The tide rises. '.repeat(5_000))]);
    const without = await moderation([{ type: 'text', text: 'Read this.' }]);
    // The file's 80,000 characters are up to 80,000 tokens more for the moderation model to read.
    const promptPrice = Number(harness.emulator.catalog.find('meta-llama/llama-guard-4-12b')?.pricing.prompt);
    expect(withFile - without).toBeGreaterThanOrEqual(80_000 * promptPrice);
  });

  it('refuse the same texts in a batch job\'s chat item, which fails without reaching the model', async () => {
    const items = INPUTS.slice(0, 3).map(([, request]) => ({ model: 'screened', ...request }));
    const created = await post('/api/ai/jobs', { type: 'chat', items });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const view = async () => (await (await fetch(`${harness.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${CLIENT_KEY}` } })).json()) as { status: string; items: Array<{ status: string; error?: { code?: string } }> };
    await expect.poll(async () => (await view()).status, { timeout: 10_000, interval: 50 }).toBe('completed');
    const job = await view();
    expect(job.items.map((item) => [item.status, item.error?.code])).toEqual(items.map(() => ['failed', 'content_policy_violation']));
    expect(sent).toHaveLength(0);
  });
});

describe('output guardrails read every text the client reads', () => {
  const BLOCKED = ['logprobs', 'top logprobs', 'refusal', 'annotations', 'tool-call name', 'audio transcript'];

  it.each(BLOCKED)('refuse a JSON answer with the word in its %s', async (name) => {
    const response = await post('/v1/chat/completions', { model: 'screened', messages: [user({ content: `ANSWER=${name}.` })] });
    expect(response.status).toBe(403);
    expect(hasWord(await response.text())).toBe(false);
  });

  it.each(BLOCKED)('stop a streamed answer before the word in its %s is sent', async (name) => {
    const response = await post('/v1/chat/completions', { model: 'screened', stream: true, messages: [user({ content: `ANSWER=${name}.` })] });
    const text = await response.text();
    expect(hasWord(text)).toBe(false);
    const sse = parseSseBody(text);
    expect(sse.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
  });

  it('redact an address in a citation of a JSON answer, and refuse one in its logprobs, which cannot be rewritten', async () => {
    const response = await post('/v1/chat/completions', { model: 'redacted', messages: [user({ content: 'ANSWER=redactable annotation.' })] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { annotations: Array<{ url_citation: { title: string } }> } }> };
    expect(body.choices[0]?.message.annotations[0]?.url_citation.title).toBe('Write to [REDACTED_EMAIL]');
    const tokens = await post('/v1/chat/completions', { model: 'redacted', messages: [user({ content: 'ANSWER=address in logprobs.' })] });
    expect(tokens.status).toBe(403);
    expect(await tokens.text()).not.toContain(EMAIL);
  });
});
