import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askToContinue } from '../../test/raw-http.js';
import { CLIENT_KEY, startHarness, type Harness } from '../../test/harness.js';
import { hotRoutesListener } from './hot-routes.js';
import { continueOnRead } from './continue-on-read.js';

async function listen(listener: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(listener).on('checkContinue', continueOnRead(listener));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const post = (path: string, headers: string, length: number) => `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}Content-Type: application/json\r\nContent-Length: ${length}\r\n`;

describe('continueOnRead', () => {
  it('sends 100 Continue when the handler reads the body, and never to one that answers without reading it', async () => {
    const { url, server } = await listen((req, res) => {
      if (req.url === '/refuse') {
        res.writeHead(401).end();
        return;
      }
      let length = 0;
      req.on('data', (chunk: Buffer) => (length += chunk.length));
      req.on('end', () => res.writeHead(200).end(String(length)));
    });
    try {
      expect(await askToContinue(url, post('/read', '', 5), 'hello')).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
      expect(await askToContinue(url, post('/refuse', '', 5), 'hello')).toEqual(['HTTP/1.1 401 Unauthorized']);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('a server of the gateway alone, with continueOnRead', () => {
  let harness: Harness;
  let hooked: Harness;
  let plain: Awaited<ReturnType<typeof listen>>;
  let withHook: Awaited<ReturnType<typeof listen>>;
  const serveAlone = (gateway: Harness['gateway']) => {
    const app = express();
    app.use('/', gateway);
    return listen(hotRoutesListener(gateway, app));
  };
  beforeAll(async () => {
    harness = await startHarness({ maxBodyBytes: 64 * 1024 });
    hooked = await startHarness({ maxBodyBytes: 64 * 1024, authenticate: (req) => (req.headers['x-test-user'] === 'hooked' ? { projectId: 'default', userId: 'hooked', role: 'user' } : undefined) });
    plain = await serveAlone(harness.gateway);
    withHook = await serveAlone(hooked.gateway);
  });
  afterAll(async () => {
    for (const { server } of [plain, withHook]) {
      server.closeAllConnections();
      server.close();
    }
    await harness.close();
    await hooked.close();
  });

  const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] });
  const conversation = JSON.stringify({ title: 'Asked first' });
  const asUser = `Authorization: Bearer ${CLIENT_KEY}\r\n`;

  it('answers 401 or 413 before 100 Continue, on the hot routes and through Express, and reads the rest', async () => {
    for (const [url, signedIn] of [[plain.url, asUser], [withHook.url, 'X-Test-User: hooked\r\n']] as const) {
      for (const [path, body] of [['/v1/chat/completions', chat], ['/api/ai/conversations', conversation]] as const) {
        const where = `${url}${path}`;
        expect(await askToContinue(url, post(path, '', body.length), body), where).toEqual(['HTTP/1.1 401 Unauthorized']);
        expect(await askToContinue(url, post(path, 'Authorization: Bearer ik_not_a_key_of_this_gateway\r\n', body.length), body), where).toEqual(['HTTP/1.1 401 Unauthorized']);
        expect(await askToContinue(url, post(path, signedIn, 10_000_000), body), where).toEqual(['HTTP/1.1 413 Payload Too Large']);
        const accepted = await askToContinue(url, post(path, signedIn, body.length), body);
        expect(accepted, where).toEqual(['HTTP/1.1 100 Continue', path === '/v1/chat/completions' ? 'HTTP/1.1 200 OK' : 'HTTP/1.1 201 Created']);
      }
    }
    expect(harness.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });
});
