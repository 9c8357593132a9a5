import { describe, expect, it } from 'vitest';
import { NotifiedCache } from './notified-cache.js';

/** A database read the test resolves or fails by hand, counting how many were made. */
function controlledLoad() {
  const pending: Array<{ key: string; resolve(value: string): void; reject(error: Error): void }> = [];
  let reads = 0;
  return {
    load: (key: string) =>
      new Promise<string>((resolve, reject) => {
        reads += 1;
        pending.push({ key, resolve, reject });
      }),
    next: () => pending.shift()!,
    get reads() {
      return reads;
    },
  };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('NotifiedCache', () => {
  it('serves a value for its TTL, then reads again', async () => {
    let clock = 0;
    const db = controlledLoad();
    const cache = new NotifiedCache({ ttlMs: 100, load: db.load, now: () => clock });
    const first = cache.get('p');
    db.next().resolve('v1');
    expect(await first).toBe('v1');
    clock = 99;
    expect(await cache.get('p')).toBe('v1');
    expect(db.reads).toBe(1);
    clock = 100;
    const second = cache.get('p');
    db.next().resolve('v2');
    expect(await second).toBe('v2');
  });

  it('shares one read between concurrent misses of a key', async () => {
    const db = controlledLoad();
    const cache = new NotifiedCache({ ttlMs: 1_000, load: db.load });
    const reads = [cache.get('p'), cache.get('p'), cache.get('p')];
    await settle();
    expect(db.reads).toBe(1);
    db.next().resolve('v');
    expect(await Promise.all(reads)).toEqual(['v', 'v', 'v']);
  });

  it('drops a value at once on invalidation, and never caches a read that raced the invalidation', async () => {
    const db = controlledLoad();
    const cache = new NotifiedCache({ ttlMs: 60_000, load: db.load });
    const before = cache.get('p');
    await settle();
    cache.invalidate('p');
    // A read that starts after the invalidation does not join the one that started before it.
    const after = cache.get('p');
    await settle();
    expect(db.reads).toBe(2);
    const [raced, fresh] = [db.next(), db.next()];
    // The newer read answers first; the raced one arrives last and must not overwrite it.
    fresh.resolve('new');
    expect(await after).toBe('new');
    raced.resolve('old');
    expect(await before).toBe('old');
    expect(await cache.get('p')).toBe('new');
    // The raced read was not cached over the newer value, and only the newer read was stored.
    expect(db.reads).toBe(2);
    cache.invalidateAll();
    const again = cache.get('p');
    db.next().resolve('newest');
    expect(await again).toBe('newest');
  });

  it('serves the last known value while the database is down (reported once per outage, not per key or read), and errors when there is none', async () => {
    let clock = 0;
    const db = controlledLoad();
    const stale: string[] = [];
    const cache = new NotifiedCache({ ttlMs: 10, load: db.load, now: () => clock, onStale: (key) => stale.push(key) });
    for (const key of ['p', 'r']) {
      const first = cache.get(key);
      db.next().resolve('known');
      await first;
    }
    clock = 50;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      for (const key of ['p', 'r']) {
        const read = cache.get(key);
        db.next().reject(new Error('database down'));
        expect(await read).toBe('known');
      }
    }
    const unknown = cache.get('q');
    db.next().reject(new Error('database down'));
    await expect(unknown).rejects.toThrow('database down');
    expect(stale).toEqual(['p']);
    // Back up: fresh values again, and a later outage is reported again.
    const back = cache.get('p');
    db.next().resolve('fresh');
    expect(await back).toBe('fresh');
    clock = 100;
    const down = cache.get('p');
    db.next().reject(new Error('down again'));
    expect(await down).toBe('fresh');
    expect(stale).toEqual(['p', 'p']);
  });

  it('does not cache a raced read even when its key was dropped for room meanwhile', async () => {
    let clock = 0;
    const db = controlledLoad();
    const cache = new NotifiedCache({ ttlMs: 10, maxEntries: 1, load: db.load, now: () => clock });
    const first = cache.get('a');
    db.next().resolve('v1');
    await first;
    clock = 20;
    const raced = cache.get('a');
    await settle();
    cache.invalidate('a');
    // Reading another key makes room by dropping 'a' while its raced read is still running.
    const other = cache.get('b');
    await settle();
    const [racedRead, otherRead] = [db.next(), db.next()];
    otherRead.resolve('b1');
    await other;
    racedRead.resolve('stale');
    expect(await raced).toBe('stale');
    const again = cache.get('a');
    await settle();
    expect(db.reads).toBe(4);
    db.next().resolve('v2');
    expect(await again).toBe('v2');
  });

  it('keeps at most maxEntries values, dropping the oldest', async () => {
    const cache = new NotifiedCache({ ttlMs: 60_000, maxEntries: 2, load: async (key: string) => `${key}@${Math.random()}` });
    const a = await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    expect(await cache.get('a')).not.toBe(a);
  });
});
