import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface AuditEntry {
  id: string;
  projectId: string;
  /** Who did it: a user id, a client key id, `admin-token`, or `cli`. */
  actor: string;
  /** What was done, e.g. `feature.update`, `provider_key.set`, `client_key.revoke`. */
  action: string;
  /** What it was done to, e.g. `feature:chat`. */
  target: string;
  before: unknown;
  after: unknown;
  createdAt: number;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'createdAt'>;

let sequence = 0;

/** Ids that sort in creation order (time, then a per-process counter), so entries of one millisecond keep their order. */
function timeOrderedId(now: number): string {
  sequence = (sequence + 1) % 0x1000000;
  return `${now.toString(16).padStart(12, '0')}${sequence.toString(16).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
}

/** An append-only log of admin actions. Callers pass redacted states: no secret is ever written here. */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(entry: AuditInput, executor: Kysely<Database> = this.db): Promise<void> {
    const now = Date.now();
    await executor
      .insertInto('audit_log')
      .values({
        id: timeOrderedId(now),
        project_id: entry.projectId,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        before: entry.before === undefined ? null : JSON.stringify(entry.before),
        after: entry.after === undefined ? null : JSON.stringify(entry.after),
        created_at: now,
      })
      .execute();
  }

  /** Newest first; pass the last entry's `createdAt`/`id` as `before` for the next page. */
  async list(projectId: string, page: { limit?: number; before?: { createdAt: number; id: string } } = {}): Promise<{ entries: AuditEntry[]; next: { createdAt: number; id: string } | null }> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
    let query = this.db.selectFrom('audit_log').selectAll().where('project_id', '=', projectId);
    const cursor = page.before;
    if (cursor) {
      query = query.where((eb) => eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const entries = rows.slice(0, limit).map((row) => ({
      id: row.id,
      projectId: row.project_id,
      actor: row.actor,
      action: row.action,
      target: row.target,
      before: row.before === null ? null : (JSON.parse(row.before) as unknown),
      after: row.after === null ? null : (JSON.parse(row.after) as unknown),
      createdAt: row.created_at,
    }));
    const last = entries.at(-1);
    return { entries, next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
  }
}
