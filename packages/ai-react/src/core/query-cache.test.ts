import { afterEach, describe, expect, it, vi } from 'vitest';
import { AiError } from './errors.js';
import { createQueryCache } from './query-cache.js';

/** A fetcher whose answers the test releases one by one, counting the requests made. */
function deferredFetcher<T>() {
  const pending: Array<{ resolve: (value: T) => void; reject: (error: unknown) => void; signal: AbortSignal }> = [];
  const fetcher = vi.fn(
    (signal: AbortSignal) =>
      new Promise<T>((resolve, reject) => {
        pending.push({ resolve, reject, signal });
      }),
  );
  return { fetcher, pending };
}

afterEach(() => vi.useRealTimers());

describe('createQueryCache', () => {
  it('shares one request between callers asking for the same key at the same time', async () => {
    const queries = createQueryCache();
    const { fetcher, pending } = deferredFetcher<string[]>();
    const first = queries.entry<string[]>(['models', 'auto', 'text']).fetch(fetcher);
    const second = queries.entry<string[]>(['models', 'auto', 'text']).fetch(fetcher);
    expect(queries.entry(['models', 'auto', 'text']).store.getState().status).toBe('loading');
    pending[0]!.resolve(['a', 'b']);
    expect(await first).toEqual(['a', 'b']);
    expect(await second).toEqual(['a', 'b']);
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('keeps entries of different keys apart', async () => {
    const queries = createQueryCache();
    await queries.entry<string>(['models', 'auto', 'text']).fetch(async () => 'text models');
    await queries.entry<string>(['models', 'auto', 'image']).fetch(async () => 'image models');
    expect(queries.entry<string>(['models', 'auto', 'text']).store.getState().data).toBe('text models');
    expect(queries.entry<string>(['models', 'auto', 'image']).store.getState().data).toBe('image models');
    expect(queries.keys()).toEqual([
      ['models', 'auto', 'text'],
      ['models', 'auto', 'image'],
    ]);
  });

  it('serves a fresh value without a request, and reads again once it is stale or when forced', async () => {
    let time = 1_000;
    const queries = createQueryCache({ staleMs: 100, now: () => time });
    const fetcher = vi.fn(async () => time);
    const entry = queries.entry<number>(['usage']);
    expect(await entry.fetch(fetcher)).toBe(1_000);
    time += 99;
    expect(await entry.fetch(fetcher)).toBe(1_000);
    expect(fetcher).toHaveBeenCalledTimes(1);
    time += 1;
    expect(await entry.fetch(fetcher)).toBe(1_100);
    expect(await entry.fetch(fetcher, { force: true })).toBe(1_100);
    expect(fetcher).toHaveBeenCalledTimes(3);
    // A caller may ask for its own freshness (0: read at every mount).
    expect(await entry.fetch(fetcher, { staleMs: 0 })).toBe(1_100);
    expect(fetcher).toHaveBeenCalledTimes(4);
  });

  it('invalidates by prefix: observed entries are read again now, the others on their next read', async () => {
    const queries = createQueryCache();
    let version = 1;
    const text = queries.entry<string>(['models', 'auto', 'text']);
    const image = queries.entry<string>(['models', 'auto', 'image']);
    const usage = queries.entry<string>(['usage']);
    const read = (name: string) => vi.fn(async () => `${name} v${version}`);
    const readText = read('text');
    const readImage = read('image');
    const readUsage = read('usage');
    await Promise.all([text.fetch(readText), image.fetch(readImage), usage.fetch(readUsage)]);
    const stop = text.observe();
    version = 2;
    expect(queries.invalidate(['models'])).toBe(2);
    await vi.waitFor(() => expect(text.store.getState().data).toBe('text v2'));
    // Not observed: still the old value, until someone reads it.
    expect(image.store.getState().data).toBe('image v1');
    expect(readImage).toHaveBeenCalledTimes(1);
    expect(await image.fetch(readImage)).toBe('image v2');
    // Outside the prefix: untouched, and still fresh.
    expect(await usage.fetch(readUsage)).toBe('usage v1');
    expect(readUsage).toHaveBeenCalledTimes(1);
    stop();
  });

  it('keeps the last value through a failed read, with the error; a failed write answers undefined and changes nothing', async () => {
    const queries = createQueryCache({ admin: (key) => key[0] === 'admin' });
    const entry = queries.entry<string>(['admin', 'provider-key']);
    await entry.fetch(async () => 'sk-or-v1-…abcd');
    expect(await entry.fetch(async () => Promise.reject(new AiError({ code: 'offline', message: 'offline' })), { force: true })).toBe('sk-or-v1-…abcd');
    expect(entry.store.getState()).toMatchObject({ status: 'error', data: 'sk-or-v1-…abcd', error: { code: 'offline' } });
    expect(await entry.write(async () => Promise.reject(new AiError({ code: 'provider_key_invalid', message: 'refused' })))).toBeUndefined();
    expect(entry.store.getState()).toMatchObject({ status: 'error', data: 'sk-or-v1-…abcd', error: { code: 'provider_key_invalid' } });
    expect(await entry.write(async () => 'sk-or-v1-…wxyz')).toBe('sk-or-v1-…wxyz');
    expect(entry.store.getState()).toMatchObject({ status: 'ready', data: 'sk-or-v1-…wxyz', error: undefined });
  });

  it('a write wins over a read under way: the read is aborted and its late answer ignored', async () => {
    const queries = createQueryCache();
    const entry = queries.entry<string>(['limits']);
    const { fetcher, pending } = deferredFetcher<string>();
    const reading = entry.fetch(fetcher);
    const writing = entry.write(async () => 'written');
    expect(pending[0]!.signal.aborted).toBe(true);
    expect(await writing).toBe('written');
    pending[0]!.resolve('read late');
    await reading;
    expect(entry.store.getState().data).toBe('written');
    // A read asked for while a write runs is the write.
    const { fetcher: slowWrite, pending: writes } = deferredFetcher<string>();
    const rewriting = entry.write(slowWrite);
    const readMeanwhile = entry.fetch(async () => 'read', { force: true });
    writes[0]!.resolve('written again');
    expect(await rewriting).toBe('written again');
    expect(await readMeanwhile).toBe('written again');
  });

  it('forgets an entry nobody has observed for gcMs, aborting its request', async () => {
    vi.useFakeTimers();
    const queries = createQueryCache({ gcMs: 1_000 });
    const entry = queries.entry<string>(['usage', 'day']);
    const { fetcher, pending } = deferredFetcher<string>();
    const stopFirst = entry.observe();
    const stopSecond = entry.observe();
    void entry.fetch(fetcher);
    stopFirst();
    stopFirst();
    vi.advanceTimersByTime(5_000);
    expect(queries.keys()).toHaveLength(1);
    stopSecond();
    vi.advanceTimersByTime(999);
    expect(queries.keys()).toHaveLength(1);
    // Observed again in time: kept.
    const stopThird = entry.observe();
    vi.advanceTimersByTime(5_000);
    expect(queries.keys()).toHaveLength(1);
    stopThird();
    vi.advanceTimersByTime(1_000);
    expect(queries.keys()).toEqual([]);
    expect(pending[0]!.signal.aborted).toBe(true);
    // Asked for again, a new entry starts empty.
    expect(queries.entry<string>(['usage', 'day']).store.getState()).toMatchObject({ status: 'idle', data: undefined });
  });
});
