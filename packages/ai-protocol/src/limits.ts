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

/**
 * `POST /api/ai/estimate` (a chat request as body): what the gateway would reserve for it at most, without calling
 * OpenRouter, and whether every limit that applies to the caller has room for it.
 */
export interface EstimateResponse {
  /** The feature the request names (absent for a raw model id). */
  feature?: string;
  /** The worst case the request may consume: prompt, attachments and fees, `max_tokens` and the reasoning budget. */
  estimate: { tokens: number; costUsd: number };
  /** Every limit that applies, as `GET /api/ai/limits` reports it. */
  limits: LimitStatus[];
  /**
   * True when every limit has room for the estimate (and a request a minute, and one more at a time) and the project
   * is not stopped.
   */
  admitted: boolean;
  /** The first limit without room, when not admitted (null when only the emergency stop refuses it). */
  blockedBy: LimitStatus | null;
  /** An administrator's emergency stop, as `GET /api/ai/limits` reports it: the request would be refused (503). */
  stopped: boolean;
  stopReason: string | null;
}
