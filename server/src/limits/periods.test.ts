import { describe, expect, it } from 'vitest';
import { dayPeriod, monthPeriod } from './periods.js';

describe('periods', () => {
  it('names the UTC day and month of any moment, also when moments go back and forth across their edges', () => {
    const lastMillisecond = Date.UTC(2026, 11, 31, 23, 59, 59, 999);
    const moments = [lastMillisecond, lastMillisecond + 1, lastMillisecond, Date.UTC(2026, 1, 28, 12), Date.UTC(2027, 0, 1), Date.UTC(2026, 1, 28, 12)];
    const days = moments.map((now) => ({ ...dayPeriod(now) }));
    const months = moments.map((now) => ({ ...monthPeriod(now) }));
    expect(days.map((day) => day.id)).toEqual(['2026-12-31', '2027-01-01', '2026-12-31', '2026-02-28', '2027-01-01', '2026-02-28']);
    expect(days[0]?.end).toBe(lastMillisecond + 1);
    expect(days[1]?.end).toBe(Date.UTC(2027, 0, 2));
    expect(months.map((month) => month.id)).toEqual(['2026-12', '2027-01', '2026-12', '2026-02', '2027-01', '2026-02']);
    expect(months[3]?.end).toBe(Date.UTC(2026, 2, 1));
  });
});
