import type { CircuitInfo, GatewayErrorEntry, ModelHealthReport, ModelHealthWindow, ModelPerformance } from '@insforge/ai-protocol';
import { requestJson, type RequestOptions, type Transport } from './http-transport.js';

/** How one model served the project over a window (from the usage ledger); the wire's `ModelPerformance`. */
export type ModelPerformanceRow = ModelPerformance;

export type { CircuitInfo, GatewayErrorEntry, ModelHealthReport, ModelHealthWindow };

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
