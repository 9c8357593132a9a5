import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { parseSseBody } from '../../test/sse.js';
import type { GuardrailContext } from '../guardrails/guardrails.js';

// The cache key leaves the end user out, so the answer one user's request stored may be served to another: a host's
// output guardrail that depends on the user must judge the answer each time it is served, as it judges a fresh one.
const ALICE = 'ik_test_alice_key_0123456789';
const BOB = 'ik_test_bob_key_0123456789';

let harness: Harness;
/** The users whose answers the host's output guardrail judged, in order. */
const judged: Array<string | undefined> = [];
beforeAll(async () => {
  harness = await startHarness({
    features: [...DEFAULT_FEATURES, { name: 'faq', model: 'openai/gpt-4o-mini', params: { temperature: 0 }, cache: { enabled: true } }],
    clientKeys: [{ key: ALICE, userId: 'alice' }, { key: BOB, userId: 'bob' }],
    guardrails: [{
      name: 'bob-reads-nothing',
      stage: 'output',
      check: ({ userId }: GuardrailContext) => {
        judged.push(userId);
        return userId === 'bob' ? { verdict: 'block', message: 'Bob may not read this.' } : undefined;
      },
    }],
    jobs: { pollMs: 50, statusPollMs: 50 },
  });
});
afterAll(() => harness.close());
afterEach(() => {
  harness.emulator.reset();
  judged.length = 0;
});

const ask = (key: string, question: string, extra: Record<string, unknown> = {}) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'faq', messages: [{ role: 'user', content: question }], ...extra }),
  });
const generations = (question: string) => harness.emulator.generations({ kind: 'chat' }).filter((probe) => JSON.stringify(probe.request).includes(question));
const answerOf = (body: { choices?: Array<{ message?: { content?: string } }> }) => body.choices?.[0]?.message?.content ?? '';

describe('a cached answer', () => {
  it('passes the output guardrails of the request it is served to, JSON and streamed, as a fresh answer does', async () => {
    const question = 'What are the opening hours? (served to bob)';
    expect((await ask(BOB, question)).status).toBe(403);
    const stored = await ask(ALICE, question);
    expect(stored.headers.get('x-cache')).toBe('miss');
    const answer = answerOf((await stored.json()) as never);
    expect(answer).not.toBe('');

    const json = await ask(BOB, question);
    expect(json.headers.get('x-cache')).toBe('hit');
    expect(json.status).toBe(403);
    const refusal = await json.text();
    expect(JSON.parse(refusal)).toMatchObject({ error: { code: 'content_policy_violation', message: 'Bob may not read this.', metadata: { source: 'guardrail', guardrail: 'bob-reads-nothing' } } });
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'error', errorCode: 'content_policy_violation', guardrails: [{ name: 'bob-reads-nothing', stage: 'output', verdict: 'block' }] });

    const stream = await ask(BOB, question, { stream: true });
    expect(stream.headers.get('x-cache')).toBe('hit');
    expect(stream.status).toBe(403);
    expect(await stream.text()).not.toContain(answer);

    const again = await ask(ALICE, question, { stream: true });
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(parseSseBody(await again.text()).done).toBe(true);
    // Served again, billed nothing: only the two misses reached the model.
    expect(generations(question)).toHaveLength(2);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', cacheHit: true, costUsd: 0 });
    expect(judged).toEqual(['bob', 'alice', 'bob', 'bob', 'alice']);
  });

  it('passes them when it is shared with a request that arrives while it is generated', async () => {
    const question = 'What are the opening hours? (shared with bob)';
    harness.emulator.addRule({ match: { contains: '(shared with bob)' }, scenario: 'ttft=300' });
    const leader = ask(ALICE, question, { stream: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [led, streamed, json] = await Promise.all([leader, ask(BOB, question, { stream: true }), ask(BOB, question)]);
    expect([streamed.headers.get('x-cache'), json.headers.get('x-cache')]).toEqual(['coalesced', 'coalesced']);
    const answer = parseSseBody(await led.text()).events.map((event) => (event as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content ?? '').join('');
    expect(answer).not.toBe('');
    // The stream follower is judged as the leader's own stream would be: on its window, then once more at its end.
    const followed = parseSseBody(await streamed.text());
    expect(followed.done).toBe(false);
    expect(followed.events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation', metadata: { guardrail: 'bob-reads-nothing' } } });
    expect(json.status).toBe(403);
    expect(await json.text()).not.toContain(answer);
    expect(generations(question)).toHaveLength(1);
  });

  it('passes them on POST /v1/messages, JSON and streamed, the refusal in Anthropic\'s shape', async () => {
    const question = 'What are the opening hours? (a message served to bob)';
    const message = (key: string, extra: Record<string, unknown> = {}) =>
      fetch(`${harness.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'faq', max_tokens: 256, messages: [{ role: 'user', content: question }], ...extra }),
      });
    const stored = await message(ALICE);
    expect(stored.headers.get('x-cache')).toBe('miss');
    const answer = ((await stored.json()) as { content: Array<{ text: string }> }).content[0]?.text ?? '';
    expect(answer).not.toBe('');

    // The end user (`metadata.user_id`) is no part of the key: Bob's request is the hit Alice's stored, judged for Bob.
    const json = await message(BOB);
    expect(json.headers.get('x-cache')).toBe('hit');
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'content_policy_violation', message: 'Bob may not read this.' } });
    const stream = await message(BOB, { stream: true });
    expect(stream.headers.get('x-cache')).toBe('hit');
    expect(stream.status).toBe(403);
    expect(await stream.text()).not.toContain(answer);

    const again = await message(ALICE, { stream: true });
    expect(again.headers.get('x-cache')).toBe('hit');
    const events = parseSseBody(await again.text()).events;
    expect(events.at(-1)).toEqual({ type: 'message_stop' });
    expect(events.map((event) => (event['delta'] as { text?: string } | undefined)?.text ?? '').join('')).toBe(answer);
    expect(generations(question)).toHaveLength(1);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', cacheHit: true, costUsd: 0 });
    expect(judged).toEqual(['alice', 'bob', 'bob', 'alice']);
  });

  it('passes them in a batch job\'s item', async () => {
    const question = 'What are the opening hours? (bob\'s job)';
    expect((await ask(ALICE, question)).status).toBe(200);
    const created = await fetch(`${harness.url}/api/ai/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOB}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'chat', items: [{ model: 'faq', messages: [{ role: 'user', content: question }] }] }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const view = async () => (await (await fetch(`${harness.url}/api/ai/jobs/${id}`, { headers: { authorization: `Bearer ${BOB}` } })).json()) as { status: string; items: Array<{ status: string; error?: { code?: string } }> };
    await expect.poll(async () => (await view()).status, { timeout: 10_000, interval: 50 }).toBe('completed');
    expect((await view()).items.map((item) => [item.status, item.error?.code])).toEqual([['failed', 'content_policy_violation']]);
    expect(generations(question)).toHaveLength(1);
  });
});
