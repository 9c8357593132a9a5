import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../../test/harness.js';
import type { CatalogEntry } from './catalog.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

async function models(query = '') {
  const response = await fetch(`${harness.url}/api/ai/models${query}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return { status: response.status, body: (await response.json()) as { data: CatalogEntry[]; error?: { param: string | null } } };
}

describe('GET /api/ai/models', () => {
  it('lists OpenRouter\'s chat, embedding and image models with the modalities each can serve', async () => {
    const { status, body } = await models();
    expect(status).toBe(200);
    const ids = body.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4o-mini', 'openai/text-embedding-3-small', 'black-forest-labs/flux.2-pro']));
    expect(body.data.find((model) => model.id === 'openai/text-embedding-3-small')!.modalities).toEqual(['embedding']);
    expect(body.data.find((model) => model.id === 'openai/gpt-4o-mini')).toMatchObject({ name: harness.emulator.catalog.find('openai/gpt-4o-mini')!.name, modalities: ['text'] });
  });

  it('filters by modality and by a search in the id or name', async () => {
    const embeddings = (await models('?modality=embedding')).body.data;
    expect(embeddings.length).toBeGreaterThan(0);
    expect(embeddings.every((model) => model.modalities.includes('embedding'))).toBe(true);
    const images = (await models('?modality=image')).body.data.map((model) => model.id);
    expect(images).toEqual(expect.arrayContaining(['black-forest-labs/flux.2-pro', 'google/gemini-2.5-flash-image']));
    expect(images).not.toContain('openai/gpt-4o-mini');
    const searched = (await models('?modality=text&search=GPT-4O')).body.data;
    expect(searched.length).toBeGreaterThan(0);
    expect(searched.every((model) => `${model.id} ${model.name ?? ''}`.toLowerCase().includes('gpt-4o'))).toBe(true);
    expect((await models('?modality=audio')).body.error?.param).toBe('modality');
  });

  it('fetches the catalog from OpenRouter once for many requests arriving together', async () => {
    // A pass-through in front of the emulator that counts catalog fetches.
    let target = '';
    const fetches: string[] = [];
    const proxy = createServer((req, res) => {
      fetches.push(req.url ?? '');
      void fetch(`${target}${(req.url ?? '').replace(/^\/proxy/, '')}`, { headers: { authorization: req.headers.authorization ?? '' } }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const other = await startHarness({ upstream: { baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/proxy` } });
    target = other.emulator.url;
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${other.url}/api/ai/models`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })));
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 8 }, () => 200));
      expect(fetches.filter((path) => path.endsWith('/models')).sort()).toEqual(['/proxy/embeddings/models', '/proxy/images/models', '/proxy/models']);
    } finally {
      await other.close();
      proxy.close();
    }
  });
});
