import { sql, type Kysely, type Migration } from 'kysely';
import { maskWebhookUrl } from '../../net/safe-webhook.js';

/** The audit actions whose states are a project's limits, alerts included (written by the limit policy store). */
const LIMITS_ACTIONS = ['limits.update', 'emergency_stop.on', 'emergency_stop.off'];
const PAGE = 500;

interface AuditStates {
  id: string;
  before: string | null;
  after: string | null;
}

/** A state's text with its budget alerts' webhook URL masked, or undefined when it holds no whole URL. */
function maskedState(text: string | null): string | undefined {
  if (text === null || !text.includes('webhookUrl')) return undefined;
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    return undefined;
  }
  const alerts = (state as { alerts?: { webhookUrl?: unknown } } | null)?.alerts;
  if (typeof alerts?.webhookUrl !== 'string') return undefined;
  const masked = maskWebhookUrl(alerts.webhookUrl);
  if (masked === alerts.webhookUrl) return undefined;
  alerts.webhookUrl = masked;
  return JSON.stringify(state);
}

/**
 * Budget-alert webhook URLs out of the audit log. Before the URL became write-only, a change of a project's limits
 * was audited with the URL whole, and receivers such as Slack keep their token in its path. Those entries now hold
 * the form every read shows (`https://host/…`), as entries written since do. Nothing to undo: the URLs are gone.
 */
export const auditWebhookUrls: Migration = {
  async up(db: Kysely<unknown>) {
    let after = '';
    for (;;) {
      const page = await sql<AuditStates>`select id, before, after from audit_log
        where id > ${after} and action in (${sql.join(LIMITS_ACTIONS)}) order by id limit ${PAGE}`.execute(db);
      for (const row of page.rows) {
        const [before, afterState] = [maskedState(row.before), maskedState(row.after)];
        if (before === undefined && afterState === undefined) continue;
        await sql`update audit_log set before = ${before ?? row.before}, after = ${afterState ?? row.after} where id = ${row.id}`.execute(db);
      }
      const last = page.rows.at(-1);
      if (!last || page.rows.length < PAGE) return;
      after = last.id;
    }
  },
  async down() {},
};
