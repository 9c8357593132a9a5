/** UTC calendar periods that daily and monthly budgets reset on. */
export interface Period {
  /** `2026-11-21` or `2026-11`. */
  id: string;
  /** Epoch milliseconds of the next period's start. */
  end: number;
}

export function dayPeriod(now: number): Period {
  const date = new Date(now);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  return { id: date.toISOString().slice(0, 10), end };
}

export function monthPeriod(now: number): Period {
  const date = new Date(now);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { id: date.toISOString().slice(0, 7), end };
}
