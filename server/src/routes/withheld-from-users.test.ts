import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { KeyEncryption } from '../crypto/key-encryption.js';
import { openGatewayStores } from '../store/gateway-stores.js';

const STORED_KEY = 'sk-or-v1-stored-under-a-master-key-that-is-gone';
let directory: string;
let harness: Harness;

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'insforge-withheld-'));
  const database = path.join(directory, 'ai.db');
  // The key is stored under one master key; the gateway then starts with another one only.
  const stores = await openGatewayStores({ database, defaultProjectId: 'default', encryption: new KeyEncryption([{ id: 'old', key: randomBytes(32) }]) });
  await stores.providerKeys.set('default', STORED_KEY, { label: null, limit: null, limitRemaining: null, usage: null, isFreeTier: false }, 'test');
  await stores.close();
  harness = await startHarness({ database, encryption: new KeyEncryption([{ id: 'new', key: randomBytes(32) }]) });
});
afterAll(async () => {
  await harness.close();
  rmSync(directory, { recursive: true, force: true });
});

const post = async (route: string, body: unknown, token: string) => {
  const response = await fetch(`${harness.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
};
const chatAs = (token: string, stream = false) => post('/v1/chat/completions', { model: 'chat', stream, messages: [{ role: 'user', content: 'hello' }] }, token);

describe('a stored OpenRouter key the master key cannot open', () => {
  it('answers users with a generic 503 that names no variable', async () => {
    for (const stream of [false, true]) {
      const { status, body } = await chatAs(CLIENT_KEY, stream);
      expect(status).toBe(503);
      expect(body.error).toEqual({ code: 'service_unavailable', type: 'server_error', param: null, message: 'AI is not available right now; an administrator has been notified.' });
    }
    expect(JSON.stringify(harness.bodies)).not.toMatch(/INSFORGE_AI|master key/);
  });

  it('tells an admin which variable to set, in a chat and in the live test', async () => {
    const chat = await chatAs(ADMIN_TOKEN);
    expect(chat.body.error.code).toBe('encryption_key_missing');
    expect(chat.body.error.message).toContain('INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS');
    const live = await post('/api/ai/configurations/chat/test', { prompt: 'hello' }, ADMIN_TOKEN);
    expect(live.body.error.message).toContain('INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS');
  });

  it('logs the detail once, not once per request', () => {
    const lines = harness.logs.filter((line) => line.includes('the stored OpenRouter key cannot be used'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS');
    expect(harness.logs.join('\n')).not.toContain(STORED_KEY);
  });
});
