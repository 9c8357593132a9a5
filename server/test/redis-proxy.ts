import { createServer, connect, type Server, type Socket } from 'node:net';
import { TEST_REDIS_URL } from './redis.js';

/** A TCP proxy in front of the test Redis whose outage a test controls. */
export interface RedisProxy {
  /** `redis://127.0.0.1:PORT` plus the test Redis URL's path (its database number). */
  url: string;
  /** Redis goes away: open connections are cut and new ones refused. */
  cut(): Promise<void>;
  /** Redis is back on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a proxy to the test Redis, so a test can take Redis away from the code under test (and give it back)
 * without touching the Redis other tests share.
 * @example
 * const proxy = await startRedisProxy();
 * await proxy.cut();
 */
export async function startRedisProxy(target = TEST_REDIS_URL): Promise<RedisProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const listening = createServer((client) => {
        const redis = connect(Number(upstream.port || 6379), upstream.hostname);
        for (const socket of [client, redis]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => {
            sockets.delete(socket);
            client.destroy();
            redis.destroy();
          });
        }
        client.pipe(redis).pipe(client);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        port = (listening.address() as { port: number }).port;
        server = listening;
        resolve();
      });
    });
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}${upstream.pathname}`,
    cut,
    restore: listen,
    close: cut,
  };
}
