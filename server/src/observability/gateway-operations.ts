import type { Redis } from 'ioredis';
import { z } from 'zod';
import { CircuitBreakers, DEFAULT_CIRCUIT_SETTINGS, MemoryCircuitStore, type CircuitSettings } from '../gateway/circuit-breaker.js';
import type { MeteredRequest, RequestObserver } from '../gateway/metered-request.js';
import { RedisCircuitStore } from '../gateway/redis-circuit-store.js';
import type { AttemptOutcome } from '../gateway/with-fallbacks.js';
import type { GatewayLogger } from '../logger.js';
import type { WebhookClient } from '../net/safe-webhook.js';
import { createRedisClient } from '../net/redis-client.js';
import type { UsageLedgerStats } from '../usage/ledger.js';
import type { UsageRecord } from '../usage/usage-record.js';
import { DegradationAlerts, degradationAlertsSchema, type DegradationAlert, type DegradationAlertSettings } from './degradation-alerts.js';
import { errorClassOf, MemoryErrorLog, RedisErrorLog, type ErrorLog, type ErrorLogEntry } from './error-log.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { InstanceConnections } from './instance-connections.js';
import { gatewayTracer, RequestTrace } from './request-tracing.js';

/** The gateway's `operations` option: circuit breakers, degradation alerts and the hook every finished request reaches. */
export interface OperationsOptions {
  /** Circuit breakers per model and provider (thresholds, open time), or `false` to try every model every time. */
  circuitBreakers?: Partial<CircuitSettings> | false | undefined;
  /** Service degradation alerts: a webhook and the error-rate threshold per feature. */
  alerts?: DegradationAlertSettings | undefined;
  /** Called with each degradation alert (a circuit opened or closed, a feature's error rate passed the threshold). */
  onDegradation?: ((alert: DegradationAlert) => void | Promise<void>) | undefined;
  /**
   * Called with every finished request's usage record (after the usage sink), to feed Langfuse or the host's own
   * logs. It holds no prompt or answer.
   */
  onRequestEnd?: ((record: UsageRecord) => void) | undefined;
}

export const operationsOptionsSchema = z
  .object({
    circuitBreakers: z
      .union([
        z.literal(false),
        z
          .object({
            failureThreshold: z.number().int().min(1),
            providerFailureThreshold: z.number().int().min(1),
            openMs: z.number().int().min(1),
            probeMs: z.number().int().min(1),
          })
          .partial()
          .strict(),
      ])
      .optional(),
    alerts: degradationAlertsSchema.optional(),
  })
  .passthrough();

export interface GatewayOperationsPorts {
  options: OperationsOptions;
  /** Circuits, the error log and the instances' connections are shared through Redis when it is set. */
  redisUrl: string | undefined;
  redisKeyPrefix?: string | undefined;
  requestsInFlight: () => number;
  streamsInFlight: () => number;
  /** Whether this instance reports its connections to the others (one that serves no request does not). Default true. */
  reportConnections?: boolean;
  ledger: () => UsageLedgerStats | undefined;
  webhooks: WebhookClient;
  logger: GatewayLogger;
}

/**
 * The gateway's operations side, wired once by `createAiGateway`: metrics, traces, circuit breakers, the error log,
 * instance connections, degradation alerts and the `onRequestEnd` hook, all fed by one observer per request.
 * @example
 * const operations = new GatewayOperations({ options: {}, redisUrl, requestsInFlight: () => lifecycle.inFlight, ... });
 * new RequestLifecycle({ ...ports, observe: (meter) => operations.observe(meter) });
 */
export class GatewayOperations {
  readonly metrics: GatewayMetrics;
  readonly breakers: CircuitBreakers | undefined;
  readonly errorLog: ErrorLog;
  readonly connections: InstanceConnections;
  readonly alerts: DegradationAlerts;
  readonly #tracer;
  /** One connection for circuits, the error log and connections (the limits keep their own). */
  readonly #redis: Redis | undefined;
  #storeErrorLoggedAt = 0;

  constructor(private readonly ports: GatewayOperationsPorts) {
    const { options, redisUrl, logger } = ports;
    const prefix = ports.redisKeyPrefix ?? 'insforge-ai:';
    if (redisUrl) {
      this.#redis = createRedisClient(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000, connectTimeout: 1_000 });
      // Failures reach each call, which goes on without Redis; an unhandled 'error' event would end the process.
      this.#redis.on('error', () => undefined);
    }
    const redis = this.#redis;
    this.alerts = new DegradationAlerts({ settings: options.alerts, webhooks: ports.webhooks, callback: options.onDegradation, logger });
    this.breakers = options.circuitBreakers === false
      ? undefined
      : new CircuitBreakers({
          store: redis ? new RedisCircuitStore({ client: redis, keyPrefix: `${prefix}circuit:` }) : new MemoryCircuitStore(),
          settings: { ...DEFAULT_CIRCUIT_SETTINGS, ...options.circuitBreakers },
          onChange: (event) => {
            logger[event.state === 'open' ? 'warn' : 'info'](`circuit ${event.state === 'open' ? 'opened' : 'closed'}`, { scope: event.scope, name: event.name });
            this.alerts.circuitChanged(event);
          },
          onStoreError: (error) => this.#storeFailed('circuit breakers', error),
        });
    this.errorLog = redis ? new RedisErrorLog(redis, `${prefix}errors:`) : new MemoryErrorLog();
    this.connections = new InstanceConnections({ requestsInFlight: ports.requestsInFlight, streamsInFlight: ports.streamsInFlight, redis, keyPrefix: prefix, report: ports.reportConnections ?? true });
    this.metrics = new GatewayMetrics({
      requestsInFlight: ports.requestsInFlight,
      streamsInFlight: ports.streamsInFlight,
      ledger: ports.ledger,
      openCircuits: () => this.openCircuits(),
    });
    this.#tracer = gatewayTracer();
  }

  /** The observer of one request: its span, its attempts' spans, metrics, circuits, error log entries and hooks. */
  observe(meter: MeteredRequest): RequestObserver {
    const trace = new RequestTrace(this.#tracer, meter.endpoint, meter.requestId);
    const { breakers } = this;
    const logError = (kind: ErrorLogEntry['kind'], code: string, model: string) => {
      const entry: ErrorLogEntry = { at: Date.now(), requestId: meter.requestId, projectId: meter.identity.projectId, kind, class: errorClassOf(code), code, endpoint: meter.endpoint, feature: meter.feature ?? null, model: model.slice(0, 256) };
      this.errorLog.add(entry).catch((error: unknown) => this.#storeFailed('error log', error));
    };
    const started = (model: string) => {
      const spanEnded = trace.attempt(model);
      return (outcome: AttemptOutcome) => {
        spanEnded(outcome);
        if (breakers) void breakers.record(model, outcome);
        this.metrics.recordAttempt(model, outcome);
        if (!outcome.ok && !outcome.aborted) logError('attempt', outcome.failure?.error.code ?? 'internal_error', model);
      };
    };
    return {
      // Either shape in one literal: a spread of the optional `admits` gave each request a hidden class of its own.
      attempts: breakers
        ? {
            admits: async (model: string) => {
              const admitted = await breakers.admits(model);
              if (!admitted) trace.skipped(model);
              return admitted;
            },
            started,
          }
        : { started },
      ended: (record) => {
        trace.end(record, meter.stage);
        this.metrics.recordRequest(record);
        this.alerts.requestEnded(record);
        if (record.status === 'error' || record.status === 'rejected') logError('request', record.errorCode ?? 'internal_error', record.requestedModel);
        try {
          this.ports.options.onRequestEnd?.(record);
        } catch (error) {
          this.ports.logger.error('the onRequestEnd hook threw', { error, requestId: record.requestId });
        }
      },
    };
  }

  /** Circuits open now (none when breakers are off). */
  async openCircuits(): Promise<Array<{ scope: 'model' | 'provider'; name: string; retryAt: Date | null }>> {
    if (!this.breakers) return [];
    const circuits = await this.breakers.snapshot().catch(() => []);
    return circuits.filter((circuit) => circuit.state !== 'closed').map(({ scope, name, retryAt }) => ({ scope, name, retryAt }));
  }

  async close(): Promise<void> {
    await this.alerts.settled();
    await this.connections.close();
    await this.errorLog.close();
    await this.breakers?.close();
    await this.#redis?.quit().catch(() => this.#redis?.disconnect());
  }

  /** A shared store (Redis) failing: requests go on; the log says so at most once a minute. */
  #storeFailed(what: string, error: unknown): void {
    if (Date.now() - this.#storeErrorLoggedAt < 60_000) return;
    this.#storeErrorLoggedAt = Date.now();
    this.ports.logger.warn(`the ${what} store cannot be reached; requests go on without it`, { error });
  }
}
