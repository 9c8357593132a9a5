import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../test/harness.js';
import { KeyEncryption } from './crypto/key-encryption.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ encryption: new KeyEncryption([{ id: 'k1', key: randomBytes(32) }]) });
});
afterAll(async () => {
  // The harness fails its close if the upstream key appears in any response body or log line.
  await harness.close();
});

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const ROUTES = [
  { name: 'OpenAI chat', path: '/v1/chat/completions', body: (text: string, stream: boolean) => ({ model: 'chat', stream, messages: [{ role: 'user', content: text }] }), streams: true },
  { name: 'InsForge chat', path: '/api/ai/chat/completion', body: (text: string, stream: boolean) => ({ model: 'chat', stream, messages: [{ role: 'user', content: text }] }), streams: true },
  { name: 'embeddings', path: '/v1/embeddings', body: (text: string) => ({ model: 'embed', input: text }), streams: false },
  { name: 'OpenAI images', path: '/v1/images/generations', body: (text: string) => ({ model: 'image', prompt: text }), streams: false },
  { name: 'InsForge images', path: '/api/ai/image/generation', body: (text: string) => ({ model: 'image', prompt: text }), streams: false },
];
const FAULTS = ['status=400', 'status=401', 'status=402', 'status=404', 'status=429;retry-after=20', 'status=500', 'status=502', 'error-body', 'error-after=2'];

describe('no secret reaches a client, whatever the upstream says', () => {
  it('upstream error messages that repeat the Authorization header are redacted, on every route, JSON and streamed', async () => {
    let echoed = 0;
    for (const route of ROUTES) {
      for (const fault of FAULTS) {
        for (const stream of route.streams ? [false, true] : [false]) {
          if (fault === 'error-after=2' && !stream) continue;
          const marker = `echo ${route.name} ${fault} ${stream}`;
          harness.emulator.clearRules();
          harness.emulator.addRule({ match: { contains: marker }, scenario: `echo-auth;${fault}` });
          const response = await post(route.path, route.body(marker, stream));
          const text = await response.text();
          expect(text, `${route.name} ${fault} ${stream ? 'stream' : 'json'}`).not.toContain(harness.upstreamKey);
          expect(text).not.toMatch(/sk-or-v1-[a-f0-9]{8,}/);
          if (text.includes('[redacted]')) echoed += 1;
        }
      }
    }
    // The upstream did repeat the key: messages that pass through to the client came back redacted, not missing.
    expect(echoed).toBeGreaterThan(0);
  }, 60_000);

  it('a stored provider key is redacted too, and so are the admin token and client keys', async () => {
    const storedKey = harness.emulator.addKey({ label: 'stored' }).key;
    const saved = await fetch(`${harness.url}/api/ai/provider-key`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: storedKey }) });
    expect(saved.status, await saved.clone().text()).toBe(200);
    harness.emulator.clearRules();
    harness.emulator.addRule({ match: { contains: 'stored echo' }, scenario: 'echo-auth;status=400' });
    const answer = await (await post('/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: `stored echo ${ADMIN_TOKEN} ${CLIENT_KEY}` }] })).text();
    expect(answer).toContain('[redacted]');
    expect(answer).not.toContain(storedKey);
    await fetch(`${harness.url}/api/ai/provider-key`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  });
});
