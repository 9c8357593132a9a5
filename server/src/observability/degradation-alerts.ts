import { z } from 'zod';
import type { CircuitEvent } from '../gateway/circuit-breaker.js';
import type { GatewayLogger } from '../logger.js';
import type { WebhookClient } from '../net/safe-webhook.js';
import type { UsageRecord } from '../usage/usage-record.js';

/** A service degradation: a circuit opened or closed, or a feature's error rate passed the threshold. */
export type DegradationAlert =
  | { type: 'circuit_open' | 'circuit_closed'; scope: CircuitEvent['scope']; name: string; at: string }
  | { type: 'error_rate'; projectId: string; feature: string; errorRate: number; requests: number; windowMs: number; threshold: number; at: string };

export const degradationAlertsSchema = z
  .object({
    /** Where alerts are POSTed as JSON, under the same rules as budget webhooks (https, public addresses, checked after DNS). */
    webhookUrl: z.url().optional(),
    /** A feature whose share of failed requests reaches this, over `windowMs` and at least `minRequests`, raises an alert. Default 0.5. */
    errorRateThreshold: z.number().gt(0).max(1).default(0.5),
    windowMs: z.number().int().min(1_000).default(5 * 60_000),
    minRequests: z.number().int().min(1).default(20),
    /** After an alert, the same feature raises no other for this long. Default: one window. */
    cooldownMs: z.number().int().min(0).optional(),
  })
  .strict();

export type DegradationAlertSettings = z.input<typeof degradationAlertsSchema>;

export interface DegradationAlertsOptions {
  settings?: DegradationAlertSettings | undefined;
  webhooks: WebhookClient;
  callback?: ((alert: DegradationAlert) => void | Promise<void>) | undefined;
  logger: GatewayLogger;
  now?: () => number;
}

const BUCKETS = 10;
/** Features tracked at once; beyond it the least recent is forgotten, so the map stays bounded. */
const MAX_TRACKED = 5_000;

interface Window {
  /** Per bucket: its start, requests and failures. */
  buckets: Array<{ start: number; requests: number; failures: number }>;
  alertedAt: number;
}

/**
 * Service degradation notifications: a circuit that opens or closes, and a feature whose error rate passes the
 * threshold (cancelled and refused requests are not failures of the service). Each goes to the host's callback and,
 * when set, a webhook sent through the safe webhook client.
 * @example
 * const alerts = new DegradationAlerts({ settings: { webhookUrl: 'https://hooks.example.com/ai' }, webhooks, logger });
 * breakers = new CircuitBreakers({ onChange: (event) => alerts.circuitChanged(event) });
 */
export class DegradationAlerts {
  readonly #settings: z.output<typeof degradationAlertsSchema>;
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;
  readonly #deliveries = new Set<Promise<void>>();

  constructor(private readonly options: DegradationAlertsOptions) {
    this.#settings = degradationAlertsSchema.parse(options.settings ?? {});
    this.#now = options.now ?? Date.now;
  }

  circuitChanged(event: CircuitEvent): void {
    this.#send({ type: event.state === 'open' ? 'circuit_open' : 'circuit_closed', scope: event.scope, name: event.name, at: event.at.toISOString() });
  }

  /** Counts a finished request towards its feature's error rate. */
  requestEnded(record: UsageRecord): void {
    if (record.feature === undefined || (record.status !== 'ok' && record.status !== 'error')) return;
    const { windowMs, minRequests, errorRateThreshold } = this.#settings;
    const now = this.#now();
    const key = `${record.projectId}\u0000${record.feature}`;
    let window = this.#windows.get(key);
    if (window) this.#windows.delete(key);
    else window = { buckets: [], alertedAt: -Infinity };
    this.#windows.set(key, window);
    if (this.#windows.size > MAX_TRACKED) this.#windows.delete(this.#windows.keys().next().value as string);
    const bucketMs = windowMs / BUCKETS;
    const start = now - (now % bucketMs);
    window.buckets = window.buckets.filter((bucket) => bucket.start > now - windowMs);
    let bucket = window.buckets.at(-1);
    if (!bucket || bucket.start !== start) window.buckets.push((bucket = { start, requests: 0, failures: 0 }));
    bucket.requests += 1;
    if (record.status === 'error') bucket.failures += 1;
    const requests = window.buckets.reduce((sum, each) => sum + each.requests, 0);
    const failures = window.buckets.reduce((sum, each) => sum + each.failures, 0);
    if (requests < minRequests || failures / requests < errorRateThreshold) return;
    if (now - window.alertedAt < (this.#settings.cooldownMs ?? windowMs)) return;
    window.alertedAt = now;
    this.#send({ type: 'error_rate', projectId: record.projectId, feature: record.feature, errorRate: failures / requests, requests, windowMs, threshold: errorRateThreshold, at: new Date(now).toISOString() });
  }

  /** Waits for the deliveries under way (for shutdown and tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.#deliveries]);
  }

  #send(alert: DegradationAlert): void {
    const { logger, callback, webhooks } = this.options;
    logger.warn('service degradation', { alert });
    const url = this.#settings.webhookUrl;
    const delivery = (async () => {
      try {
        await callback?.(alert);
      } catch (error) {
        logger.error('the degradation alert callback failed', { error });
      }
      if (!url) return;
      try {
        const response = await webhooks.post(url, alert);
        if (!response.ok) logger.warn('the degradation alert webhook answered with an error', { status: response.status });
      } catch (error) {
        logger.error('the degradation alert webhook could not be delivered', { error });
      }
    })();
    this.#deliveries.add(delivery);
    void delivery.finally(() => this.#deliveries.delete(delivery));
  }
}
