import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { hotRoutesListener } from '../src/index.js';
import type { Harness } from './harness.js';

/**
 * A server of `hotRoutesListener` with the gateway mounted in an Express app at `mountPath`, as `serve` builds one;
 * `listenerMount` is the same mount as the listener is told it (it may be written otherwise).
 */
export async function listenThrough(gateway: Harness['gateway'], mountPath = '/', listenerMount = mountPath): Promise<{ url: string; toExpress: string[]; close(): Promise<void> }> {
  /** Requests the listener handed to the Express app. */
  const toExpress: string[] = [];
  const app = express();
  app.use(mountPath, gateway);
  const server: Server = createServer(
    hotRoutesListener(
      gateway,
      (req, res) => {
        toExpress.push(`${req.method} ${req.url}`);
        app(req, res);
      },
      listenerMount,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    toExpress,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
