/** What a scope can cap; absent from a scope's settings means unlimited. */
export type LimitKind = 'requestsPerMinute' | 'tokensPerMinute' | 'concurrentRequests' | 'tokensPerDay' | 'spendPerDayUsd' | 'spendPerMonthUsd';

/** Whose limit it is: the project's, one feature's, or one user's. */
export type LimitScope = 'project' | 'feature' | 'user';

/** One limit that applies to the caller, and where they stand against it. Amounts of money are USD. */
export interface LimitStatus {
  scope: LimitScope;
  /** The feature name or user id the limit belongs to, where the scope has one. */
  target: string | null;
  kind: LimitKind;
  limit: number;
  used: number;
  remaining: number;
  /** When the window or period restarts (ISO 8601). */
  resetsAt: string;
}

/** `GET /api/ai/limits?feature=`: every limit that applies to the caller, and whether the project is stopped. */
export interface LimitsResponse {
  data: LimitStatus[];
  /** An administrator's emergency stop: every AI request of the project is refused while it is on. */
  stopped: boolean;
  stopReason: string | null;
}
