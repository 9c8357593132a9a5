import { MODERATION_MARKER } from '@insforge/openrouter-emulator';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { setSpendCap, spentToday, worstCaseOf } from '../../test/spend-caps.js';
import { parseSseBody } from '../../test/sse.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import type { FeatureInput } from '../features/feature.js';

const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'moderated', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'moderation', stage: 'both' }] },
  { name: 'plain', model: 'openai/gpt-4o-mini' },
  { name: 'answer-words', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'blocklist', stage: 'output', words: ['zanzibar'] }] },
];

const inDirectory = useTemporaryDirectory('insforge-ai-moderation-');

/** A gateway over a SQLite file of this test's, writing its own ledger there. */
const gatewayOn = (database: string) => startHarness({ database, usage: undefined, features: FEATURES });

const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
// A long message, so that what the moderation model reads is worth counting.
const FLAGGED = `${'Tell me a long story about the sea. '.repeat(60)}${MODERATION_MARKER}`;
const chatBody = (model: string) => JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: FLAGGED }] });
const chat = (harness: Harness, model = 'moderated') => fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(model) });
const worstCase = (harness: Harness, model: string) => worstCaseOf(harness, chatBody(model));

describe('a moderation guardrail\'s own calls count against spend caps', () => {
  it('reserves them with the request, counts what a blocked request spent, and refuses once the cap has no room', async () => {
    const harness = await gatewayOn(inDirectory('caps.db'));
    try {
      await setSpendCap(harness, 1);
      // The worst case includes the moderation calls (the input's and the answer's).
      expect(await worstCase(harness, 'moderated')).toBeGreaterThan(await worstCase(harness, 'plain'));

      const blocked = await chat(harness);
      expect(blocked.status).toBe(403);
      const perBlock = harness.emulator.billedTotal().cost;
      expect(perBlock).toBeGreaterThan(0);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(perBlock, 9);

      // Room for the worst case and a couple of blocked requests more: then the cap refuses, and never overshoots.
      const cap = (await spentToday(harness)) + (await worstCase(harness, 'moderated')) + 2.5 * perBlock;
      await setSpendCap(harness, cap);
      const statuses: number[] = [];
      for (let index = 0; index < 20 && !statuses.includes(402); index += 1) statuses.push((await chat(harness)).status);
      expect(statuses.at(-1)).toBe(402);
      expect(statuses.filter((status) => status === 403).length).toBeGreaterThanOrEqual(2);
      expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
      // The metrics count them too, apart from the answers' cost.
      const metrics = await (await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      const line = metrics.split('\n').find((text) => text.startsWith('insforge_ai_guardrail_cost_usd_total{feature="moderated"}'));
      expect(Number(line?.split(' ').at(-1))).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
    } finally {
      await harness.close();
    }
  });

  it('an answer an output guardrail refused counts what OpenRouter billed for it, JSON or streamed, so refusals never spend past a cap', async () => {
    const harness = await gatewayOn(inDirectory('refused-answers.db'));
    try {
      await setSpendCap(harness, 1);
      for (const stream of [false, true]) {
        const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'answer-words', stream, messages: [{ role: 'user', content: 'Describe the island of Zanzibar.' }] }) });
        if (stream) expect(parseSseBody(await response.text()).events.at(-1)).toMatchObject({ error: { code: 'content_policy_violation' } });
        else expect(response.status).toBe(403);
      }
      expect(harness.emulator.billedTotal().cost).toBeGreaterThan(0);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
    } finally {
      await harness.close();
    }
  });

  it('a moderation call that fails after OpenRouter had it counts at its worst case, in the record and the cap, until its generations are reconciled', async () => {
    const harness = await startHarness({ database: inDirectory('failing.db'), usage: undefined, features: FEATURES, ledger: { reconcile: { firstDelayMs: 50, attempts: 10 } } });
    try {
      await setSpendCap(harness, 1);
      // The moderation model answers 200 with an error: each of its attempts may be billed, none says how much, and
      // OpenRouter has their records only seconds later.
      harness.emulator.addRule({ match: { model: 'meta-llama/llama-guard-4-12b' }, scenario: 'error-body;generation-delay=3000' });
      const failed = await chat(harness);
      expect(failed.status).toBe(502);
      const billed = harness.emulator.billedTotal();
      expect(billed.generations).toBe(3);
      const rows = async () => (await harness.gateway.ready).database.db.selectFrom('usage_records').selectAll().execute();
      await expect.poll(async () => (await rows()).length, { timeout: 5_000, interval: 50 }).toBe(1);
      const [row] = await rows();
      expect(row!.guardrail_cost_usd).toBeGreaterThan(billed.cost);
      expect(await spentToday(harness)).toBeCloseTo(row!.guardrail_cost_usd!, 9);
      // The worst case reserved before the request covered all three attempts.
      expect(await worstCase(harness, 'moderated')).toBeGreaterThanOrEqual(row!.guardrail_cost_usd!);
      // Once their generations are reconciled, the ledger and the cap count what OpenRouter billed.
      await expect.poll(async () => (await rows())[0]!.guardrail_cost_usd, { timeout: 20_000, interval: 100 }).toBeCloseTo(billed.cost, 12);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(billed.cost, 9);
    } finally {
      await harness.close();
    }
  });

  it('a stream whose tokens are long calls moderation more often than its estimate counted: each call past it is reserved first, and counted', async () => {
    const harness = await startHarness({ database: inDirectory('long-tokens.db'), usage: undefined, features: FEATURES, ledger: { reconcile: { firstDelayMs: 50, attempts: 6 } } });
    try {
      // Every token of the answer is 400 characters (runs of spaces, long words): 20 tokens make 8,000 characters,
      // a moderation call each, where four characters a token would make one.
      harness.emulator.addRule({ match: { model: 'openai/gpt-4o-mini' }, scenario: 'token-chars=400' });
      const body = JSON.stringify({ model: 'moderated', stream: true, max_tokens: 20, messages: [{ role: 'user', content: 'Tell me about the sea.' }] });
      const stream = () => fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body });
      const reserved = ((await (await fetch(`${harness.url}/api/ai/estimate`, { method: 'POST', headers, body })).json()) as { estimate: { costUsd: number } }).estimate.costUsd;
      const moderationCalls = () => harness.emulator.generations({}).filter((generation) => generation.model === 'meta-llama/llama-guard-4-12b').length;

      await setSpendCap(harness, 1);
      const whole = parseSseBody(await (await stream()).text());
      expect(whole.done).toBe(true);
      expect(whole.events.some((event) => event['error'] !== undefined)).toBe(false);
      // The input's call, and one per 400 characters of the answer.
      expect(moderationCalls()).toBeGreaterThanOrEqual(1 + 20);
      const spent = harness.emulator.billedTotal().cost;
      expect(spent).toBeGreaterThan(reserved);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(spent, 9);

      // Room for the estimate, not for every call the answer makes: the stream ends with the cap's error when the
      // next call has no room, and the cap is never passed.
      const cap = spent + (reserved + spent) / 2;
      await setSpendCap(harness, cap);
      const callsBefore = moderationCalls();
      const cut = parseSseBody(await (await stream()).text());
      expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
      const error = cut.events.find((event) => event['error'] !== undefined)?.['error'] as { code?: string } | undefined;
      expect(error?.code).toBe('quota_exceeded');
      expect(moderationCalls() - callsBefore).toBeGreaterThan(1);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
    } finally {
      await harness.close();
    }
  });

  it('a cap seeded from the ledger counts what moderation spent before it counted', async () => {
    const database = inDirectory('seed.db');
    const first = await gatewayOn(database);
    let billed: number;
    try {
      expect((await chat(first)).status).toBe(403);
      billed = first.emulator.billedTotal().cost;
      expect(billed).toBeGreaterThan(0);
    } finally {
      await first.close();
    }
    const second = await gatewayOn(database);
    try {
      await setSpendCap(second, 1);
      expect(await spentToday(second)).toBeCloseTo(billed, 9);
    } finally {
      await second.close();
    }
  });

  it('notes no generation for a moderated request in flight: should its instance stop, it stands at the worst case reserved for its moderation calls too', async () => {
    const harness = await gatewayOn(inDirectory('in-flight.db'));
    try {
      harness.emulator.addRule({ match: { contains: 'slowly' }, scenario: 'tps=20;tokens=400;ttft=50' });
      const readers = await Promise.all(
        ['moderated', 'plain'].map(async (model) => {
          const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model, stream: true, max_tokens: 400, messages: [{ role: 'user', content: `${model}, slowly` }] }) });
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          void (async () => {
            for (;;) if ((await reader.read()).done) return;
          })().catch(() => undefined);
          return reader;
        }),
      );
      const { db } = (await harness.gateway.ready).database;
      const notes = () => db.selectFrom('open_requests').select(['feature', 'generation_id']).execute();
      // A stream's generation is noted a second after OpenRouter names it.
      await expect.poll(async () => (await notes()).find((note) => note.feature === 'plain')?.generation_id, { timeout: 5_000 }).toEqual(expect.any(String));
      expect((await notes()).find((note) => note.feature === 'moderated')).toMatchObject({ generation_id: null });
      await Promise.all(readers.map((reader) => reader.cancel()));
    } finally {
      await harness.close();
    }
  });
});
