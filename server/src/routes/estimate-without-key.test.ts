import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { KeyEncryption } from '../crypto/key-encryption.js';
import { openGatewayStores } from '../store/gateway-stores.js';

// `POST /api/ai/estimate` never calls OpenRouter, so it never needs the project's OpenRouter key: it answers while
// no key is configured and while the key store cannot give one, where a chat cannot be sent.

const harnesses: Harness[] = [];
let directory: string | undefined;
afterAll(async () => {
  for (const harness of harnesses) await harness.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const post = async (harness: Harness, route: string, body: unknown) => {
  const response = await fetch(`${harness.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as { estimate?: { tokens: number }; admitted?: boolean; error?: { code: string } } };
};
const ask = { model: 'chat', messages: [{ role: 'user', content: 'What does a monthly tram pass cost?' }] };

describe('POST /api/ai/estimate without the upstream key', () => {
  it('answers while no OpenRouter key is configured', async () => {
    const harness = await startHarness({ upstream: { apiKey: () => undefined } });
    harnesses.push(harness);
    expect((await post(harness, '/v1/chat/completions', ask)).json.error?.code).toBe('upstream_auth');
    const estimate = await post(harness, '/api/ai/estimate', ask);
    expect(estimate.status).toBe(200);
    expect(estimate.json.estimate?.tokens).toBeGreaterThan(0);
  });

  it('answers while the key store fails (a stored key the master key cannot open)', async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'insforge-estimate-'));
    const database = path.join(directory, 'ai.db');
    const stores = await openGatewayStores({ database, defaultProjectId: 'default', encryption: new KeyEncryption([{ id: 'old', key: randomBytes(32) }]) });
    await stores.providerKeys.set('default', 'sk-or-v1-stored-under-a-master-key-that-is-gone', { label: null, limit: null, limitRemaining: null, usage: null, isFreeTier: false }, 'test');
    await stores.close();
    const harness = await startHarness({ database, encryption: new KeyEncryption([{ id: 'new', key: randomBytes(32) }]) });
    harnesses.push(harness);
    expect((await post(harness, '/v1/chat/completions', ask)).status).toBe(503);
    const estimate = await post(harness, '/api/ai/estimate', ask);
    expect(estimate.status).toBe(200);
    expect(estimate.json).toMatchObject({ admitted: true, estimate: { tokens: expect.any(Number) } });
    expect(harness.logs.filter((line) => line.includes('the stored OpenRouter key cannot be used'))).toHaveLength(1);
  });
});
