import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../../test/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

type AuditPage = { data: Array<{ id: string; actor: string; action: string; target: string; before: unknown; after: unknown; createdAt: string }>; next: string | null };
type ErrorBody = { error: { code: string; param: string | null } };
async function admin<T>(method: string, path: string, body?: unknown) {
  const response = await fetch(`${harness.url}/api/ai${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T & ErrorBody };
}

describe('GET /api/ai/audit', () => {
  it('lists the admin actions newest first, a page at a time, with who did what', async () => {
    const created = await admin<{ id: string; version: number }>('POST', '/configurations', { name: 'audited', model: 'openai/gpt-4o-mini' });
    await admin('PATCH', '/configurations/audited', { systemPrompt: 'Audited.', version: created.body.version });
    const key = await admin<{ id: string; key: string }>('POST', '/keys', { label: 'audit test' });
    await admin('DELETE', `/keys/${key.body.id}`);
    await admin('DELETE', '/configurations/audited');

    const first = await admin<AuditPage>('GET', '/audit?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.data.map((entry) => entry.action)).toEqual(['feature.delete', 'client_key.revoke', 'client_key.create']);
    expect(first.body.data[0]).toMatchObject({ actor: 'admin-token', target: 'feature:audited', before: { systemPrompt: 'Audited.' }, after: null });
    expect(new Date(first.body.data[0]!.createdAt).toISOString()).toBe(first.body.data[0]!.createdAt);
    expect(first.body.next).toEqual(expect.any(String));

    const second = await admin<AuditPage>('GET', `/audit?limit=3&before=${encodeURIComponent(first.body.next!)}`);
    expect(second.body.data.map((entry) => entry.action).slice(0, 2)).toEqual(['feature.update', 'feature.create']);
    const seen = new Set([...first.body.data, ...second.body.data].map((entry) => entry.id));
    expect(seen.size).toBe(first.body.data.length + second.body.data.length);

    // The seeded features are the oldest entries; paging reaches them and then ends.
    let next = second.body.next;
    let last: AuditPage['data'] = second.body.data;
    while (next) {
      const page = await admin<AuditPage>('GET', `/audit?limit=3&before=${encodeURIComponent(next)}`);
      last = page.body.data;
      next = page.body.next;
    }
    expect(last.at(-1)!.action).toBe('feature.seed');
  });

  it('never shows a client key in an entry', async () => {
    const key = await admin<{ key: string }>('POST', '/keys', { label: 'secret check' });
    const page = await admin<AuditPage>('GET', '/audit?limit=500');
    expect(JSON.stringify(page.body)).not.toContain(key.body.key);
  });

  it('400 for a cursor it did not hand out, or a limit out of range', async () => {
    const cursor = await admin('GET', '/audit?before=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.param).toBe('before');
    expect((await admin('GET', '/audit?limit=0')).body.error.param).toBe('limit');
    expect((await admin('GET', '/audit?limit=lots')).body.error.param).toBe('limit');
  });
});
