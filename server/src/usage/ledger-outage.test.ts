import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../test/private-postgres.js';
import type { UsageLedger } from './ledger.js';

let postgres: PrivatePostgres;
let harness: Harness;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  harness = await startHarness({ database: postgres.url, usage: undefined, ledger: { flushIntervalMs: 100 } });
}, 60_000);
afterAll(async () => {
  await harness?.close();
  postgres?.destroy();
});

const chat = async (index: number) => {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', stream: index % 2 === 0, messages: [{ role: 'user', content: `during the outage ${index}` }] }),
  });
  await response.text();
  return response.status;
};

describe('the usage ledger while Postgres is stopped and started again', () => {
  it('fails no request and loses no record', async () => {
    expect(await chat(-1)).toBe(200);
    const statuses: number[] = [];
    let index = 0;
    const traffic = (async () => {
      const until = performance.now() + 4_000;
      while (performance.now() < until) {
        statuses.push(...(await Promise.all([chat(index++), chat(index++), chat(index++)])));
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 800));
    postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const ledger = harness.gateway.context.usage as UsageLedger;
    expect(ledger.stats().buffered).toBeGreaterThan(0);
    postgres.start();
    await traffic;

    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.every((status) => status === 200)).toBe(true);
    const db = (await harness.gateway.ready).database.db;
    await expect
      .poll(async () => Number((await db.selectFrom('usage_records').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow()).count), { timeout: 20_000, interval: 200 })
      .toBe(statuses.length + 1);
    expect(ledger.stats()).toMatchObject({ buffered: 0, dropped: 0 });
  }, 60_000);
});
