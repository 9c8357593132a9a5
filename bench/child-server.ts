import type { Server } from 'node:http';

/**
 * Serves a measured target in its child process: keep-alive as the clients expect, a free port on the loopback,
 * `listening on <url>` printed for the parent to read, and on SIGTERM its connections closed and `close` awaited
 * (3 s at most) before the process exits, so a profile or a ledger gets written.
 */
export function serveChild(server: Server, close: () => Promise<unknown> = async () => undefined): void {
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') console.log(`listening on http://127.0.0.1:${address.port}`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  });
}
