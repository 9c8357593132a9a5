import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { GatewayError } from '../errors.js';
import { UpstreamFailure } from '../upstream/upstream-errors.js';
import { CircuitBreakers, MemoryCircuitStore, type CircuitEvent, type CircuitStore } from './circuit-breaker.js';
import { RedisCircuitStore } from './redis-circuit-store.js';

const PREFIX = `test:circuit:${randomUUID()}:`;
const stores: CircuitStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  await deleteRedisKeys(PREFIX);
});

const serverError = () => ({ ok: false as const, aborted: false, failure: new UpstreamFailure(new GatewayError('upstream_error', 'The model provider returned an error.'), true, true) });
const badInput = () => ({ ok: false as const, aborted: false, failure: new UpstreamFailure(new GatewayError('invalid_request', 'bad'), false, false) });

const implementations: Array<[string, () => CircuitStore]> = [
  ['memory', () => new MemoryCircuitStore()],
  ['redis', () => new RedisCircuitStore({ url: TEST_REDIS_URL, keyPrefix: `${PREFIX}${randomUUID()}:` })],
];

describe.each(implementations)('circuit store contract (%s)', (_name, create) => {
  const make = () => {
    const store = create();
    stores.push(store);
    return store;
  };

  it('opens after the threshold of consecutive failures, and a success in between starts the count again', async () => {
    const store = make();
    expect(await store.failure('model:a', 1_000, 3, 10_000)).toBe('counted');
    expect(await store.failure('model:a', 1_000, 3, 10_000)).toBe('counted');
    expect(await store.success('model:a', 1_000)).toBe(false);
    expect(await store.failure('model:a', 1_000, 3, 10_000)).toBe('counted');
    expect(await store.failure('model:a', 1_000, 3, 10_000)).toBe('counted');
    expect(await store.admit('model:a', 1_000, 5_000)).toBe(true);
    expect(await store.failure('model:a', 1_000, 3, 10_000)).toBe('opened');
    expect(await store.admit('model:a', 1_001, 5_000)).toBe(false);
    expect(await store.failure('model:a', 1_002, 3, 10_000)).toBe('none');
  });

  it('lets one probe through once open time has passed, closes on its success and opens again on its failure', async () => {
    const store = make();
    for (let index = 0; index < 2; index += 1) await store.failure('model:b', 0, 2, 100);
    expect(await store.admit('model:b', 99, 1_000)).toBe(false);
    expect(await store.admit('model:b', 100, 1_000)).toBe(true);
    // The probe is out: everyone else waits for its answer.
    expect(await store.admit('model:b', 101, 1_000)).toBe(false);
    expect(await store.failure('model:b', 150, 2, 100)).toBe('reopened');
    expect(await store.admit('model:b', 200, 1_000)).toBe(false);
    expect(await store.admit('model:b', 250, 1_000)).toBe(true);
    expect(await store.success('model:b', 260)).toBe(true);
    expect(await store.admit('model:b', 261, 1_000)).toBe(true);
    expect(await store.admit('model:b', 262, 1_000)).toBe(true);
  });

  it('lists the circuits that failed with their records', async () => {
    const store = make();
    await store.failure('model:x/one', 5, 1, 50);
    await store.failure('provider:x', 5, 3, 50);
    const listed = Object.fromEntries((await store.list()).map((entry) => [entry.key, entry.record]));
    expect(listed['model:x/one']).toEqual({ failures: 0, openUntil: 55, openedAt: 5, probeUntil: 0 });
    expect(listed['provider:x']).toEqual({ failures: 1, openUntil: 0, openedAt: 0, probeUntil: 0 });
  });
});

describe('CircuitBreakers', () => {
  it('skips a model while its circuit or its provider\'s is open, tells when circuits open and close, and ignores the caller\'s own errors', async () => {
    let now = 0;
    const events: Array<Omit<CircuitEvent, 'at'>> = [];
    const breakers = new CircuitBreakers({ settings: { failureThreshold: 2, providerFailureThreshold: 3, openMs: 1_000 }, now: () => now, onChange: ({ at: _at, ...event }) => events.push(event) });
    await breakers.record('acme/fast', badInput());
    await breakers.record('acme/fast', badInput());
    expect(await breakers.admits('acme/fast')).toBe(true);
    await breakers.record('acme/fast', serverError());
    await breakers.record('acme/fast', { ok: false, aborted: true });
    await breakers.record('acme/fast', serverError());
    expect(events).toEqual([{ scope: 'model', name: 'acme/fast', state: 'open' }]);
    expect(await breakers.admits('acme/fast')).toBe(false);
    expect(await breakers.admits('acme/slow')).toBe(true);
    await breakers.record('acme/slow', serverError());
    expect(events.at(-1)).toEqual({ scope: 'provider', name: 'acme', state: 'open' });
    expect(await breakers.admits('acme/other')).toBe(false);
    expect(await breakers.admits('beta/model')).toBe(true);
    const snapshot = await breakers.snapshot();
    expect(snapshot.map((circuit) => [circuit.scope, circuit.name, circuit.state])).toEqual([
      ['provider', 'acme', 'open'],
      ['model', 'acme/fast', 'open'],
      ['model', 'acme/slow', 'closed'],
    ]);
    now = 1_000;
    expect(await breakers.admits('acme/fast')).toBe(true);
    await breakers.record('acme/fast', { ok: true });
    expect(events.slice(-2)).toEqual([
      { scope: 'model', name: 'acme/fast', state: 'closed' },
      { scope: 'provider', name: 'acme', state: 'closed' },
    ]);
  });

  it('lets calls through when its store fails, and says why', async () => {
    const errors: unknown[] = [];
    const failing: CircuitStore = {
      admit: () => Promise.reject(new Error('store down')),
      failure: () => Promise.reject(new Error('store down')),
      success: () => Promise.reject(new Error('store down')),
      list: async () => [],
      close: async () => undefined,
    };
    const breakers = new CircuitBreakers({ store: failing, onStoreError: (error) => errors.push(error) });
    expect(await breakers.admits('acme/fast')).toBe(true);
    await breakers.record('acme/fast', serverError());
    expect(errors).toHaveLength(2);
  });
});
