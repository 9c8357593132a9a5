import type { GatewayLogger } from '../logger.js';
import type { AuditLog } from '../store/audit-log.js';
import type { LimitPolicyStore } from './limit-policy-store.js';
import type { SpendReport } from './quota-guard.js';
import type { QuotaBackend } from './types.js';

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

const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * Fires each threshold of each spend cap once per period: the "once" is an atomic counter in the quota backend,
 * so several instances crossing a threshold together still fire one alert. Delivery goes to the project's webhook
 * (POST JSON) and the host's callback, and is audited.
 */
export class BudgetAlertDispatcher {
  constructor(
    private readonly backend: QuotaBackend,
    private readonly policies: () => Promise<LimitPolicyStore>,
    private readonly audit: () => Promise<AuditLog>,
    private readonly logger: GatewayLogger,
    private readonly callback?: (alert: BudgetAlert) => void | Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks a settled spend against the project's thresholds; never throws (alerts must not fail a request). */
  check(report: SpendReport): void {
    void this.#check(report).catch((error: unknown) => this.logger.error('budget alert check failed', { error, projectId: report.projectId }));
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
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'budget_alert', ...alert }), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      if (!response.ok) this.logger.warn('budget alert webhook answered an error', { status: response.status, projectId: alert.projectId });
      await response.body?.cancel();
    } catch (error) {
      this.logger.warn('budget alert webhook could not be reached', { error, projectId: alert.projectId });
    }
  }
}
