import type { LimitKind } from '@insforge/ai-protocol';

/** The period a limit counts over, for "left today", "left this month", "left this minute". */
export type BudgetPeriod = 'day' | 'month' | 'minute';

/** Which period a kind of limit counts over (undefined for requests at once, which are not a period). */
export const periodOf = (kind: LimitKind): BudgetPeriod | undefined =>
  kind === 'spendPerMonthUsd' ? 'month' : kind === 'tokensPerMinute' || kind === 'requestsPerMinute' ? 'minute' : kind === 'concurrentRequests' ? undefined : 'day';

/** Every string `ComposerBudget` shows; pass some of them as `labels` to translate or reword. */
export interface ComposerBudgetLabels {
  /** While the first estimate of a draft is on its way. */
  checking: string;
  /** An amount of money: rounded `up` for what a message may cost, `down` for what is left. */
  money(usd: number, round: 'up' | 'down'): string;
  tokens(count: number): string;
  /** What the message reserves at most: "≤ $0.004". */
  reserve(amount: string): string;
  /** What is left: "$0.83 left today". */
  left(amount: string, period: BudgetPeriod): string;
  /** Between the reserve and what is left. */
  separator: string;
  /** When a limit restarts: "00:00 UTC" within a day, else the day ("1 Jun"). */
  resetTime(at: Date, now: Date): string;
  /** The message may take most of what is left. */
  warn(left: string, period: BudgetPeriod): string;
  /** The message would be refused (402) by a spend (`money`) or token limit. */
  blocked(left: string, period: BudgetPeriod, resets: string, unit: 'money' | 'tokens'): string;
  /** No request is left of a rate limit (429). */
  noRequestsLeft(period: BudgetPeriod, resets: string): string;
  /** Every slot for requests at once is taken. */
  tooManyAtOnce: string;
  /** An administrator stopped all AI traffic of the project. */
  stopped(reason: string | null): string;
  /** Refused by a limit the gateway did not name. */
  refused: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PERIODS: Record<BudgetPeriod, string> = { day: 'today', month: 'this month', minute: 'this minute' };
const two = (value: number) => String(value).padStart(2, '0');

/** Dollars to the cent, below a cent to one significant digit, rounded the way that stays honest. */
function money(usd: number, round: 'up' | 'down'): string {
  if (!Number.isFinite(usd) || usd <= 0) return '$0';
  const step = usd >= 0.01 ? 0.01 : 10 ** Math.floor(Math.log10(usd));
  const rounded = (round === 'up' ? Math.ceil(usd / step - 1e-9) : Math.floor(usd / step + 1e-9)) * step;
  const decimals = Math.max(2, -Math.floor(Math.log10(step) + 1e-9));
  return `$${rounded.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}

export const defaultComposerBudgetLabels: ComposerBudgetLabels = {
  checking: 'Checking what this message may cost…',
  money,
  tokens: (count) => `${Math.round(count).toLocaleString('en-US')} tokens`,
  reserve: (amount) => `≤ ${amount}`,
  left: (amount, period) => `${amount} left ${PERIODS[period]}`,
  separator: ' · ',
  resetTime: (at, now) => (at.getTime() - now.getTime() < 86_400_000 ? `${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC` : `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()] ?? ''}`),
  warn: (left, period) => `This message may use most of the ${left} left ${PERIODS[period]}.`,
  blocked: (left, period, resets, unit) => `This message may ${unit === 'money' ? 'cost' : 'use'} more than the ${left} left ${PERIODS[period]}; resets at ${resets}.`,
  noRequestsLeft: (period, resets) => `No requests left ${PERIODS[period]}; resets at ${resets}.`,
  tooManyAtOnce: 'Another request is still running; send this one when it has finished.',
  stopped: (reason) => `AI is paused for this project by an administrator${reason ? `: ${reason}` : ''}.`,
  refused: 'This message would be refused by a limit of the gateway.',
};
