import type { HeldBudget } from './held-reservations.js';

/**
 * Something given back that never reached Redis, as it was to be sent: a budget's settlement, or a refund of part of
 * a rate window. `epoch` is the epoch of Redis's data it was made in: in other data (Redis lost its data), there is
 * nothing to give it back from.
 */
export type PendingGiveBack =
  | { type: 'settle'; reserved: number; actual: number; budget: HeldBudget; epoch: string | undefined }
  | { type: 'refund'; amount: number; windowMs: number; keptAt: number; epoch: string | undefined };

/**
 * What one instance could not give back to Redis (it was unreachable, and each certainly never reached it), kept in
 * process to be sent once it answers, by counter key in the order it was made. At most `limit` are kept (the oldest
 * goes first), and none past its counter's end (a budget's expiry, a window's length after it was kept); one dropped
 * stays counted, as if it was never kept: a reservation until its period ends, a window's part until it ends.
 *
 * @example
 * const pending = new PendingGiveBacks(10_000);
 * pending.keep(hash, { type: 'settle', reserved: 600, actual: 200, budget, epoch });
 * for (const { key, giveBack } of pending.takeAll(Date.now())) await send(key, giveBack);
 */
export class PendingGiveBacks {
  #kept: Array<{ key: string; giveBack: PendingGiveBack }> = [];
  /** How many of `#kept` are of each key. */
  readonly #byKey = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** How many are kept. */
  get size(): number {
    return this.#kept.length;
  }

  /** Whether any is kept for the counter `key`: what is given back to it later waits behind them. */
  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  keep(key: string, giveBack: PendingGiveBack): void {
    this.#kept.push({ key, giveBack });
    this.#byKey.set(key, (this.#byKey.get(key) ?? 0) + 1);
    this.#trim();
  }

  /** Takes every one whose counter has not ended by `now`, in the order kept. */
  takeAll(now: number): Array<{ key: string; giveBack: PendingGiveBack }> {
    const taken = this.#kept.filter(({ giveBack }) => (giveBack.type === 'settle' ? giveBack.budget.expireAt : giveBack.keptAt + giveBack.windowMs) > now);
    this.#kept = [];
    this.#byKey.clear();
    return taken;
  }

  /** Puts back, in front of any kept since, what was taken and again could not be sent (in the order taken). */
  putBack(taken: ReadonlyArray<{ key: string; giveBack: PendingGiveBack }>): void {
    if (taken.length === 0) return;
    this.#kept = [...taken, ...this.#kept];
    for (const { key } of taken) this.#byKey.set(key, (this.#byKey.get(key) ?? 0) + 1);
    this.#trim();
  }

  #trim(): void {
    while (this.#kept.length > this.limit) {
      const { key } = this.#kept.shift() as { key: string };
      const left = (this.#byKey.get(key) ?? 1) - 1;
      if (left > 0) this.#byKey.set(key, left);
      else this.#byKey.delete(key);
    }
  }
}
