/** UTC calendar periods that daily and monthly budgets reset on. */
export interface Period {
  /** `2026-11-21` or `2026-11`. */
  id: string;
  /** Epoch milliseconds of its start. */
  start: number;
  /** Epoch milliseconds of the next period's start. */
  end: number;
}

// The last period each function computed: every request asks for the current one, and it changes once a day (month).
let lastDay: Period | undefined;
let lastMonth: Period | undefined;

export function dayPeriod(now: number): Period {
  if (lastDay && now >= lastDay.start && now < lastDay.end) return lastDay;
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
  lastDay = Object.freeze({ id: date.toISOString().slice(0, 10), end, start });
  return lastDay;
}

export function monthPeriod(now: number): Period {
  if (lastMonth && now >= lastMonth.start && now < lastMonth.end) return lastMonth;
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  lastMonth = Object.freeze({ id: date.toISOString().slice(0, 7), end, start });
  return lastMonth;
}
