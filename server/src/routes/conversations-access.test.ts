import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../test/harness.js';
import { setLimitPolicy } from '../../test/spend-caps.js';

// Two callers whose ids are the same string: a signed-in user "shared", and a client key whose id is "shared".
const USER_KEY = 'ik_conversations_user_0123456789';
const KEY_ONLY = 'ik_conversations_key_0123456789';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ clientKeys: [{ key: USER_KEY, userId: 'shared' }, { key: KEY_ONLY, id: 'shared' }] });
});
afterAll(async () => {
  await harness.close();
});

const call = (key: string, method: string, path: string, body?: unknown) =>
  fetch(`${harness.url}/api/ai/conversations${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe('the conversations API', () => {
  it('keeps owners of different kinds apart even when their ids are the same string', async () => {
    expect((await call(USER_KEY, 'PUT', '/mine', { messages: [{ id: 'm1', content: 'the user’s' }] })).status).toBe(201);
    expect((await call(KEY_ONLY, 'GET', '/mine')).status).toBe(404);
    expect(((await (await call(KEY_ONLY, 'GET', '')).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await call(KEY_ONLY, 'PUT', '/mine', { messages: [{ id: 'k1', content: 'the key’s' }] })).status).toBe(201);
    const users = (await (await call(USER_KEY, 'GET', '/mine')).json()) as { messages: Array<{ id: string }> };
    expect(users.messages.map((entry) => entry.id)).toEqual(['m1']);
  });

  it('counts against the caller’s requests per minute like an AI call: 429 with Retry-After', async () => {
    await setLimitPolicy(harness, { users: { default: { requestsPerMinute: 3 }, overrides: {} } });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let index = 0; index < 4; index += 1) {
      const answer = await call(USER_KEY, 'GET', '');
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
      else await answer.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    const cleared = await fetch(`${harness.url}/api/ai/limits/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 1, policy: { project: {}, features: {}, users: { default: {}, overrides: {} } } }),
    });
    expect(cleared.status).toBe(200);
  });

  it('pages a conversation’s messages: GET answers the latest page and where the earlier ones start', async () => {
    const messages = Array.from({ length: 150 }, (_, index) => ({ id: `p${index}` }));
    expect((await call(KEY_ONLY, 'PUT', '/paged', { messages })).status).toBe(201);
    const latest = (await (await call(KEY_ONLY, 'GET', '/paged')).json()) as { messages: Array<{ id: string }>; messageCount: number; earlier: number | null };
    expect(latest).toMatchObject({ messageCount: 150, earlier: 50 });
    expect(latest.messages).toHaveLength(100);
    const earlier = (await (await call(KEY_ONLY, 'GET', '/paged?before=50&limit=200')).json()) as { messages: Array<{ id: string }>; earlier: number | null };
    expect(earlier.messages.map((entry) => entry.id)).toEqual(messages.slice(0, 50).map((entry) => entry.id));
    expect(earlier.earlier).toBeNull();
    expect((await call(KEY_ONLY, 'GET', '/paged?limit=1000')).status).toBe(400);
  });
});
