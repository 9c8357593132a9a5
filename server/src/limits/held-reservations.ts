/** Where a held reservation's budget is: its period's end, its pointer (`current`), and when its hash expires. */
export interface HeldBudget {
  pointer: string;
  periodEnd: number;
  expireAt: number;
}

/**
 * What one instance holds reserved in shared budgets (by budget hash), so that what a Redis that keeps nothing on disk
 * loses in a restart can be reserved again: the reservations of requests still in flight, which the usage ledger does
 * not hold yet. A reservation counts here once Redis said it was taken, and stops counting when its settlement is sent:
 * commands on one connection run in the order they were sent, so a settlement sent before a reservation is made again
 * gives back nothing it made, and one sent after gives back what it made.
 *
 * @example
 * const held = new HeldReservations();
 * held.reserved(hash, 600, { pointer, periodEnd, expireAt });
 * held.lose(Date.now()); // Redis came back without its data
 * const again = held.takeAllLost(); // [{ hash, amount: 600, budget }], reserved again at once
 */
export class HeldReservations {
  /** Reserved and not settled yet, with when its budget expires (an entry of a past period goes at the next loss). */
  readonly #held = new Map<string, { amount: number; budget: HeldBudget }>();
  /** Of `#held`, what Redis lost and was not reserved again yet. */
  readonly #lost = new Map<string, number>();

  /** Redis took `amount` in the budget `hash`. */
  reserved(hash: string, amount: number, budget: HeldBudget): void {
    if (amount <= 0) return;
    const entry = this.#held.get(hash);
    if (entry === undefined) this.#held.set(hash, { amount, budget });
    else entry.amount += amount;
  }

  /**
   * A settlement of `amount` reserved in `hash` is sent: answers the part of it the counter holds (what was lost and
   * not reserved again is not there to give back; giving it back would free another request's reservation).
   */
  settled(hash: string, amount: number): number {
    const entry = this.#held.get(hash);
    if (entry !== undefined) {
      entry.amount -= amount;
      if (entry.amount <= 0) this.#held.delete(hash);
    }
    const lost = this.#lost.get(hash);
    if (lost === undefined) return amount;
    const missing = Math.min(lost, amount);
    if (lost > missing) this.#lost.set(hash, lost - missing);
    else this.#lost.delete(hash);
    return amount - missing;
  }

  /** Redis lost its data: everything held is to be reserved again. */
  lose(now: number): void {
    this.#lost.clear();
    for (const [hash, { amount, budget }] of this.#held) {
      if (budget.expireAt <= now) this.#held.delete(hash);
      else this.#lost.set(hash, amount);
    }
  }

  /** What to reserve again in `hash` now (the command that does it is being sent); 0 when nothing is. */
  takeLost(hash: string): number {
    const lost = this.#lost.get(hash);
    if (lost === undefined) return 0;
    this.#lost.delete(hash);
    return lost;
  }

  /** Everything to reserve again now, budget by budget (the commands that do it are being sent). */
  takeAllLost(): Array<{ hash: string; amount: number; budget: HeldBudget }> {
    const lost: Array<{ hash: string; amount: number; budget: HeldBudget }> = [];
    for (const [hash, amount] of this.#lost) {
      const budget = this.#held.get(hash)?.budget;
      if (budget !== undefined) lost.push({ hash, amount, budget });
    }
    this.#lost.clear();
    return lost;
  }

  /** A command that was to reserve `amount` again failed: it is to be reserved again later, as far as it is still held. */
  keepLost(hash: string, amount: number): void {
    const held = this.#held.get(hash)?.amount ?? 0;
    const lost = Math.min(held, (this.#lost.get(hash) ?? 0) + amount);
    if (lost > 0) this.#lost.set(hash, lost);
  }
}
