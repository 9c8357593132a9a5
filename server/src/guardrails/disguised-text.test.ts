import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';
import type { FeatureInput } from '../features/feature.js';

const blocklist = (stage: 'both' | 'output', mode: 'block' | 'redact') => ({ type: 'blocklist' as const, stage, mode, words: ['nightingale'] });
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'guarded', model: 'openai/gpt-4o-mini', guardrails: [blocklist('both', 'block'), { type: 'pii', stage: 'both', mode: 'block' }] },
  { name: 'guarded-redact', model: 'openai/gpt-4o-mini', guardrails: [blocklist('both', 'redact'), { type: 'pii', stage: 'both', mode: 'redact' }] },
  { name: 'answer-block', model: 'openai/gpt-4o-mini', guardrails: [blocklist('output', 'block')] },
  { name: 'answer-redact', model: 'openai/gpt-4o-mini', guardrails: [blocklist('output', 'redact')] },
];

/** The blocked word as a client or a model can write it so a reader still reads it, each of which once got through. */
const DISGUISES: Array<[string, string]> = [
  ['a zero-width space', 'night\u200bingale'],
  ['a soft hyphen', 'night\u00adingale'],
  ['fullwidth letters', 'ｎｉｇｈｔｉｎｇａｌｅ'],
  ['a Cyrillic look-alike', 'nightingаle'],
  ['an accent', 'nightìngale'],
  ['a combining accent', 'nightinga\u0301le'],
  ['a letter with a stroke', 'nightingałe'],
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ features: FEATURES });
});
afterAll(() => harness.close());
afterEach(() => harness.emulator.reset());

const chat = (body: object) =>
  fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const user = (content: string) => [{ role: 'user', content }];
const contentOf = (events: Array<Record<string, unknown>>) => events.map((event) => (event['choices'] as Array<{ delta?: { content?: string } }> | undefined)?.[0]?.delta?.content ?? '').join('');

describe('guardrails on disguised text', () => {
  it('refuse a blocked word disguised in the input before the model sees it', async () => {
    for (const [disguise, written] of DISGUISES) {
      const response = await chat({ model: 'guarded', messages: user(`Say ${written}, please.`) });
      expect(response.status, disguise).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
    }
    const mail = await chat({ model: 'guarded', messages: user('Write to ada\u200b@example.com.') });
    expect(mail.status).toBe(403);
    expect(await mail.json()).toMatchObject({ error: { metadata: { guardrail: 'pii' } } });
    expect(harness.emulator.generations({ kind: 'chat' })).toHaveLength(0);
  });

  it('star out exactly the characters of a disguised word in the input, invisible ones included', async () => {
    for (const [disguise, written] of DISGUISES) {
      harness.emulator.reset();
      expect((await chat({ model: 'guarded-redact', messages: user(`Say ${written}, please.`) })).status, disguise).toBe(200);
      const [generation] = harness.emulator.generations({ kind: 'chat' });
      const sent = (generation?.request as { messages: Array<{ content: string }> }).messages.at(-1)?.content;
      expect(sent, disguise).toBe(`Say ${'*'.repeat(written.length)}, please.`);
    }
  });

  it('stop a streamed answer before any piece of a disguised word is sent, or star it out whole in redact mode', async () => {
    for (const [disguise, written] of DISGUISES) {
      const blocked = parseSseBody(await (await chat({ model: 'answer-block', stream: true, messages: user(`Say ${written} twice.`) })).text());
      expect(blocked.events.at(-1), disguise).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'blocklist' } } });
      // The answer quotes the question: its start, up to the word, whose pieces came in several chunks, was held back.
      expect(contentOf(blocked.events), disguise).toMatch(/You asked: "Say $/);
      const redacted = parseSseBody(await (await chat({ model: 'answer-redact', stream: true, messages: user(`Say ${written} twice.`) })).text());
      expect(redacted.done, disguise).toBe(true);
      expect(contentOf(redacted.events), disguise).toContain(`You asked: "Say ${'*'.repeat(written.length)} twice."`);
      expect(contentOf(redacted.events)).not.toContain(written);
    }
  });

  it('refuse, or star out, a disguised word in a JSON answer', async () => {
    for (const [disguise, written] of DISGUISES) {
      expect((await chat({ model: 'answer-block', messages: user(`Say ${written} twice.`) })).status, disguise).toBe(403);
      const redacted = (await (await chat({ model: 'answer-redact', messages: user(`Say ${written} twice.`) })).json()) as { choices: Array<{ message: { content: string } }> };
      const content = redacted.choices[0]?.message.content ?? '';
      expect(content, disguise).toContain(`You asked: "Say ${'*'.repeat(written.length)} twice."`);
      expect(content).not.toContain(written);
    }
  });
});
