import { requestJson, type RequestOptions, type Transport } from './http-transport.js';

/** A circuit breaker of one upstream model or provider. */
export interface CircuitInfo {
  scope: 'model' | 'provider';
  name: string;
  state: 'closed' | 'open' | 'half_open';
  failures: number;
  openedAt: string | null;
  /** When an open circuit lets a probe through. */
  retryAt: string | null;
}

/** How one model served the project over a window (from the usage ledger). */
export interface ModelPerformanceRow {
  model: string;
  provider: string | null;
  requests: number;
  errors: number;
  cancelled: number;
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  timeToFirstTokenP50Ms: number | null;
  timeToFirstTokenP95Ms: number | null;
  tokensPerSecond: number | null;
  costUsd: number;
  costPerRequestUsd: number | null;
}

/** `GET /api/ai/models/health`: circuits, and each model's figures with the state of its circuit. */
export interface ModelHealthReport {
  from: string;
  to: string;
  circuitBreakers: { enabled: boolean; failureThreshold?: number; openMs?: number };
  circuits: CircuitInfo[];
  models: Array<ModelPerformanceRow & { circuit: CircuitInfo['state'] }>;
}

export type ModelHealthWindow = '15m' | '1h' | '24h' | '7d' | '30d';

/** One recent error of the gateway (`GET /api/ai/errors`): codes and names, never a prompt. */
export interface GatewayErrorEntry {
  at: string;
  requestId: string;
  /** `attempt`: one call to OpenRouter failed (perhaps retried or replaced by a fallback); `request`: the request failed. */
  kind: 'attempt' | 'request';
  class: 'upstream' | 'timeout' | 'rate_limit' | 'limit' | 'request' | 'auth' | 'internal';
  code: string;
  endpoint: string;
  feature: string | null;
  model: string;
}

export interface OperationsApi {
  /** `admin_unavailable` until the server has the route. */
  modelHealth(params?: { window?: ModelHealthWindow | undefined; feature?: string | undefined }, options?: RequestOptions): Promise<ModelHealthReport>;
  errors(params?: { limit?: number | undefined; class?: GatewayErrorEntry['class'] | undefined }, options?: RequestOptions): Promise<GatewayErrorEntry[]>;
}

/**
 * The gateway's operations routes for admins: model health (circuits and performance) and recent errors.
 *
 * @example
 * const operations = createOperationsApi(transport);
 * const { circuits, models } = await operations.modelHealth({ window: '24h' });
 */
export function createOperationsApi(transport: Transport): OperationsApi {
  return {
    modelHealth: (params = {}, options) =>
      requestJson<ModelHealthReport>(transport, '/api/ai/models/health', { admin: true, query: { window: params.window, feature: params.feature }, signal: options?.signal }),
    errors: async (params = {}, options) =>
      (await requestJson<{ data: GatewayErrorEntry[] }>(transport, '/api/ai/errors', { admin: true, query: { limit: params.limit, class: params.class }, signal: options?.signal })).data,
  };
}
