import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A local HTTP server for one test file, listening from its `beforeAll` to its `afterAll`: each request, once its body
 * is read, goes to `answer`, which a test sets to misbehave as a broken gateway or proxy would. `baseUrl` is known
 * once it listens.
 * @example
 * const gateway = scriptedServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>502</h1>'));
 * createAiClient({ baseUrl: gateway.baseUrl });
 */
export function scriptedServer(answer: (req: IncomingMessage, res: ServerResponse) => void): { readonly baseUrl: string } {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  const listening = { baseUrl: '' };
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    listening.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  return listening;
}
