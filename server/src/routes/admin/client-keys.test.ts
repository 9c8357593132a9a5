import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../../test/harness.js';
import type { ClientKeyResponse } from './client-keys.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

type ErrorBody = { error: { message: string; code: string; param: string | null } };
async function admin<T>(method: string, path: string, body?: unknown) {
  const response = await fetch(`${harness.url}/api/ai/keys${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.clone().text(), body: (await response.json()) as T & ErrorBody };
}

const ask = (key: string) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'key check' }] }),
  });

describe('the client key routes', () => {
  it('create a key shown once that authenticates requests, list it without the key, and revoke it', async () => {
    const created = await admin<ClientKeyResponse & { key: string }>('POST', '', { label: 'mobile app', userId: 'user-9' });
    expect(created.status).toBe(201);
    const { key, ...record } = created.body;
    expect(key).toMatch(/^ik_/);
    expect(record).toMatchObject({ label: 'mobile app', role: 'user', userId: 'user-9', prefix: key.slice(0, 10), createdBy: 'admin-token', revokedAt: null });

    const client = new OpenAI({ baseURL: `${harness.url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'new key' }] });
    expect(harness.emulator.probe(completion.id)!.user).toBe('user-9');

    const list = await admin<{ data: ClientKeyResponse[] }>('GET', '');
    expect(list.body.data.map((entry) => entry.id)).toContain(record.id);
    expect(list.text).not.toContain(key);

    const revoked = await admin<ClientKeyResponse>('DELETE', `/${record.id}`);
    expect(revoked.status).toBe(200);
    expect(new Date(revoked.body.revokedAt!).toISOString()).toBe(revoked.body.revokedAt);
    expect(revoked.text).not.toContain(key);
    expect((await ask(key)).status).toBe(401);
  });

  it('creates admin keys that reach the admin API', async () => {
    const created = await admin<{ key: string }>('POST', '', { label: 'ops', role: 'admin' });
    const response = await fetch(`${harness.url}/api/ai/keys`, { headers: { authorization: `Bearer ${created.body.key}` } });
    expect(response.status).toBe(200);
  });

  it('400 naming the field for a key without a label; 404 revoking an unknown key', async () => {
    const missing = await admin('POST', '', { role: 'user' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('label');
    expect((await admin('POST', '', { label: 'x', role: 'owner' })).body.error.param).toBe('role');
    expect((await admin('DELETE', '/no-such-key')).status).toBe(404);
  });
});
