import type { GatewayLogger } from '../logger.js';
import { WebhookError, type WebhookClient } from '../net/safe-webhook.js';
import type { LimitPolicySource } from './limit-policy.js';
import type { SpendReport } from './quota-guard.js';
import type { QuotaBackend } from './types.js';


/** Where a fired alert is noted: the gateway's audit log (a port, so limits/ does not depend on the store). */
export interface AlertAuditLog {
  record(entry: { projectId: string; actor: string; action: string; target: string; before: unknown; after: unknown }): Promise<unknown>;
}

/** What a budget alert says: which cap, which period, how much of it is spent. */
export interface BudgetAlert {
  projectId: string;
  scope: SpendReport['scope'];
  target: string | null;
  cap: 'spend_per_day_usd' | 'spend_per_month_usd';
  period: string;
  threshold: number;
  limitUsd: number;
  spentUsd: number;
  firedAt: string;
}

/** What the dispatcher needs: where alerts are counted and audited, and how they are delivered. */
export interface BudgetAlertDispatcherOptions {
  /** Counts "fired once" per threshold and period, shared by every instance. */
  backend: QuotaBackend;
  policies: () => Promise<LimitPolicySource>;
  audit: () => Promise<AlertAuditLog>;
  logger: GatewayLogger;
  /** Delivers to the project's webhook URL; every delivery re-checks where the URL leads. */
  webhooks: WebhookClient;
  /** The host's own callback, besides the webhook. */
  callback?: ((alert: BudgetAlert) => void | Promise<void>) | undefined;
  now?: () => number;
}

/**
 * Fires each threshold of each spend cap once per period: the "once" is an atomic counter in the quota backend,
 * so several instances crossing a threshold together still fire one alert. Delivery goes to the project's webhook
 * (POST JSON, through the safe webhook client) and the host's callback, and is audited.
 * @example
 * const alerts = new BudgetAlertDispatcher({ backend, policies, audit, logger, webhooks: createWebhookClient() });
 */
export class BudgetAlertDispatcher {
  private readonly backend: QuotaBackend;
  private readonly policies: () => Promise<LimitPolicySource>;
  private readonly audit: () => Promise<AlertAuditLog>;
  private readonly logger: GatewayLogger;
  private readonly webhooks: WebhookClient;
  private readonly callback: ((alert: BudgetAlert) => void | Promise<void>) | undefined;
  private readonly now: () => number;
  /** Checks under way. */
  readonly #checking = new Set<Promise<void>>();

  constructor(options: BudgetAlertDispatcherOptions) {
    this.backend = options.backend;
    this.policies = options.policies;
    this.audit = options.audit;
    this.logger = options.logger;
    this.webhooks = options.webhooks;
    this.callback = options.callback;
    this.now = options.now ?? Date.now;
  }

  /**
   * Checks a settled spend against the project's thresholds; never throws (alerts must not fail a request). A spend
   * below the lowest threshold the request was admitted under is left at once, without reading the settings: a
   * threshold lowered since is met by the next settlement, spend only growing within a period.
   */
  check(report: SpendReport): void {
    if (report.spentUsd < report.limitUsd * report.alertsFrom) return;
    const checking = this.#check(report)
      .catch((error: unknown) => this.logger.error('budget alert check failed', { error, projectId: report.projectId }))
      .finally(() => this.#checking.delete(checking));
    this.#checking.add(checking);
  }

  /** Resolves once every check under way has ended (before the backend it counts in closes). */
  async idle(): Promise<void> {
    while (this.#checking.size > 0) await Promise.all(this.#checking);
  }

  async #check(report: SpendReport): Promise<void> {
    if (report.limitUsd <= 0) return;
    const { alerts } = await (await this.policies()).get(report.projectId);
    const share = report.spentUsd / report.limitUsd;
    for (const threshold of alerts.thresholds) {
      if (share < threshold) continue;
      const cap = report.kind === 'spendPerDayUsd' ? 'spend_per_day_usd' : 'spend_per_month_usd';
      const key = `q:${report.projectId}:alert:${report.scope}:${report.target ?? '-'}:${cap}:${report.period}:${threshold}`;
      const first = await this.backend.reserve(key, 1, 1, report.periodEnd);
      if (!first.allowed) continue;
      const alert: BudgetAlert = { projectId: report.projectId, scope: report.scope, target: report.target, cap, period: report.period, threshold, limitUsd: report.limitUsd, spentUsd: report.spentUsd, firedAt: new Date(this.now()).toISOString() };
      await (await this.audit()).record({ projectId: report.projectId, actor: 'gateway', action: 'budget_alert.fired', target: `project:${report.projectId}`, before: null, after: alert });
      if (alerts.webhookUrl) await this.#post(alerts.webhookUrl, alert);
      try {
        await this.callback?.(alert);
      } catch (error) {
        this.logger.error('the onBudgetAlert callback threw', { error, projectId: report.projectId });
      }
    }
  }

  async #post(url: string, alert: BudgetAlert): Promise<void> {
    try {
      const response = await this.webhooks.post(url, { type: 'budget_alert', ...alert });
      if (!response.ok) this.logger.warn('budget alert webhook answered an error', { status: response.status, projectId: alert.projectId });
    } catch (error) {
      // The URL is the project admin's; its reason (refused address, timeout) is not a secret.
      this.logger.warn('budget alert webhook could not be reached', { reason: error instanceof WebhookError ? error.message : 'unknown', error, projectId: alert.projectId });
    }
  }
}
