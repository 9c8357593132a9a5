import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { listenThrough } from '../../test/hot-routes-server.js';

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const chatBody = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] });
const asClient = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' };

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

/** Requests each answered otherwise: refused before the caller is known, refused unread, listed, unrouted. */
const answers: Array<[label: string, path: string, init: RequestInit, status: number]> = [
  ['chat without a key', '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody }, 401],
  ['embeddings with an unknown key', '/v1/embeddings', { method: 'POST', headers: { authorization: 'Bearer ik_not_a_key', 'content-type': 'application/json' }, body: '{}' }, 401],
  ['models without a key', '/v1/models', {}, 401],
  ['a body that is not JSON', '/v1/chat/completions', { method: 'POST', headers: asClient, body: '{not json' }, 400],
  ['the model list', '/v1/models', { headers: asClient }, 200],
  ['an unknown model', '/v1/models/nope', { headers: asClient }, 404],
  ['no such route', '/v1/nothing', { headers: asClient }, 404],
];

describe('x-request-id', () => {
  it('is on every answer of the gateway\'s routes, refusals before the caller is known included, a new id each', async () => {
    const ids = new Set<string>();
    for (const [label, path, init, status] of answers) {
      const response = await fetch(`${harness.url}${path}`, init);
      expect(response.status, label).toBe(status);
      expect(response.headers.get('x-request-id'), label).toMatch(REQUEST_ID);
      ids.add(response.headers.get('x-request-id') ?? '');
    }
    expect(ids.size).toBe(answers.length);
  });

  it('names the usage record of a metered request, one answered and one refused while its body was read', async () => {
    const answered = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: asClient, body: chatBody });
    expect(answered.status).toBe(200);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'ok', requestId: answered.headers.get('x-request-id') });
    const refused = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: asClient, body: '{not json' });
    expect(refused.status).toBe(400);
    expect(harness.usage.records.at(-1)).toMatchObject({ status: 'rejected', requestId: refused.headers.get('x-request-id') });
  });

  it('is on the hot routes\' answers served without Express, a 401 included', async () => {
    const server = await listenThrough(harness.gateway);
    try {
      const refused = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-request-id')).toMatch(REQUEST_ID);
      const answered = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: asClient, body: chatBody });
      expect(answered.headers.get('x-request-id')).toBe(harness.usage.records.at(-1)?.requestId);
      expect(server.toExpress).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
