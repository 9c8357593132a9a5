import type { ServerResponse } from 'node:http';
import type { GenerationProbe, GenerationStore } from './generations.js';

/**
 * Watches a response for the client hanging up before the end: marks the probe the moment it happens and
 * wakes any pause, so a generation stops at once instead of at its next scheduled token.
 */
export class ConnectionWatch {
  closed = false;
  readonly #wakers = new Set<() => void>();

  constructor(res: ServerResponse, probe: GenerationProbe, generations: GenerationStore) {
    res.on('close', () => {
      // Ended by the emulator, not the client. (Over HTTP/2 a reset stream also reads as finished, so not that flag.)
      if (res.writableEnded) return;
      this.closed = true;
      generations.clientClosed(probe);
      for (const wake of this.#wakers) wake();
      this.#wakers.clear();
    });
  }

  /** Waits `ms`, or less if the client hangs up; resolves `false` when it did. */
  pause(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.#wakers.delete(wake);
        resolve(!this.closed);
      }, ms);
      this.#wakers.add(wake);
    });
  }
}

/** When token `index` (0-based) is due: the first after `ttftMs`, the rest `1000 / tps` apart. */
export function tokenDueAt(start: number, ttftMs: number, tokensPerSecond: number, index: number): number {
  return tokensPerSecond > 0 ? start + ttftMs + (index * 1000) / tokensPerSecond : start + ttftMs;
}
