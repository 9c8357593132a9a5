import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { startScriptedUpstream, type ScriptedUpstream } from '../../test/scripted-upstream.js';
import { setSpendCap, spentToday, worstCaseOf } from '../../test/spend-caps.js';
import { useTemporaryDirectory } from '../../test/temporary-directory.js';
import type { UsageLedger } from './ledger.js';

// An upstream whose chat answers name a generation but carry no cost, so the ledger and the spend cap take the cost
// from `GET /generation`, which answers whatever figures the test sets: well formed or not.
let figures: Record<string, unknown> = {};
let sequence = 0;

const inDirectory = useTemporaryDirectory('insforge-ai-generation-figures-');
let harness: Harness;
let upstream: ScriptedUpstream;
const startGateway = () =>
  startHarness({
    features: [{ name: 'chat', model: 'openai/gpt-4o-mini' }],
    upstream: { baseUrl: upstream.baseUrl },
    database: inDirectory('ai.db'),
    usage: undefined,
    ledger: { flushIntervalMs: 10, reconcile: { firstDelayMs: 20, maxDelayMs: 20, attempts: 2 } },
  });
beforeAll(async () => {
  upstream = await startScriptedUpstream(({ method, path }) => {
    if (method === 'GET' && path.startsWith('/generation?')) return { reads: [JSON.stringify({ data: { id: new URLSearchParams(path.split('?')[1]).get('id'), ...figures } })] };
    if (method !== 'POST' || path !== '/chat/completions') return undefined;
    sequence += 1;
    const answer = { id: `gen-liar-${sequence}`, object: 'chat.completion', created: 1, model: 'openai/gpt-4o-mini', provider: 'OpenAI' };
    return { reads: [JSON.stringify({ ...answer, choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })] };
  }, () => harness.emulator.url);
  harness = await startGateway();
});
afterAll(async () => {
  await harness?.close();
  await upstream.close();
});

const BODY = JSON.stringify({ model: 'chat', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
const chat = async () => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: BODY });
  return { status: response.status, generationId: ((await response.json()) as { id?: string }).id };
};
const recordOf = async (generationId: string | undefined) => {
  const { db } = (await harness.gateway.ready).database;
  return db.selectFrom('usage_records').selectAll().where('generation_id', '=', generationId ?? '').executeTakeFirst();
};
const lookupsEnded = () => expect.poll(() => (harness.gateway.context.usage as UsageLedger).stats().reconciliation.pending, { timeout: 5_000 }).toBe(0);

describe('GET /generation answering figures that are not well formed', () => {
  it('a negative cost reads as none: the record stays estimated, the cap keeps the worst case, and a restart seeds the cap from the ledger', async () => {
    figures = { total_cost: -5, native_tokens_prompt: -100, native_tokens_completion: -100 };
    const worstCase = await worstCaseOf(harness, BODY);
    await setSpendCap(harness, 1_000 * worstCase);
    const { status, generationId } = await chat();
    expect(status).toBe(200);
    await expect.poll(() => recordOf(generationId)).toMatchObject({ status: 'ok' });
    await lookupsEnded();
    const record = await recordOf(generationId);
    expect(record).toMatchObject({ cost_source: 'estimated', prompt_tokens: 10, completion_tokens: 5 });
    expect(record!.cost_usd).toBeGreaterThan(0);
    expect(await spentToday(harness)).toBeCloseTo(worstCase, 12);

    // A new process counts the cap from the ledger, which must hold nothing below zero.
    await harness.close();
    harness = await startGateway();
    expect((await chat()).status).toBe(200);
    expect(await spentToday(harness)).toBeGreaterThan(record!.cost_usd!);
  });

  it('negative and fractional token counts read as 0 and rounded, beside a cost that is one', async () => {
    figures = { total_cost: 0.00002, native_tokens_prompt: -100, native_tokens_completion: 1.5, native_tokens_reasoning: -3 };
    const { status, generationId } = await chat();
    expect(status).toBe(200);
    await expect.poll(() => recordOf(generationId), { timeout: 5_000 }).toMatchObject({ cost_source: 'reconciled' });
    expect(await recordOf(generationId)).toMatchObject({ cost_usd: 0.00002, prompt_tokens: 0, completion_tokens: 2, reasoning_tokens: 0 });
  });
});
