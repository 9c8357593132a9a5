import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import { toGatewayError } from '../errors.js';
import type { GatewayContext } from '../gateway/context.js';
import type { Admission } from '../limits/quota-guard.js';
import { usageFigures, type UsageRecord } from './usage-record.js';

export interface RequestOutcome {
  endpoint: UsageRecord['endpoint'];
  identity: Identity;
  requestedModel: string;
  feature: string | undefined;
  status: UsageRecord['status'];
  streamed: boolean;
  startedAt: number;
  attempts: number;
  usage?: unknown;
  servedModel?: string | undefined;
  provider?: string | undefined;
  generationId?: string | undefined;
  timeToFirstTokenMs?: number | undefined;
  errorCode?: string | undefined;
  imageCount?: number;
  imageResolution?: string;
  /** Sizes of the prompt and of the answer forwarded, for an estimate when the cost never arrived. */
  promptCharacters?: number | undefined;
  completionCharacters?: number | undefined;
  /** The quota admission of the request, settled here with the real figures. */
  admission?: Admission | undefined;
}

/** Hands one record per request to the usage sink; a sink that throws never fails the request. */
export function recordRequest(context: GatewayContext, outcome: RequestOutcome): void {
  const { identity } = outcome;
  const record: UsageRecord = {
    requestId: randomUUID(),
    endpoint: outcome.endpoint,
    projectId: identity.projectId,
    requestedModel: outcome.requestedModel,
    status: outcome.status,
    streamed: outcome.streamed,
    ...usageFigures(outcome.usage),
    latencyMs: performance.now() - outcome.startedAt,
    attempts: outcome.attempts,
    startedAt: new Date(Date.now() - (performance.now() - outcome.startedAt)),
  };
  const optional = {
    userId: identity.userId,
    clientKeyId: identity.clientKeyId,
    feature: outcome.feature,
    servedModel: outcome.servedModel,
    provider: outcome.provider,
    generationId: outcome.generationId,
    timeToFirstTokenMs: outcome.timeToFirstTokenMs,
    errorCode: outcome.errorCode,
    imageCount: outcome.imageCount,
    imageResolution: outcome.imageResolution,
    promptCharacters: outcome.promptCharacters,
    completionCharacters: outcome.completionCharacters,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  try {
    context.usage.record(record);
  } catch (error) {
    context.logger.error('usage sink failed to take a record', { error, requestId: record.requestId });
  }
  if (outcome.admission) {
    void outcome.admission
      .settle({ tokens: record.promptTokens + record.completionTokens, costUsd: record.costUsd, generationId: record.generationId })
      .catch((error: unknown) => context.logger.error('quota settlement failed', { error, requestId: record.requestId }));
  }
}

/**
 * Records an upstream call that threw: `cancelled` when the client hung up (nothing to answer), else `error`,
 * and rethrows the error for the router's error handler.
 */
export function recordFailedCall(signal: AbortSignal, record: (fields: Pick<RequestOutcome, 'status'> & Partial<RequestOutcome>) => void, error: unknown): void {
  if (signal.aborted) {
    record({ status: 'cancelled' });
    return;
  }
  record({ status: 'error', errorCode: toGatewayError(error).code });
  throw error;
}
