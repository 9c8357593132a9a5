import { describe, expect, it } from 'vitest';
import { createAiGateway, type AiGatewayOptions } from './create-ai-gateway.js';

describe('createAiGateway options', () => {
  // A JavaScript caller has no compiler to catch a misspelt option: ignored, the gateway would start without the key.
  it('refuses an option it does not know, naming it and the options there are', () => {
    const misspelt = { database: ':memory:', openRouterApiKey: 'sk-or-v1-abc' } as AiGatewayOptions;
    expect(() => createAiGateway(misspelt)).toThrow(/^createAiGateway: unknown option "openRouterApiKey"; the options are upstream, database, features, .*jobs, instanceLeaseMs\.$/);
    const nested = { database: ':memory:', upstream: { baseURL: 'http://127.0.0.1:9/api/v1' } } as AiGatewayOptions;
    expect(() => createAiGateway(nested)).toThrow('createAiGateway: unknown option "upstream.baseURL"; the options are upstream.baseUrl, upstream.apiKey, upstream.referer, upstream.title, upstream.timeouts, upstream.http2, upstream.ca.');
  });

  it('takes every option it documents', async () => {
    const gateway = createAiGateway({ database: ':memory:', upstream: { baseUrl: 'http://127.0.0.1:9/api/v1', apiKey: () => 'sk-or-v1-abc', referer: 'https://acme.example', title: 'Acme', timeouts: { connectMs: 1_000 }, http2: false }, encryption: null, heartbeatMs: 1_000 });
    await gateway.ready;
    await gateway.close();
  });
});
