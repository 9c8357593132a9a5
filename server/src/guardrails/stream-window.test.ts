import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { lastChatMessage, startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

// A streamed answer is screened on a window of each of its texts: the window keeps the last characters the rules
// read, so code points a reader does not see (padding inside a word) cannot push the start of a word out of it.
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'screened', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['nightingale'] }] },
  // Judged by the host's hook alone: no rule window ends a padded stream first.
  { name: 'judged', model: 'openai/gpt-4o-mini' },
];
/** The longest text the host's check was given. */
let longestJudged = 0;
/** The host's check on the answer, which reads its window of the latest characters. */
const HOOK = {
  name: 'no-kestrel',
  stage: 'output' as const,
  check: ({ text }: { text: string }) => {
    longestJudged = Math.max(longestJudged, text.length);
    return text.includes('kestrel') ? { verdict: 'block' as const } : undefined;
  },
};

const HEAD = { id: 'gen-window-1', model: 'openai/gpt-4o-mini', provider: 'OpenAI', created: 1 };
const event = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  `data: ${JSON.stringify({ ...HEAD, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;

/** The answers the scripted upstream streams, by the name a request asks for: each its content, piece by piece. */
const answers = new Map<string, string[]>();

let harness: Harness;
let upstream: ScriptedUpstream;
beforeAll(async () => {
  upstream = await startScriptedUpstream((request) => {
    const asked = lastChatMessage(request);
    if (asked === undefined) return undefined;
    const pieces = answers.get(asked) ?? ['Fine.'];
    return {
      headers: { 'content-type': 'text/event-stream' },
      reads: [event({ role: 'assistant', content: '' }), ...pieces.map((content) => event({ content })), `${event({}, 'stop')}data: [DONE]\n\n`],
    };
  }, () => harness.emulator.url);
  harness = await startHarness({ features: FEATURES, upstream: { baseUrl: upstream.baseUrl }, guardrails: [HOOK] });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

/** Streams the answer made of `pieces`, and what the client read: the content, and the last event. */
async function streamed(name: string, pieces: string[], model = 'screened') {
  answers.set(name, pieces);
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: name }] }),
  });
  const { events } = parseSseBody(await response.text());
  const content = events.map((sse) => (sse['choices'] as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? '').join('');
  return { content, last: events.at(-1) };
}

/** `count` copies of `padding`, in pieces of 50. */
const padded = (padding: string, count: number) => Array.from({ length: Math.ceil(count / 50) }, (_, index) => padding.repeat(Math.min(50, count - 50 * index)));

describe('the window of a streamed answer', () => {
  const PADDINGS: Array<[string, string]> = [
    ['zero-width spaces', '\u200b'],
    ['variation selectors', '\ufe0f'],
    ['tag characters', '\u{e0041}'],
    ['combining accents', '\u0301'],
  ];

  it.each(PADDINGS)('stops a blocked word padded inside with 300 %s before any piece of it is sent', async (name, padding) => {
    const { content, last } = await streamed(`inside ${name}`, ['Say night', ...padded(padding, 300), 'ingale now.']);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
    // The start of the word, and the padding after it, were held back until the word was whole.
    expect(content).toBe('Say ');
  });

  it('ends a stream with the guardrail\'s error once its window would hold more than its bound of code points as sent', async () => {
    const { content, last } = await streamed('past the bound', ['Say hello', ...padded('\u200b', 10_000), ' world.']);
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
    expect(content).not.toContain('world');
    // Stopped at the bound, not at the end of the padding.
    expect(content.length).toBeLessThan(5_000);
  });

  it('lets a long answer through whose invisible code points and marks are those of ordinary text', async () => {
    const line = 'Un café à Zürich 👍🏽 ❤️ 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 नमस्ते, かがみ. ';
    const pieces = Array.from({ length: 60 }, () => line);
    const { content, last } = await streamed('ordinary', pieces);
    expect(last).not.toHaveProperty('error');
    expect(content).toBe(pieces.join(''));
  });

  it('lets the host hooks read the latest 2,000 characters as the rules read them: padding does not push a word out', async () => {
    const { last } = await streamed('padded past the hooks', ['Say kestrel', '\u200b'.repeat(2_500), ' now.'], 'judged');
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'no-kestrel' } } });
  });

  it('ends a stream with the hook\'s error when what the hooks read would hold more than its bound of code units as sent', async () => {
    longestJudged = 0;
    const { last } = await streamed('past the hooks\' bound', ['Say hello', ...Array.from({ length: 20 }, () => '\u200b'.repeat(2_000)), ' world.'], 'judged');
    expect(last).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'no-kestrel' } } });
    expect(longestJudged).toBeLessThanOrEqual(32_000);
  });
});
