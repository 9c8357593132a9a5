import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AiGateway } from '../src/create-ai-gateway.js';

/** The little of an Express app (4 or 5) that mounting a gateway needs. */
interface HostApp {
  use(path: string, handler: AiGateway): unknown;
  listen(port: number, host: string, callback: () => void): Server;
}

/**
 * Mounts `gateway` at `/ai` in `app`, as the README shows, and listens on a free loopback port: the mount's URL, and
 * a close that ends the server's connections and the gateway.
 * @example
 * const host = await listenMounted(express().use(express.json()), gateway);
 * await fetch(`${host.url}/v1/models`);
 */
export async function listenMounted(app: HostApp, gateway: AiGateway): Promise<{ url: string; close(): Promise<void> }> {
  app.use('/ai', gateway);
  await gateway.ready;
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ai`,
    async close() {
      server.closeAllConnections();
      server.close();
      await gateway.close();
    },
  };
}
