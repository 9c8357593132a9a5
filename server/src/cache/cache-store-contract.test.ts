import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/redis.js';
import { MemoryCacheStore, type CacheStore } from './cache-store.js';
import { RedisCacheStore } from './redis-cache-store.js';

const PREFIX = `insforge-ai-test:cache:${randomUUID()}:`;
afterAll(() => deleteRedisKeys(PREFIX));

const implementations: Array<[string, () => CacheStore]> = [
  ['memory', () => new MemoryCacheStore()],
  ['redis', () => new RedisCacheStore({ url: TEST_REDIS_URL, keyPrefix: `${PREFIX}${randomUUID()}:` })],
];

describe.each(implementations)('the %s cache store', (_name, create) => {
  it('returns what was stored, and nothing for a key never stored', async () => {
    const store = create();
    await store.set('a', '{"answer":"é"}', 60_000);
    expect(await store.get('a')).toBe('{"answer":"é"}');
    expect(await store.get('b')).toBeUndefined();
    await store.close();
  });

  it('replaces a value and forgets a deleted key', async () => {
    const store = create();
    await store.set('a', 'one', 60_000);
    await store.set('a', 'two', 60_000);
    expect(await store.get('a')).toBe('two');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
    await store.close();
  });

  it('forgets every key under a prefix, and only those, counting them', async () => {
    const store = create();
    await store.set('p1:chat:a', 'x', 60_000);
    await store.set('p1:chat:b', 'x', 60_000);
    await store.set('p1:code:a', 'x', 60_000);
    await store.set('p2:chat:a', 'x', 60_000);
    await store.set('p1*:chat:a', 'x', 60_000);
    expect(await store.deletePrefix('p1:chat:')).toBe(2);
    expect(await store.get('p1:chat:a')).toBeUndefined();
    expect(await store.get('p1:code:a')).toBe('x');
    // Glob characters in a prefix match only themselves.
    expect(await store.deletePrefix('p1*')).toBe(1);
    expect(await store.get('p2:chat:a')).toBe('x');
    expect(await store.deletePrefix('p1:')).toBe(1);
    expect(await store.deletePrefix('p1:')).toBe(0);
    await store.close();
  });

  it('forgets a value once its time to live has passed', async () => {
    const store = create();
    await store.set('short', 'x', 30);
    await store.set('long', 'y', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toBe('y');
    await store.close();
  });
});

describe('the in-process cache store', () => {
  it('stays within its byte budget by evicting the least recently used entries', async () => {
    const store = new MemoryCacheStore({ maxBytes: 100 });
    await store.set('a', 'x'.repeat(40), 60_000);
    await store.set('b', 'x'.repeat(40), 60_000);
    await store.get('a');
    await store.set('c', 'x'.repeat(40), 60_000);
    expect(store.bytes).toBeLessThanOrEqual(100);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('x'.repeat(40));
    expect(await store.get('c')).toBe('x'.repeat(40));
  });

  it('does not keep a value larger than the whole budget', async () => {
    const store = new MemoryCacheStore({ maxBytes: 10 });
    await store.set('big', 'x'.repeat(20), 60_000);
    expect(await store.get('big')).toBeUndefined();
    expect(store.bytes).toBe(0);
  });
});
