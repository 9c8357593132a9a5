import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openWithRetry, OpeningStoppedError } from './retried-opening.js';

const refused = () => new Error('connect ECONNREFUSED 127.0.0.1:5432');

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an opening that fails', () => {
  it('tries again after a wait that doubles up to its cap, and opens on the first try that succeeds', async () => {
    let tries = 0;
    const waits: Array<number | undefined> = [];
    const opening = openWithRetry(
      async () => {
        tries += 1;
        if (tries < 7) throw refused();
        return 'stores';
      },
      { retry: { initialDelayMs: 1_000, maxDelayMs: 8_000 }, onFailure: (_error, _tries, retryInMs) => waits.push(retryInMs), discard: async () => undefined },
    );
    const state = await opening.settled();
    expect(state).toMatchObject({ status: 'failed', tries: 1 });
    for (let step = 0; step < 6; step += 1) await vi.runOnlyPendingTimersAsync();
    await expect(opening.opened).resolves.toBe('stores');
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(opening.state()).toEqual({ status: 'open', value: 'stores' });
  });

  it('without retries, fails once and for good', async () => {
    const waits: Array<number | undefined> = [];
    const opening = openWithRetry(() => Promise.reject(refused()), { retry: false, onFailure: (_error, _tries, retryInMs) => waits.push(retryInMs), discard: async () => undefined });
    await expect(opening.opened).rejects.toThrow('ECONNREFUSED');
    expect(await opening.settled()).toMatchObject({ status: 'failed', tries: 1, retryAt: undefined });
    expect(waits).toEqual([undefined]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up at once on a failure that waiting cannot mend', async () => {
    const waits: Array<number | undefined> = [];
    const opening = openWithRetry(() => Promise.reject(new Error('The SQLite database needs the better-sqlite3 package')), {
      retry: { initialDelayMs: 1_000, maxDelayMs: 8_000 },
      onFailure: (_error, _tries, retryInMs) => waits.push(retryInMs),
      discard: async () => undefined,
      retryable: (error) => (error as Error).message.includes('ECONNREFUSED'),
    });
    await expect(opening.opened).rejects.toThrow('better-sqlite3');
    expect(waits).toEqual([undefined]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stopped while it waits, tries no more and fails', async () => {
    let tries = 0;
    const opening = openWithRetry(
      async () => {
        tries += 1;
        throw refused();
      },
      { retry: { initialDelayMs: 1_000, maxDelayMs: 30_000 }, onFailure: () => undefined, discard: async () => undefined },
    );
    await opening.settled();
    opening.stop();
    await expect(opening.opened).rejects.toThrow('ECONNREFUSED');
    await vi.runAllTimersAsync();
    expect(tries).toBe(1);
    expect(opening.state()).toMatchObject({ status: 'failed', retryAt: undefined });
  });

  it('stopped during a try that then opens, discards what it opened', async () => {
    let finish!: (value: string) => void;
    const discarded: string[] = [];
    const opening = openWithRetry(() => new Promise<string>((resolve) => (finish = resolve)), {
      retry: { initialDelayMs: 1_000, maxDelayMs: 30_000 },
      onFailure: () => undefined,
      discard: async (value) => void discarded.push(value),
    });
    opening.stop();
    finish('stores');
    await expect(opening.opened).rejects.toBeInstanceOf(OpeningStoppedError);
    expect(discarded).toEqual(['stores']);
    expect(await opening.settled()).toMatchObject({ status: 'failed' });
  });
});
