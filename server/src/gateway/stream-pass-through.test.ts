import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';

// An upstream whose reads the test decides: whole plain events (which leave as the bytes that came), events cut in
// the middle of a character, keep-alives, then the finish with usage. Everything else goes to the emulator.
const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}, finish: string | null = null) =>
  JSON.stringify({ id: 'gen-pass-1', provider: 'OpenAI', model: 'openai/gpt-4o-mini', object: 'chat.completion.chunk', created: 1, choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }], ...extra });
const event = (text: string) => `data: ${chunk({ role: 'assistant', content: text })}\n\n`;
const texts = ['Hé', 'llo ', 'wörld 😀', ' "quoted"\n', 'ö half', ' and ', 'more 𝄞', ' end'];
const cut = event(texts[4] as string);
const cutAt = Buffer.from(cut).indexOf(Buffer.from('ö')) + 1;
const reads: Buffer[] = [
  Buffer.from(event(texts[0] as string)),
  Buffer.from(event(texts[1] as string) + event(texts[2] as string)),
  Buffer.from(event(texts[3] as string)),
  // One event cut inside a two-byte character, across two reads: the parser's path, as is whatever follows the cut.
  Buffer.from(cut).subarray(0, cutAt),
  Buffer.concat([Buffer.from(cut).subarray(cutAt), Buffer.from(event(texts[5] as string))]),
  Buffer.from(': OPENROUTER PROCESSING\n\n'),
  Buffer.from(event(texts[6] as string) + event(texts[7] as string)),
  Buffer.from(`data: ${chunk({}, { usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14, cost: 0.00002 } }, 'stop')}\n\ndata: [DONE]\n\n`),
];

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream(
    ({ method, path }) => (method === 'POST' && path === '/chat/completions' ? { headers: { 'content-type': 'text/event-stream', 'x-generation-id': 'gen-pass-1' }, reads, pauseMs: 25 } : undefined),
    () => harness.emulator.url,
  );
  // A model whose provider signs nothing, so no provider pin watches it (a pin skips plain text anyway).
  harness = await startHarness({ features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }], upstream: { baseUrl: upstream.baseUrl } });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

describe('a stream of plain chunks', () => {
  it('leaves byte for byte as the upstream sent it, whatever the reads, and its characters are all counted', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'pass it through' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    // Every text event as it came (the keep-alive dropped; the usage chunk, not asked for, dropped too), then [DONE].
    const expected = `${texts.map(event).join('')}data: ${chunk({}, {}, 'stop')}\n\ndata: [DONE]\n\n`;
    expect(text).toBe(expected);
    const parsed = parseSseBody(text);
    expect(parsed.done).toBe(true);
    const record = harness.usage.records.at(-1);
    expect(record).toMatchObject({ status: 'ok', completionTokens: 9, costUsd: 0.00002, completionCharacters: texts.join('').length });
  });
});
