import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelCatalog, modalitiesOf, type CatalogSnapshot } from './model-catalog.js';
import { OpenRouterClient } from './openrouter-client.js';

/** A stand-in for OpenRouter whose `/models` answers only when the test lets it. */
async function startUpstream() {
  let version = 0;
  const held: ServerResponse[] = [];
  const upstream = {
    modelsRequests: 0,
    hold: false,
    status: 200,
    /** Answers the held `/models` requests with the current version. */
    release() {
      for (const res of held.splice(0)) answer(res);
    },
    bump() {
      version += 1;
    },
  };
  const answer = (res: ServerResponse) => {
    if (upstream.status !== 200) {
      res.writeHead(upstream.status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: `model-v${version}` }] }));
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
      return;
    }
    upstream.modelsRequests += 1;
    if (upstream.hold) held.push(res);
    else answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new OpenRouterClient({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: 'sk-or-v1-test',
    timeouts: { connectMs: 1_000, firstByteMs: 5_000, betweenChunksMs: 5_000 },
  });
  const close = async () => {
    upstream.release();
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { upstream, client, close };
}

/** The promise's value, or a failure when it takes longer than `ms` (the client would wait 5 s for /models). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const ids = (snapshot: { models: { id: string }[] }) => snapshot.models.map((model) => model.id);

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('ModelCatalog', () => {
  it('waits for /models only when it has no copy yet', async () => {
    const { upstream, client, close } = await startUpstream();
    cleanup = close;
    upstream.hold = true;
    const catalog = new ModelCatalog(client, 60_000);
    let settled = false;
    const first = catalog.snapshot().then((snapshot) => {
      settled = true;
      return snapshot;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    upstream.release();
    expect(ids(await first)).toEqual(['model-v0']);
  });

  it('answers from the expired copy without waiting for a slow /models, and refreshes it once in the background', async () => {
    const { upstream, client, close } = await startUpstream();
    cleanup = close;
    const catalog = new ModelCatalog(client, 0);
    expect(ids(await catalog.snapshot())).toEqual(['model-v0']);
    expect(upstream.modelsRequests).toBe(1);

    upstream.hold = true;
    upstream.bump();
    // Every copy is expired at once (ttl 0): these answer from the old copy while /models hangs.
    const answers = await within(500, Promise.all([catalog.snapshot(), catalog.snapshot(), catalog.find('model-v0')]));
    expect(ids(answers[0])).toEqual(['model-v0']);
    expect(ids(answers[1])).toEqual(['model-v0']);
    expect(answers[2]).toEqual({ id: 'model-v0' });
    await expect.poll(() => upstream.modelsRequests).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(upstream.modelsRequests).toBe(2);

    upstream.hold = false;
    upstream.release();
    await expect.poll(async () => ids(await catalog.snapshot())).toEqual(['model-v1']);
  });

  it('keeps serving the last good copy when a background refresh fails', async () => {
    const { upstream, client, close } = await startUpstream();
    cleanup = close;
    const catalog = new ModelCatalog(client, 0);
    expect(ids(await catalog.snapshot())).toEqual(['model-v0']);

    upstream.status = 503;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(await catalog.find('model-v0')).toEqual({ id: 'model-v0' });
      await expect.poll(() => upstream.modelsRequests).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await catalog.find('model-v0')).toEqual({ id: 'model-v0' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('reports the catalog as unavailable when the first fetch fails', async () => {
    const { upstream, client, close } = await startUpstream();
    cleanup = close;
    upstream.status = 503;
    const catalog = new ModelCatalog(client, 60_000);
    expect(await catalog.find('model-v0')).toBeNull();
    await expect(catalog.snapshot()).rejects.toThrow('GET /models answered 503');
  });

  const ECHOED_KEY = 'sk-or-v1-0123456789abcdef0123456789abcdef';
  /** The catalog as read from an upstream that answers each list with `body(path, authorization)`. */
  async function catalogEchoing(body: (path: string, authorization: string) => string): Promise<CatalogSnapshot> {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body(req.url ?? '', req.headers.authorization ?? ''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new OpenRouterClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: ECHOED_KEY, timeouts: { connectMs: 1_000, firstByteMs: 5_000, betweenChunksMs: 5_000 } });
    cleanup = async () => {
      await client.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return new ModelCatalog(client, 60_000).snapshot();
  }

  it('lists no model with the key it was fetched with in it, should the upstream echo the request (a debugging proxy)', async () => {
    const snapshot = await catalogEchoing((path, authorization) => JSON.stringify({ data: [{ id: `echo${path}`, description: `sent with ${authorization}` }] }));
    expect(snapshot.models).toHaveLength(3);
    expect(JSON.stringify(snapshot.models)).not.toContain(ECHOED_KEY);
    expect(snapshot.byId.get('echo/models')).toMatchObject({ description: 'sent with Bearer [redacted]' });
  });

  it('reads the parameters of the Image API\'s models, listed as a record of what each takes, as their names', async () => {
    const snapshot = await catalogEchoing((path) =>
      path === '/images/models'
        ? JSON.stringify({ data: [{ id: 'maker/painter', endpoints: '/api/v1/models/maker/painter/endpoints', supported_parameters: { seed: { type: 'range', min: 0, max: 9 }, aspect_ratio: { type: 'enum', values: ['1:1'] } }, supports_streaming: true }] })
        : JSON.stringify({ data: [{ id: `listed${path}`, supported_parameters: ['tools'] }] }),
    );
    expect(snapshot.byId.get('maker/painter')?.supported_parameters).toEqual(['seed', 'aspect_ratio']);
    expect(snapshot.byId.get('listed/models')?.supported_parameters).toEqual(['tools']);
  });

  it('lists no model with the key spelled in \\u escapes, as a JSON writer that escapes everything sends it', async () => {
    const escaped = [...ECHOED_KEY].map((character) => `\\u00${character.charCodeAt(0).toString(16)}`).join('');
    const snapshot = await catalogEchoing((path) => `{"data":[{"id":"echo${path}","description":"sent with Bearer ${escaped}"}]}`);
    expect(JSON.stringify(snapshot.models)).not.toContain(ECHOED_KEY.slice('sk-or-v1-'.length));
    expect(snapshot.byId.get('echo/models')).toMatchObject({ description: 'sent with Bearer [redacted]' });
  });
});

describe('modalitiesOf', () => {
  it('names what a feature of each modality could use the model for, from its outputs', () => {
    const outputs = (output_modalities?: string[]) => modalitiesOf({ id: 'm', ...(output_modalities ? { architecture: { output_modalities } } : {}) });
    expect(outputs()).toEqual(['text']);
    expect(outputs([])).toEqual(['text']);
    expect(outputs(['text'])).toEqual(['text']);
    expect(outputs(['image'])).toEqual(['image']);
    expect(outputs(['image', 'text'])).toEqual(['text', 'image']);
    expect(outputs(['embeddings', 'text'])).toEqual(['embedding']);
    expect(outputs(['audio'])).toEqual([]);
  });
});
