import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from './model-catalog.js';
import { cachedModelEndpoints } from '../model-endpoint-cache.js';
import { fetchModelEndpoints } from './model-endpoints.js';
import { OpenRouterClient } from './openrouter-client.js';

/** A stand-in for OpenRouter's endpoints route: one model listed, one unknown, one whose read fails. */
const paths: string[] = [];
const server = createServer((req, res) => {
  paths.push(req.url ?? '');
  if (req.url === '/models/meta-llama/llama-3.3-70b-instruct/endpoints' || req.url === '/models/qwen/qwen-plus%3Athinking/endpoints') {
    const endpoints = [{ provider_name: 'Groq', tag: 'groq', pricing: { prompt: '0.00000013' } }, 'not an endpoint', { provider_name: 'Together', tag: 'together', pricing: { prompt: '0.00000026' } }];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { id: 'meta-llama/llama-3.3-70b-instruct', endpoints } }));
  } else if (req.url === '/models/someone/unknown/endpoints') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404,"message":"Model not found"}}');
  } else if (req.url === '/models/someone/odd/endpoints') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
  } else {
    res.writeHead(503).end();
  }
});
let client: OpenRouterClient;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new OpenRouterClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'sk-or-v1-test', timeouts: { connectMs: 1_000, firstByteMs: 5_000, betweenChunksMs: 5_000 } });
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fetchModelEndpoints', () => {
  it('reads the providers of a model with their prices, skipping entries that are no endpoint', async () => {
    const endpoints = await fetchModelEndpoints(client, 'meta-llama/llama-3.3-70b-instruct');
    expect(endpoints?.map((endpoint) => [endpoint.provider_name, endpoint.pricing?.['prompt']])).toEqual([['Groq', '0.00000013'], ['Together', '0.00000026']]);
    // A variant's suffix travels encoded in its segment.
    expect(await fetchModelEndpoints(client, 'qwen/qwen-plus:thinking')).toHaveLength(2);
    expect(paths).toContain('/models/qwen/qwen-plus%3Athinking/endpoints');
  });

  it('answers undefined for a model OpenRouter lists no endpoints of, and fails when the list cannot be read', async () => {
    expect(await fetchModelEndpoints(client, 'someone/unknown')).toBeUndefined();
    expect(await fetchModelEndpoints(client, 'someone/odd')).toBeUndefined();
    await expect(fetchModelEndpoints(client, 'someone/broken')).rejects.toThrow('answered 503');
  });
});

describe('ModelCatalog.endpoints', () => {
  it('reads them through its source, and answers null when they cannot be had or it has none', async () => {
    const reads: string[] = [];
    const source = { get: async (id: string) => (reads.push(id), fetchModelEndpoints(client, id)) };
    const catalog = new ModelCatalog(client, 60_000, source);
    expect(await catalog.endpoints('meta-llama/llama-3.3-70b-instruct')).toHaveLength(2);
    expect(await catalog.endpoints('someone/unknown')).toBeUndefined();
    expect(await catalog.endpoints('someone/broken')).toBeNull();
    expect(reads).toEqual(['meta-llama/llama-3.3-70b-instruct', 'someone/unknown', 'someone/broken']);
    expect(await new ModelCatalog(client, 60_000).endpoints('meta-llama/llama-3.3-70b-instruct')).toBeNull();
  });
});

describe('cachedModelEndpoints', () => {
  it('reads a model once per period, and a read that failed is not tried again by every request', async () => {
    const warnings: string[] = [];
    const source = cachedModelEndpoints(client, 60_000, (message) => warnings.push(message));
    const before = paths.length;
    for (let index = 0; index < 3; index += 1) {
      expect(await source.get('meta-llama/llama-3.3-70b-instruct')).toHaveLength(2);
      expect(await source.get('someone/failing')).toBeNull();
    }
    expect(paths.slice(before)).toEqual(['/models/meta-llama/llama-3.3-70b-instruct/endpoints', '/models/someone/failing/endpoints']);
    expect(warnings).toEqual(["a model's providers could not be read from OpenRouter; the catalog's price stands until the next read"]);
  });
});
