import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { listenThrough } from '../../test/hot-routes-server.js';

const METERED = [
  ['/v1/chat/completions', 'chat'],
  ['/api/ai/chat/completion', 'chat'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/images/generations', 'images'],
  ['/api/ai/image/generation', 'images'],
] as const;

/** Bodies the reader refuses before any route reads them, with the status each gets. */
const REFUSED = [
  ['not JSON', '{"model":', 400],
  ['nested too deep', `{"model":"chat","messages":${'['.repeat(200)}${']'.repeat(200)}}`, 400],
  ['too large', `{"model":"chat","input":"${'a'.repeat(300_000)}"}`, 413],
] as const;

describe('a request whose body is refused before its route reads it', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ maxBodyBytes: 200_000 });
  });
  afterAll(() => harness.close());

  const post = (base: string, path: string, body: string, key: string | undefined = CLIENT_KEY) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body });

  it.each(METERED)('leaves one rejected record on %s, with the error it was answered', async (path, endpoint) => {
    for (const [, body, status] of REFUSED) {
      const before = harness.usage.records.length;
      const answer = await post(harness.url, path, body);
      expect(answer.status).toBe(status);
      const { error } = (await answer.json()) as { error: { code: string } };
      await expect.poll(() => harness.usage.records.length).toBe(before + 1);
      expect(harness.usage.records.at(-1)).toMatchObject({ endpoint, status: 'rejected', errorCode: error.code, attempts: 0, requestId: answer.headers.get('x-request-id') ?? expect.any(String) });
    }
  });

  it('leaves one on the hot routes served without Express (insforge-ai serve), below a mount too', async () => {
    for (const mount of ['/', '/ai']) {
      const plain = await listenThrough(harness.gateway, mount);
      try {
        const before = harness.usage.records.length;
        const prefix = mount === '/' ? '' : mount;
        expect((await post(plain.url, `${prefix}/v1/chat/completions`, '{"model":')).status).toBe(400);
        expect((await post(plain.url, `${prefix}/v1/embeddings`, '{"model":')).status).toBe(400);
        await expect.poll(() => harness.usage.records.length).toBe(before + 2);
        expect(harness.usage.records.slice(before).map((record) => [record.endpoint, record.status])).toEqual([['chat', 'rejected'], ['embeddings', 'rejected']]);
        // Served by the listener itself, not handed to Express.
        expect(plain.toExpress).toEqual([]);
      } finally {
        await plain.close();
      }
    }
  });

  it('leaves none for a caller nobody knows, nor on a route that is not an AI call', async () => {
    const before = harness.usage.records.length;
    expect((await post(harness.url, '/v1/chat/completions', '{"model":', 'ik_nobody_knows_this_key_000000')).status).toBe(401);
    expect((await post(harness.url, '/api/ai/conversations', '{"title":')).status).toBe(400);
    // A refused body that is recorded comes after them: had either left a record, it would be there first.
    expect((await post(harness.url, '/V1/Chat/Completions/', '{"model":')).status).toBe(400);
    await expect.poll(() => harness.usage.records.length).toBe(before + 1);
    expect(harness.usage.records.at(-1)).toMatchObject({ endpoint: 'chat', status: 'rejected' });
  });
});
