/** The state of a circuit breaker: closed (calls go through), open (they go to the fallbacks), half open (one probe). */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** A circuit breaker of one upstream model or provider, as `GET /api/ai/models/health` lists it. */
export interface CircuitInfo {
  scope: 'model' | 'provider';
  name: string;
  state: CircuitState;
  /** Consecutive failures counted while closed. */
  failures: number;
  /** ISO 8601. */
  openedAt: string | null;
  /** When an open circuit lets a probe through (ISO 8601). */
  retryAt: string | null;
}

/** How one model served a project over a window, from the usage ledger (`GET /api/ai/models/performance`). */
export interface ModelPerformance {
  model: string;
  provider: string | null;
  /** Requests that reached the model (answered or failed; cancelled and refused ones are apart). */
  requests: number;
  errors: number;
  cancelled: number;
  /** errors / requests; null without requests. */
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  timeToFirstTokenP50Ms: number | null;
  timeToFirstTokenP95Ms: number | null;
  /** Median of each answer's completion tokens over the time after its first token (the whole latency when not streamed). */
  tokensPerSecond: number | null;
  costUsd: number;
  costPerRequestUsd: number | null;
}

/** The windows `GET /api/ai/models/health` and `…/performance` take (`?window=`). */
export type ModelHealthWindow = '15m' | '1h' | '24h' | '7d' | '30d';

/** `GET /api/ai/models/health`: the circuits, and each model's figures with the state of its circuit. */
export interface ModelHealthReport {
  from: string;
  to: string;
  /** The breakers' settings, when they are on. */
  circuitBreakers: { enabled: boolean; failureThreshold?: number; providerFailureThreshold?: number; openMs?: number; probeMs?: number };
  circuits: CircuitInfo[];
  models: Array<ModelPerformance & { circuit: CircuitState }>;
}

/** What kind of failure an error is, for filtering: the model provider's, a timeout, a limit, the request's own, or ours. */
export type GatewayErrorClass = 'upstream' | 'timeout' | 'rate_limit' | 'limit' | 'request' | 'auth' | 'internal';

/** One recent error of the gateway (`GET /api/ai/errors`): codes and names, never a prompt or a key. */
export interface GatewayErrorEntry {
  /** ISO 8601. */
  at: string;
  requestId: string;
  /** `attempt`: one call to OpenRouter failed (perhaps retried or replaced by a fallback); `request`: the request failed. */
  kind: 'attempt' | 'request';
  class: GatewayErrorClass;
  /** The gateway's error code, as the API answers it (`upstream_timeout`, `quota_exceeded`…). */
  code: string;
  endpoint: string;
  feature: string | null;
  /** The model called (for an attempt) or requested (for a request). */
  model: string;
}
