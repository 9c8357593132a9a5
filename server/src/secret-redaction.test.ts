import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CLIENT_KEY, startHarness, type Harness } from '../test/harness.js';
import { KeyEncryption } from './crypto/key-encryption.js';
import { redactingLogger, secretRedactor } from './logger.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ encryption: new KeyEncryption([{ id: 'k1', key: randomBytes(32) }]) });
});
afterAll(async () => {
  // The harness fails its close if the upstream key appears in any response body or log line.
  await harness.close();
});

const post = (path: string, body: Record<string, unknown>, token = CLIENT_KEY) =>
  fetch(`${harness.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface RouteCase {
  name: string;
  path: string;
  body(text: string, stream: boolean): Record<string, unknown>;
  streams: boolean;
  token?: string;
  /** The emulator has no 200-with-error-body answer for embeddings. */
  noErrorBody?: boolean;
}
const chatBody = (text: string, stream: boolean) => ({ model: 'chat', stream, messages: [{ role: 'user', content: text }] });
const ROUTES: RouteCase[] = [
  { name: 'OpenAI chat', path: '/v1/chat/completions', body: chatBody, streams: true },
  { name: 'InsForge chat', path: '/api/ai/chat/completion', body: chatBody, streams: true },
  { name: 'Anthropic messages', path: '/v1/messages', body: (text, stream) => ({ ...chatBody(text, stream), max_tokens: 100 }), streams: true },
  { name: 'embeddings', path: '/v1/embeddings', body: (text) => ({ model: 'embed', input: text }), streams: false, noErrorBody: true },
  { name: 'OpenAI images', path: '/v1/images/generations', body: (text) => ({ model: 'image', prompt: text }), streams: false },
  { name: 'InsForge images', path: '/api/ai/image/generation', body: (text) => ({ model: 'image', prompt: text }), streams: false },
  { name: 'admin live test', path: '/api/ai/configurations/chat/test', body: (text) => ({ prompt: text }), streams: false, token: ADMIN_TOKEN },
];

/** Upstream failures, and whether the gateway passes the upstream's own message on (so the echo reaches the client). */
const FAULTS: Array<{ scenario: string; passesMessageOn: boolean; streamOnly?: boolean }> = [
  { scenario: 'status=400', passesMessageOn: true },
  { scenario: 'status=401', passesMessageOn: false },
  { scenario: 'status=402', passesMessageOn: false },
  { scenario: 'status=404', passesMessageOn: true },
  { scenario: 'status=429;retry-after=20', passesMessageOn: false },
  { scenario: 'status=500', passesMessageOn: false },
  { scenario: 'status=502', passesMessageOn: false },
  { scenario: 'error-body', passesMessageOn: false },
  { scenario: 'error-after=2', passesMessageOn: false, streamOnly: true },
  { scenario: 'error-after=2;error-code=400', passesMessageOn: true, streamOnly: true },
];

describe('no secret reaches a client, whatever the upstream says', () => {
  it('upstream error messages that repeat the Authorization header are redacted: every route × JSON and stream × every failure', async () => {
    for (const route of ROUTES) {
      for (const fault of FAULTS) {
        for (const stream of route.streams ? [false, true] : [false]) {
          if ((fault.streamOnly && !stream) || (route.noErrorBody && fault.scenario === 'error-body')) continue;
          const label = `${route.name} ${fault.scenario} ${stream ? 'stream' : 'json'}`;
          harness.emulator.clearRules();
          harness.emulator.addRule({ match: { contains: label }, scenario: `echo-auth;${fault.scenario}` });
          const response = await post(route.path, route.body(label, stream), route.token);
          const text = await response.text();
          // The fault did happen (a stream may already have answered 200 before its error event).
          if (!stream) expect(response.status, label).toBeGreaterThanOrEqual(400);
          expect(text, label).not.toContain(harness.upstreamKey);
          expect(text, label).not.toMatch(/sk-or-v1-[a-f0-9]{8,}/);
          // Where the upstream's message is passed on, it arrives with the key replaced, not dropped.
          if (fault.passesMessageOn) expect(text, label).toContain('[redacted]');
        }
      }
    }
  }, 120_000);

  it('a stored provider key is redacted in what the upstream echoes back', async () => {
    const storedKey = harness.emulator.addKey({ label: 'stored' }).key;
    const saved = await fetch(`${harness.url}/api/ai/provider-key`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: storedKey }) });
    expect(saved.status, await saved.clone().text()).toBe(200);
    try {
      for (const stream of [false, true]) {
        harness.emulator.clearRules();
        harness.emulator.addRule({ match: { contains: `stored echo ${stream}` }, scenario: stream ? 'echo-auth;error-after=1;error-code=400' : 'echo-auth;status=400' });
        const answer = await (await post('/v1/chat/completions', chatBody(`stored echo ${stream}`, stream))).text();
        expect(answer).toContain('[redacted]');
        expect(answer).not.toContain(storedKey);
      }
    } finally {
      await fetch(`${harness.url}/api/ai/provider-key`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    }
  });

  it('the admin token and client keys never come back in an error message, even one that repeats what was sent', async () => {
    for (const secret of [ADMIN_TOKEN, CLIENT_KEY]) {
      const answer = await post('/v1/chat/completions', { model: `${secret}-model`, messages: [{ role: 'user', content: 'hi' }] });
      const text = await answer.text();
      expect(answer.status).toBe(400);
      expect(text).not.toContain(secret);
      expect(text).toContain('[redacted]');
    }
  });
});

describe('secretRedactor', () => {
  it('replaces every known secret and anything shaped like an OpenRouter key, and ignores secrets too short to be real', () => {
    const redact = secretRedactor(() => ['admin-token-123456', undefined, 'short']);
    expect(redact('token admin-token-123456 twice admin-token-123456, short stays')).toBe('token [redacted] twice [redacted], short stays');
    expect(redact('key sk-or-v1-0123456789abcdef0123 in text')).toBe('key [redacted] in text');
  });

  it('finds a key by its secret alone, and a secret broken by white space or a written line break', () => {
    const key = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    const redact = secretRedactor(() => [key]);
    expect(redact('secret 0123456789abcdef0123456789abcdef.')).toBe('secret [redacted].');
    expect(redact('wrapped sk-or-v1-0123456789abcdef\n0123456789 abcdef.')).toBe('wrapped sk-or-v1-[redacted].');
    expect(redact('line 0123456789abcdef0123\n456789abcdef')).toBe('line [redacted]');
    // A key shape takes its dashes and underscores with it, so no tail of one is left.
    expect(secretRedactor(() => [])('bad sk-or-v1-emulator-key_2 here')).toBe('bad [redacted] here');
  });
});

describe('redactingLogger', () => {
  it('removes a secret broken by a written line break, or next to a quote, from the fields as from the message', () => {
    const key = 'sk-or-v1-0123456789abcdef0123456789abcdef';
    const lines: string[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields)}`);
    const logger = redactingLogger({ info: record, warn: record, error: record }, () => [key, 'admin"token\\0123456789']);
    const broken = 'upstream said: bad key 0123456789abcdef0123\\n456789abcdef';
    logger.error(broken, { error: new Error(broken), detail: { text: broken }, quoted: 'token admin"token\\0123456789' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/0123456789abcdef0123|456789abcdef|admin\\?"token/);
    expect(lines[0]).toContain('upstream said: bad key [redacted]');
  });
});
