import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, startEmulator, type Emulator } from '@insforge/openrouter-emulator';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { startServeProcess, type ServeProcess } from '../../test/serve-process.js';

const ADMIN = 'ik_multi_instance_admin_0123';
const CLIENT = 'ik_multi_instance_client_0123';
const prefix = `insforge-test:${randomBytes(6).toString('hex')}:`;
const upstreamKey = generateKey();
let emulator: Emulator;
let postgres: TestDatabase;
let directory: string;
let one: ServeProcess;
let two: ServeProcess;

beforeAll(async () => {
  emulator = await startEmulator({ keys: [upstreamKey] });
  postgres = await createTestDatabase('postgres');
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-multi-'));
  const features = path.join(directory, 'features.json');
  writeFileSync(features, JSON.stringify([{ name: 'chat', model: 'openai/gpt-4o-mini' }, { name: 'code', model: 'anthropic/claude-sonnet-4' }]));
  const args = ['--upstream', emulator.url, '--database', postgres.url, '--redis', TEST_REDIS_URL, '--redis-prefix', prefix, '--features', features];
  const env = { OPENROUTER_API_KEY: upstreamKey, INSFORGE_AI_ADMIN_TOKEN: ADMIN, INSFORGE_AI_CLIENT_KEY: CLIENT };
  [one, two] = await Promise.all([startServeProcess(args, env), startServeProcess(args, env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
  await emulator.close();
  await postgres.drop();
  rmSync(directory, { recursive: true, force: true });
  await deleteRedisKeys(prefix);
});

let version = 0;
const setPolicy = async (project: Record<string, number>) => {
  const response = await fetch(`${one.url}/api/ai/limits/policy`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version, policy: { project } }),
  });
  expect(response.status).toBe(200);
  version = ((await response.json()) as { version: number }).version;
  // Both instances must see the policy before the burst: Postgres notifications make that immediate.
  for (const instance of [one, two]) {
    await expect
      .poll(async () => ((await (await fetch(`${instance.url}/api/ai/limits`, { headers: { authorization: `Bearer ${CLIENT}` } })).json()) as { data: Array<{ kind: string; limit: number }> }).data.map((entry) => `${entry.kind}=${entry.limit}`).sort())
      .toEqual(Object.entries(project).map(([kind, limit]) => `${kind}=${limit}`).sort());
  }
};
/** How many chats the tests sent, each of which leaves one record in the shared ledger. */
let sent = 0;
const chat = (instance: ServeProcess, model: string, content: string, extra: Record<string, unknown> = {}) => {
  sent += 1;
  return fetch(`${instance.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], ...extra }),
  });
};
/**
 * Waits until the ledger holds a record of every chat sent. Until an instance writes the records of its requests that
 * ended (every quarter second), their notes say they are in flight, and a cap set meanwhile counts them at their worst
 * case, as it must count requests still running.
 */
const recorded = () =>
  expect
    .poll(async () => ((await (await fetch(`${one.url}/api/ai/usage/summary`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { totals: { requests: number } }).totals.requests, { timeout: 10_000 })
    .toBe(sent);

describe('limits shared by two gateway processes through Redis and Postgres', () => {
  it('lets exactly N of a burst of 10·N requests spread over both instances through a limit of N per minute', async () => {
    const limit = 7;
    await setPolicy({ requestsPerMinute: limit });
    const responses = await Promise.all(Array.from({ length: 10 * limit }, (_, index) => chat(index % 2 === 0 ? one : two, 'chat', `burst ${index}`)));
    const statuses = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.text()));
    expect(statuses.filter((status) => status === 200)).toHaveLength(limit);
    expect(statuses.filter((status) => status === 429)).toHaveLength(9 * limit);
  }, 30_000);

  it('never lets 50 concurrent requests over both instances spend past the cap', async () => {
    emulator.reset();
    emulator.addRule({ match: { contains: 'spend' }, scenario: 'tokens=400' });
    const cap = 0.012;
    // The burst of the test before ended: its requests' worst cases (far above this cap) are not what it counts.
    await recorded();
    await setPolicy({ spendPerDayUsd: cap });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, index) => chat(index % 2 === 0 ? one : two, 'code', `spend ${index}`, { max_tokens: 100 })));
    const statuses = responses.map((response) => response.status);
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(statuses.filter((status) => status === 200).length, JSON.stringify([...new Set(bodies.map((body, index) => `${statuses[index]} ${body.slice(0, 300)}`))]) + one.output().slice(-3000) + two.output().slice(-3000)).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((status) => status === 402).length).toBeGreaterThan(0);
    expect(emulator.billedTotal().cost).toBeLessThanOrEqual(cap);
  }, 30_000);
});
