import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import type { UsageLedger } from './ledger.js';

const REQUESTS = 500;
const ABORT_EVERY = 5;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    usage: undefined,
    ledger: { reconcile: { firstDelayMs: 200, attempts: 6 } },
    // `GET /generation` answers 404 for half a second after each generation, as OpenRouter does for a while.
    emulator: { scenario: 'generation-delay=500' },
  });
  // Slow answers for the requests the client abandons, so they are still streaming when it does.
  harness.emulator.addRule({ match: { contains: 'abort' }, scenario: 'tps=50;tokens=200' });
});
afterAll(() => harness.close());

/** One streamed chat; `abort` hangs up after the third content chunk, as a user pressing Stop would. */
async function streamChat(index: number, abort: boolean): Promise<string> {
  const controller = new AbortController();
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: abort ? `Please abort request ${index}` : `Hello from request ${index}` }] }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (abort && text.split('"content"').length > 3) {
      controller.abort();
      break;
    }
  }
  const id = /"id":"(gen-[^"]+)"/.exec(text)?.[1];
  if (!id) throw new Error(`request ${index} saw no generation id`);
  if (!abort) expect(text).toContain('data: [DONE]');
  return id;
}

describe('the usage ledger under concurrent streaming with cancellations', () => {
  it('holds one record per request, cancelled ones reconciled to what OpenRouter billed, and the same total', async () => {
    const requests = Array.from({ length: REQUESTS }, (_, index) => ({ index, abort: index % ABORT_EVERY === 0 }));
    const ids = await Promise.all(requests.map(({ index, abort }) => streamChat(index, abort)));
    const probes = await Promise.all(ids.map((id) => harness.emulator.waitForGeneration(id)));
    requests.forEach(({ abort }, index) => expect(probes[index]!.status).toBe(abort ? 'cancelled' : 'completed'));

    const ledger = harness.gateway.context.usage as UsageLedger;
    const db = (await harness.gateway.ready).database.db;
    const rows = () => db.selectFrom('usage_records').selectAll().execute();
    await expect
      .poll(async () => (await rows()).filter((row) => row.cost_source === 'estimated').length === 0 && (await rows()).length === REQUESTS, { timeout: 15_000, interval: 100 })
      .toBe(true);
    expect(ledger.stats()).toMatchObject({ buffered: 0, dropped: 0, written: REQUESTS, pendingUpdates: 0, reconciliation: { pending: 0, reconciled: REQUESTS / ABORT_EVERY, gaveUp: 0 } });

    const byGeneration = new Map((await rows()).map((row) => [row.generation_id, row]));
    expect(byGeneration.size).toBe(REQUESTS);
    requests.forEach(({ abort }, index) => {
      const row = byGeneration.get(ids[index]!);
      const billed = probes[index]!.billed!;
      expect(row).toMatchObject(abort ? { status: 'cancelled', cost_source: 'reconciled' } : { status: 'ok', cost_source: 'upstream' });
      expect(row).toMatchObject({ feature: 'chat', user_id: 'user-1', cost_usd: billed.cost, prompt_tokens: billed.promptTokens, completion_tokens: billed.completionTokens });
      if (abort) expect(billed.completionTokens).toBeLessThan(200);
    });
    const recorded = (await rows()).reduce((sum, row) => sum + row.cost_usd, 0);
    const { cost, generations } = harness.emulator.billedTotal();
    expect(generations).toBe(REQUESTS);
    expect(Math.abs(recorded - cost)).toBeLessThan(1e-12);
  });
});
