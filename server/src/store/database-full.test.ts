import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';

// A database that cannot take a write (a full disk): the caller is told to try again later, and the log says why.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const database = async () => (await harness.gateway.ready).database.db;
/** Caps the SQLite file at its current size (SQLite never lowers the cap below it), or lifts the cap. */
const fillDatabase = async (full: boolean) => {
  await sql.raw(`pragma max_page_count = ${full ? 1 : 1_073_741_823}`).execute(await database());
};
const save = (id: string) =>
  fetch(`${harness.url}/api/ai/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, messages: [{ id: 'm1', role: 'user', content: 'x'.repeat(200_000) }] }),
  });

describe('a database that is full', () => {
  it('answers writes with a 503 to try again, logs the cause, and takes them again once there is room', async () => {
    await fillDatabase(true);
    const logged = harness.logs.length;
    try {
      const refused = await save('while-full');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).not.toBeNull();
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
      const file = await fetch(`${harness.url}/api/ai/files?name=notes.txt`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'text/plain' }, body: 'y'.repeat(200_000) });
      expect(file.status).toBe(503);
      const logs = harness.logs.slice(logged).join('\n');
      expect(logs).toContain('database or disk is full');
      expect(logs).not.toContain('cannot rollback');
    } finally {
      await fillDatabase(false);
    }
    expect((await save('with-room')).status).toBe(201);
  });
});
