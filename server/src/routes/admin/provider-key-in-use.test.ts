import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryption } from '../../crypto/key-encryption.js';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../../test/harness.js';

const masterKey = (id: string) => ({ id, key: randomBytes(32) });
const first = masterKey('first');
const second = masterKey('second');
let directory: string;
beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-key-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const call = async (harness: Harness, method: string, route: string, body?: unknown, token = ADMIN_TOKEN) => {
  const response = await fetch(`${harness.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
};
const chat = (harness: Harness) => call(harness, 'POST', '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'which key?' }] }, CLIENT_KEY);

describe('a stored OpenRouter key', () => {
  it('is used for upstream calls instead of the environment key, and survives a master key rotation', async () => {
    const database = path.join(directory, 'keys.db');
    // The gateway's own key is not one the emulator accepts: only the stored key can make chat work.
    const before = await startHarness({ database, encryption: new KeyEncryption([first]), upstream: { apiKey: 'sk-or-v1-not-accepted-by-the-emulator' } });
    const storedKey = before.emulator.addKey({ label: 'stored key' }).key;
    try {
      expect((await chat(before)).status).toBe(502);
      const saved = await call(before, 'PUT', '/api/ai/provider-key', { key: storedKey });
      expect(saved.status).toBe(200);
      expect(saved.text).toContain(storedKey.slice(-4));
      const answered = await chat(before);
      expect(answered.status).toBe(200);
      const { id } = JSON.parse(answered.text) as { id: string };
      expect(before.emulator.probe(id)?.keyLabel).toBe('stored key');
      const audit = await call(before, 'GET', '/api/ai/audit?limit=50');
      for (const text of [saved.text, answered.text, audit.text, ...before.logs]) expect(text).not.toContain(storedKey);
    } finally {
      await before.close();
    }

    // Restart with a new master key, the old one kept as a previous key: the stored key is re-encrypted and still works.
    const after = await startHarness({ database, encryption: new KeyEncryption([second, first]), upstream: { apiKey: 'sk-or-v1-not-accepted-by-the-emulator' } });
    try {
      const stores = await after.gateway.ready;
      const rotation = await stores.providerKeys.rotate('test');
      expect(rotation.reencrypted).toEqual(['default']);
      const row = await stores.database.db.selectFrom('provider_keys').selectAll().executeTakeFirstOrThrow();
      expect(row.key_id).toBe('second');
      after.emulator.addKey({ key: storedKey, label: 'stored key' });
      expect((await chat(after)).status).toBe(200);
    } finally {
      await after.close();
    }
  });
});
