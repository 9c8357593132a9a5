import { expect } from 'vitest';
import type { LimitKind, LimitPolicy } from '../src/limits/types.js';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from './harness.js';

const CLIENT_HEADERS = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };
const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/**
 * Sets the project's limits through the admin API: those given, none other (over whatever version is saved).
 * @example
 * await setLimitPolicy(harness, { users: { default: { concurrentRequests: 1 }, overrides: {} } });
 */
export async function setLimitPolicy(harness: Harness, limits: Partial<LimitPolicy>): Promise<void> {
  const { version } = (await (await fetch(`${harness.url}/api/ai/limits/policy`, { headers: ADMIN_HEADERS })).json()) as { version: number };
  const policy = { project: {}, features: {}, users: { default: {}, overrides: {} }, ...limits };
  const saved = await fetch(`${harness.url}/api/ai/limits/policy`, { method: 'PUT', headers: ADMIN_HEADERS, body: JSON.stringify({ version, policy }) });
  expect(saved.status).toBe(200);
}

/**
 * Sets the project's daily spend cap, and no other limit, through the admin API.
 * @example
 * await setSpendCap(harness, 0.01);
 */
export async function setSpendCap(harness: Harness, spendPerDayUsd: number): Promise<void> {
  await setLimitPolicy(harness, { project: { spendPerDayUsd } });
}

/**
 * What one of the project's limits counts now (0 without that limit), as the client key's `GET /api/ai/limits`
 * reports it.
 * @example
 * await expect.poll(() => limitUsed(gateway, 'tokensPerDay')).toBeGreaterThan(500);
 */
export async function limitUsed(harness: Harness, kind: LimitKind): Promise<number> {
  const { data } = (await (await fetch(`${harness.url}/api/ai/limits`, { headers: CLIENT_HEADERS })).json()) as { data: Array<{ kind: string; used: number }> };
  return data.find((entry) => entry.kind === kind)?.used ?? 0;
}

/**
 * What the project's daily spend cap counts now (0 without one), as the client key's `GET /api/ai/limits` reports it.
 * @example
 * await expect.poll(() => spentToday(harness)).toBeCloseTo(harness.emulator.billedTotal().cost, 9);
 */
export function spentToday(harness: Harness): Promise<number> {
  return limitUsed(harness, 'spendPerDayUsd');
}

/**
 * The body of a chat request to the feature `chat` whose one user message is `content` (for an emulator rule to
 * match), bounded by `maxTokens`.
 * @example
 * const worstCase = await worstCaseOf(harness, chatBody('the one in flight'));
 */
export function chatBody(content: string, maxTokens = 500): string {
  return JSON.stringify({ model: 'chat', max_tokens: maxTokens, messages: [{ role: 'user', content }] });
}

/**
 * Sends `chatBody(content, maxTokens)` with the client key; answers the response with its body unread.
 * @example
 * gateway.emulator.addRule({ match: { contains: 'in flight' }, scenario: 'ttft=3000;tokens=400' });
 * const first = sendChat(gateway, 'the one in flight');
 */
export function sendChat(harness: Harness, content: string, maxTokens?: number): Promise<Response> {
  return fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: CLIENT_HEADERS, body: chatBody(content, maxTokens) });
}

/**
 * The worst case a chat body (JSON text) reserves against spend caps, from `POST /api/ai/estimate`.
 * @example
 * const cap = 2 * (await worstCaseOf(harness, JSON.stringify({ model: 'chat', messages })));
 */
export async function worstCaseOf(harness: Harness, body: string): Promise<number> {
  const answer = await fetch(`${harness.url}/api/ai/estimate`, { method: 'POST', headers: CLIENT_HEADERS, body });
  return ((await answer.json()) as { estimate: { costUsd: number } }).estimate.costUsd;
}

/**
 * A gateway writing its own ledger (a SQLite file named for the test) that counts its limits in Redis through
 * `redisUrl` (a proxy a test cuts and restores), its heartbeat every 200 ms, so a test sees the connection is back by
 * its lease key.
 * @example
 * const gateway = await gatewayCountingIn(proxy.url, newPrefix(), inDirectory('ai.db'));
 */
export function gatewayCountingIn(redisUrl: string, redisKeyPrefix: string, database: string): Promise<Harness> {
  return startHarness({ database, usage: undefined, ledger: { flushIntervalMs: 5 }, limits: { redisUrl, redisKeyPrefix }, instanceLeaseMs: 600 });
}
