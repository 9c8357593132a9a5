import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { deleteRedisKeys, pingRedis, TEST_REDIS_URL } from '../../test/redis.js';
import { GatewayError } from '../errors.js';
import { FallbackBackend, type PrimaryState } from './fallback-backend.js';
import { MemoryBackend } from './memory-backend.js';
import { BackendUnavailableError, RedisBackend } from './redis-backend.js';
import type { QuotaBackend } from './types.js';

const KEY_PREFIX = `test:quota-fallback:${randomUUID()}:`;
const redisReachable = await pingRedis(TEST_REDIS_URL);
const runRedis = redisReachable || process.env.CI === 'true';
const HOUR = 3_600_000;
const deadPort = await unusedPort();

const opened: QuotaBackend[] = [];
function track<T extends QuotaBackend>(backend: T): T {
  opened.push(backend);
  return backend;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
});

describe('FallbackBackend in front of a Redis that cannot be reached', () => {
  const unreachable = (): RedisBackend => new RedisBackend({ url: `redis://127.0.0.1:${deadPort}`, keyPrefix: KEY_PREFIX });

  it('fails closed by default: refuses every check with service_unavailable in well under a second', async () => {
    const backend = track(new FallbackBackend({ primary: unreachable() }));
    expect(backend.policy).toBe('fail-closed');

    const checks: [string, () => Promise<unknown>][] = [
      ['consumeWindow', () => backend.consumeWindow('rpm', 1, 10, 60_000)],
      ['acquireSlot', () => backend.acquireSlot('concurrent', 2, 60_000)],
      ['reserve', () => backend.reserve('spend', 100, 1000, Date.now() + HOUR)],
      ['current', () => backend.current('rpm')],
    ];
    for (const [name, check] of checks) {
      const started = performance.now();
      const error = await check().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(performance.now() - started, name).toBeLessThan(1000);
      expect(error, name).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'service_unavailable', status: 503 });
      expect((error as GatewayError).message).toMatch(/^Usage limits cannot be checked right now/);
      expect((error as GatewayError).cause).toBeInstanceOf(BackendUnavailableError);
    }
    expect(backend.primaryState).toBe('down');
  });

  it('fails open onto an in-process backend that still enforces the limits', async () => {
    const backend = track(new FallbackBackend({ primary: unreachable(), policy: 'fail-open' }));
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 10 }, () => backend.consumeWindow('rpm', 1, 3, 60_000)));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(results.filter((result) => result.allowed)).toHaveLength(3);

    const end = Date.now() + HOUR;
    expect(await backend.reserve('spend', 700, 1000, end)).toMatchObject({ allowed: true, used: 700 });
    expect(await backend.reserve('spend', 400, 1000, end)).toMatchObject({ allowed: false, used: 700 });
    await backend.settle('spend', 700, 650, end);
    expect(await backend.current('spend')).toBe(650);

    const slot = await backend.acquireSlot('concurrent', 1, 60_000);
    expect(slot.allowed).toBe(true);
    expect(await backend.acquireSlot('concurrent', 1, 60_000)).toMatchObject({ allowed: false });
    await backend.releaseSlot('concurrent', slot.slotId);
    expect(await backend.acquireSlot('concurrent', 1, 60_000)).toMatchObject({ allowed: true });
  });

  it('never fails a give-back because the primary is down, whatever the policy', async () => {
    for (const policy of ['fail-closed', 'fail-open'] as const) {
      const backend = track(new FallbackBackend({ primary: unreachable(), policy }));
      await expect(backend.releaseSlot('concurrent', 'slot-from-redis')).resolves.toBeUndefined();
      await expect(backend.refundWindow('tpm', 10, 60_000)).resolves.toBeUndefined();
      await expect(backend.settle('spend', 10, 5, Date.now() + HOUR)).resolves.toBeUndefined();
    }
  });

  it('lets a wrong argument through as itself instead of falling back', async () => {
    const backend = track(new FallbackBackend({ primary: unreachable(), policy: 'fail-open' }));
    await expect(backend.consumeWindow('rpm', -1, 10, 60_000)).rejects.toThrow(RangeError);
  });
});

describe('FallbackBackend switching between primary and fallback', () => {
  it('goes back to the primary once it answers, and reports each change once', async () => {
    const primary = flaky(new MemoryBackend());
    const fallback = new MemoryBackend();
    const changes: PrimaryState[] = [];
    const backend = track(
      new FallbackBackend({ primary: primary.backend, fallback, policy: 'fail-open', onPrimaryStateChange: (state) => changes.push(state) }),
    );

    await backend.consumeWindow('rpm', 1, 10, 60_000);
    primary.down = true;
    await backend.consumeWindow('rpm', 1, 10, 60_000);
    await backend.consumeWindow('rpm', 1, 10, 60_000);
    primary.down = false;
    expect(await backend.consumeWindow('rpm', 1, 10, 60_000)).toMatchObject({ allowed: true, used: 2 });

    expect(changes).toEqual(['down', 'up']);
    expect(await fallback.current('rpm')).toBe(2);
  });

  it('gives back to the fallback what was taken from it during the outage, after the primary is back', async () => {
    const primary = flaky(new MemoryBackend());
    const fallback = new MemoryBackend();
    const backend = track(new FallbackBackend({ primary: primary.backend, fallback, policy: 'fail-open' }));
    const end = Date.now() + HOUR;

    primary.down = true;
    const slot = await backend.acquireSlot('concurrent', 2, 60_000);
    await backend.consumeWindow('tpm', 500, 1000, 60_000);
    await backend.reserve('spend', 300, 1000, end);
    primary.down = false;

    await backend.releaseSlot('concurrent', slot.slotId);
    await backend.refundWindow('tpm', 200, 60_000);
    // The fallback held this reservation, so its total is the one the settle answers.
    expect(await backend.settle('spend', 300, 100, end)).toBe(100);

    expect(await fallback.current('concurrent')).toBe(0);
    expect(await fallback.current('tpm')).toBe(300);
    expect(await fallback.current('spend')).toBe(100);
    for (const key of ['concurrent', 'tpm', 'spend']) expect(await primary.backend.current(key)).toBe(0);
  });

  it('records spend settled during the outage in the fallback when failing open', async () => {
    const primary = flaky(new MemoryBackend());
    const fallback = new MemoryBackend();
    const backend = track(new FallbackBackend({ primary: primary.backend, fallback, policy: 'fail-open' }));
    const end = Date.now() + HOUR;

    await backend.reserve('spend', 300, 1000, end);
    primary.down = true;
    // The primary holds the reservation and cannot be asked, so the budget's total is unknown.
    expect(await backend.settle('spend', 300, 100, end)).toBeUndefined();
    expect(await backend.reserve('spend', 901, 1000, end)).toMatchObject({ allowed: false, used: 100 });
  });

  it("answers the primary's budget total from a settle while the primary is up", async () => {
    const primary = new MemoryBackend();
    const backend = track(new FallbackBackend({ primary, policy: 'fail-open' }));
    const end = Date.now() + HOUR;
    await backend.reserve('spend', 300, 1000, end);
    await primary.reserve('spend', 50, 1000, end);
    expect(await backend.settle('spend', 300, 100, end)).toBe(150);
  });

  it('propagates errors that do not mean the primary is down', async () => {
    const primary = flaky(new MemoryBackend());
    primary.failure = new Error('script bug');
    const backend = track(new FallbackBackend({ primary: primary.backend, policy: 'fail-open' }));
    primary.down = true;
    await expect(backend.consumeWindow('rpm', 1, 10, 60_000)).rejects.toThrow('script bug');
    primary.down = false;
  });

  it('refuses a policy it does not know', () => {
    expect(() => new FallbackBackend({ primary: new MemoryBackend(), policy: 'fail-sometimes' as 'fail-open' })).toThrow(TypeError);
  });
});

describe.runIf(runRedis)('FallbackBackend when a real Redis connection drops and comes back', () => {
  it('fails open while the connection is down and returns to Redis when it is back', async () => {
    const proxy = new TcpProxy(new URL(TEST_REDIS_URL));
    await proxy.start();
    const key = `rpm:${randomUUID()}`;
    const backend = track(
      new FallbackBackend({ primary: new RedisBackend({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: KEY_PREFIX }), policy: 'fail-open' }),
    );
    const direct = track(new RedisBackend({ url: TEST_REDIS_URL, keyPrefix: KEY_PREFIX }));
    try {
      expect(await backend.consumeWindow(key, 1, 10, 60_000)).toMatchObject({ allowed: true, used: 1 });

      await proxy.stop();
      await vi.waitFor(async () => {
        await backend.current(key);
        expect(backend.primaryState).toBe('down');
      });
      expect(await backend.consumeWindow(key, 1, 10, 60_000)).toMatchObject({ allowed: true, used: 1 });
      expect(await direct.current(key)).toBe(1);

      await proxy.start();
      await vi.waitFor(
        async () => {
          await backend.current(key);
          expect(backend.primaryState).toBe('up');
        },
        { timeout: 5000, interval: 50 },
      );
      expect(await backend.consumeWindow(key, 1, 10, 60_000)).toMatchObject({ allowed: true, used: 2 });
      expect(await direct.current(key)).toBe(2);
    } finally {
      await proxy.stop();
    }
  });
});

afterAll(async () => {
  if (redisReachable) await deleteRedisKeys(KEY_PREFIX);
});

/** A backend whose calls (but `close`) fail with `failure` (Redis unreachable by default) while `down` is set. */
function flaky(inner: QuotaBackend): { backend: QuotaBackend; down: boolean; failure: Error } {
  const control = { down: false, failure: new BackendUnavailableError('Redis is unreachable: test') as Error, backend: inner };
  control.backend = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return async (...args: unknown[]) => {
        if (control.down) throw control.failure;
        return (value as (...values: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return control;
}

/** A TCP proxy to Redis that can drop every connection and come back on the same port. */
class TcpProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on: bound once by the system, then released. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
