import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CLIENT_KEY, DEFAULT_FEATURES, startHarness, type Harness } from '../../test/harness.js';
import { setSpendCap, spentToday, worstCaseOf } from '../../test/spend-caps.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import type { FeatureInput } from '../features/feature.js';

/** Sums of the same costs added in another order can differ in their last bits (0.00050826 against 0.0005082600000000001). */
const ROUNDING = 1e-12;

const MODERATION_MODEL = 'meta-llama/llama-guard-4-12b';
const FEATURES: FeatureInput[] = [
  ...DEFAULT_FEATURES,
  { name: 'moderated-input', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'moderation', stage: 'input' }] },
  { name: 'moderated-output', model: 'openai/gpt-4o-mini', guardrails: [{ type: 'moderation', stage: 'output' }] },
];

const inDirectory = useTemporaryDirectory('insforge-ai-moderation-cancel-');
const headers = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };

/** What the emulator billed for the moderation model's generations. */
const moderationBilled = (harness: Harness) => harness.emulator.generations({ model: MODERATION_MODEL }).reduce((sum, generation) => sum + (generation.billed?.cost ?? 0), 0);
const ledgerRows = async (harness: Harness) => (await harness.gateway.ready).database.db.selectFrom('usage_records').selectAll().execute();

/** Whether the ledger has a row for each of `requests` and none waits for its generation's cost. */
const reconciled = (rows: Awaited<ReturnType<typeof ledgerRows>>, requests: number) => rows.length === requests && rows.every((row) => row.cost_source !== 'estimated' || row.generation_id === null);

/**
 * Sends a chat and hangs up as soon as a call of the moderation model for it is in flight at OpenRouter; answers the
 * HTTP status when the gateway answered first (a 402 once the cap has no room), or `cancelled`.
 */
async function hangUpDuringModeration(harness: Harness, body: string): Promise<number | 'cancelled'> {
  const before = new Set(harness.emulator.generations({ model: MODERATION_MODEL }).map((generation) => generation.id));
  const client = new AbortController();
  let settled = false;
  const answer = (async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers, body, signal: client.signal });
    await response.text();
    return response.status;
  })()
    .catch(() => 'cancelled' as const)
    .finally(() => (settled = true));
  while (!settled) {
    if (harness.emulator.generations({ model: MODERATION_MODEL, status: 'running' }).some((generation) => !before.has(generation.id))) {
      client.abort();
      break;
    }
    await sleep(2);
  }
  return answer;
}

/**
 * Hangs up during a moderation call again and again until the spend cap refuses: what the emulator billed never
 * passes the cap, and the ledger's guardrail cost covers what it billed for the moderation model. The cap leaves room
 * for the request's worst case and for two or three requests hung up on like the first.
 */
async function cancelUntilRefused(harness: Harness, body: string): Promise<void> {
  await setSpendCap(harness, 1);
  const outcomes: Array<number | 'cancelled'> = [];
  const hangUp = async () => {
    outcomes.push(await hangUpDuringModeration(harness, body));
    // The next request comes once this one's answer is reconciled: a cap holds its worst case until then.
    await expect.poll(async () => reconciled(await ledgerRows(harness), outcomes.length), { timeout: 10_000, interval: 50 }).toBe(true);
    await expect.poll(() => harness.emulator.generations({ status: 'running' }).length, { timeout: 10_000, interval: 50 }).toBe(0);
  };
  await hangUp();
  const perRequest = harness.emulator.billedTotal().cost;
  const cap = (await spentToday(harness)) + (await worstCaseOf(harness, body)) + 2.5 * perRequest;
  await setSpendCap(harness, cap);
  for (let index = 0; index < 40 && !outcomes.includes(402); index += 1) await hangUp();
  await expect.poll(() => harness.emulator.generations({ status: 'running' }).length, { timeout: 10_000, interval: 50 }).toBe(0);
  expect(harness.emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
  expect(outcomes.filter((outcome) => outcome === 'cancelled').length).toBeGreaterThanOrEqual(2);
  expect(outcomes.at(-1)).toBe(402);
  const rows = await ledgerRows(harness);
  const cancelled = rows.filter((row) => row.status === 'cancelled');
  expect(cancelled).toHaveLength(outcomes.filter((outcome) => outcome === 'cancelled').length);
  expect(cancelled.every((row) => row.guardrail_cost_usd !== null && row.guardrail_cost_usd > 0)).toBe(true);
  const guardrailCost = rows.reduce((sum, row) => sum + (row.guardrail_cost_usd ?? 0), 0);
  expect(guardrailCost).toBeGreaterThanOrEqual(moderationBilled(harness) - ROUNDING);
  await expect.poll(async () => (await ledgerRows(harness)).reduce((sum, row) => sum + row.cost_usd + (row.guardrail_cost_usd ?? 0), 0), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(harness.emulator.billedTotal().cost - ROUNDING);
}

describe('a moderation call the client hangs up on still counts against spend caps', () => {
  it('cancelled during the input\'s moderation call, again and again, requests never pass a spend cap', async () => {
    const harness = await startHarness({ database: inDirectory('input.db'), usage: undefined, features: FEATURES });
    try {
      // The moderation model takes its time: each request is cancelled while its input is being read, before the
      // request's own model is called.
      harness.emulator.addRule({ match: { model: MODERATION_MODEL }, scenario: 'ttft=600' });
      const body = JSON.stringify({ model: 'moderated-input', max_tokens: 50, messages: [{ role: 'user', content: 'Tell me a long story about the sea. '.repeat(150) }] });
      await cancelUntilRefused(harness, body);
      expect(harness.emulator.generations({ model: 'openai/gpt-4o-mini' })).toHaveLength(0);
      await expect.poll(() => spentToday(harness), { timeout: 5_000, interval: 50 }).toBeGreaterThanOrEqual(moderationBilled(harness) - ROUNDING);
    } finally {
      await harness.close();
    }
  });

  it('a moderation call in flight when the client hangs up is let finish, and counted at what OpenRouter billed', async () => {
    const harness = await startHarness({ database: inDirectory('finish.db'), usage: undefined, features: FEATURES });
    try {
      harness.emulator.addRule({ match: { model: MODERATION_MODEL }, scenario: 'ttft=300' });
      const body = JSON.stringify({ model: 'moderated-input', max_tokens: 50, messages: [{ role: 'user', content: 'Tell me a long story about the sea. '.repeat(150) }] });
      expect(await hangUpDuringModeration(harness, body)).toBe('cancelled');
      await expect.poll(() => harness.emulator.generations({ status: 'running' }).length, { timeout: 10_000, interval: 50 }).toBe(0);
      // OpenRouter bills a non-streamed call whole once it began: its answer says how much, where the call's worst
      // case (its message a token a byte, at the dearest provider) was nine times that.
      await expect.poll(async () => (await ledgerRows(harness))[0]?.guardrail_cost_usd, { timeout: 10_000, interval: 50 }).toBeCloseTo(moderationBilled(harness), 12);
      expect(moderationBilled(harness)).toBeGreaterThan(0);
      const [row] = await ledgerRows(harness);
      expect(row!.status).toBe('cancelled');
      expect(harness.emulator.generations({ model: 'openai/gpt-4o-mini' })).toHaveLength(0);
    } finally {
      await harness.close();
    }
  });

  it('cancelled during a moderation call on a streamed answer, again and again, requests never pass a spend cap', async () => {
    const harness = await startHarness({ database: inDirectory('output.db'), usage: undefined, features: FEATURES, ledger: { reconcile: { firstDelayMs: 50, attempts: 6 } } });
    try {
      harness.emulator.addRule({ match: { model: MODERATION_MODEL }, scenario: 'ttft=500' });
      harness.emulator.addRule({ match: { model: 'openai/gpt-4o-mini' }, scenario: 'tokens=200;tps=2000' });
      const body = JSON.stringify({ model: 'moderated-output', stream: true, max_tokens: 200, messages: [{ role: 'user', content: 'Tell me about the sea.' }] });
      await cancelUntilRefused(harness, body);
      await expect.poll(() => spentToday(harness), { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(harness.emulator.billedTotal().cost - ROUNDING);
    } finally {
      await harness.close();
    }
  });
});
