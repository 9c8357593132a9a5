import type { Kysely } from 'kysely';
import { GatewayError } from '../errors.js';
import { budgetAlertsSchema, budgetAlertsToSave, DEFAULT_PROJECT_LIMITS, freezePolicy, limitPolicySchema, type BudgetAlerts, type LimitPolicySource, type ProjectLimits, shownBudgetAlerts } from '../limits/limit-policy.js';
import type { LimitPolicy } from '../limits/types.js';
import type { AuditLog } from './audit-log.js';
import type { ChangeNotifier } from './change-notifier.js';
import { NotifiedCache, type StoreCacheOptions } from './notified-cache.js';
import type { Database } from './schema.js';

const CACHE_TTL_MS = 2_000;
/** How many times an emergency stop is saved again over saves that landed first. */
const STOP_ATTEMPTS = 20;

/**
 * Each project's limits, alert settings and emergency stop, read on every request through a cache that a change on
 * any instance drops (the change notifier), so a stop takes effect at once everywhere.
 */
export class LimitPolicyStore implements LimitPolicySource {
  // While the database is down, the limits read last stay in force until it is back (the cache serves them).
  readonly #cache: NotifiedCache<string, ProjectLimits>;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly notifier: ChangeNotifier,
    cache: StoreCacheOptions = {},
  ) {
    this.#cache = new NotifiedCache({
      ttlMs: cache.ttlMs ?? CACHE_TTL_MS,
      onStale: (_projectId, error) => cache.onStale?.(error),
      load: (projectId: string) => this.#load(projectId),
    });
    this.#unsubscribe = notifier.subscribe((event) => {
      if (event.kind === 'limits') this.#cache.invalidate(event.projectId);
    });
  }

  async get(projectId: string): Promise<ProjectLimits> {
    return this.#cache.get(projectId);
  }

  async #load(projectId: string): Promise<ProjectLimits> {
    const row = await this.db.selectFrom('limit_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row
      ? {
          policy: freezePolicy(limitPolicySchema.parse(JSON.parse(row.policy))),
          alerts: budgetAlertsSchema.parse(JSON.parse(row.alerts)),
          stopped: row.stopped === 1,
          stopReason: row.stop_reason,
          version: row.version,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : DEFAULT_PROJECT_LIMITS;
  }

  /**
   * Saves limits and alert settings if `expectedVersion` is current (0 for a project never configured); 409 otherwise.
   * A webhook URL sent back in the form it is shown in keeps the saved one.
   */
  async save(projectId: string, change: { policy?: LimitPolicy; alerts?: BudgetAlerts }, expectedVersion: number, actor: string): Promise<ProjectLimits> {
    return this.#write(projectId, expectedVersion, actor, 'limits.update', (current) => ({
      ...current,
      ...change,
      ...(change.alerts ? { alerts: budgetAlertsToSave(current.alerts, change.alerts) } : {}),
    }));
  }

  /** Stops (or restarts) all AI traffic of a project at once. */
  async setStopped(projectId: string, stopped: boolean, reason: string | null, actor: string): Promise<ProjectLimits> {
    // A stop names no version: another save landing first is no conflict, so it is applied again over the newest
    // limits. Each lost attempt is another write that landed, so a few tries pass all but a flood of saves.
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read(projectId);
      try {
        return await this.#write(projectId, current.version, actor, stopped ? 'emergency_stop.on' : 'emergency_stop.off', (limits) => ({ ...limits, stopped, stopReason: stopped ? reason : null }));
      } catch (error) {
        if (!(error instanceof GatewayError && error.code === 'version_conflict') || attempt === STOP_ATTEMPTS) throw error;
      }
    }
  }

  close(): void {
    this.#unsubscribe();
  }

  /** The stored limits as they are now, for a write (never from the cache). */
  async #read(projectId: string): Promise<ProjectLimits> {
    return this.#load(projectId);
  }

  async #write(projectId: string, expectedVersion: number, actor: string, action: string, apply: (current: ProjectLimits) => ProjectLimits): Promise<ProjectLimits> {
    const current = await this.#read(projectId);
    if (current.version !== expectedVersion) {
      throw new GatewayError('version_conflict', `The limits of this project changed meanwhile: they are at version ${current.version}, not ${expectedVersion}.`, {
        param: 'version',
        headers: { 'x-current-version': String(current.version) },
      });
    }
    const next = { ...apply(current), version: current.version + 1, updatedAt: Date.now(), updatedBy: actor };
    const row = {
      project_id: projectId,
      policy: JSON.stringify(next.policy),
      alerts: JSON.stringify(next.alerts),
      stopped: next.stopped ? 1 : 0,
      stop_reason: next.stopReason,
      version: next.version,
      updated_at: next.updatedAt,
      updated_by: actor,
    };
    const written = await this.db.transaction().execute(async (trx) => {
      const result = current.version === 0
        ? await trx.insertInto('limit_policies').values(row).onConflict((conflict) => conflict.column('project_id').doNothing()).executeTakeFirst()
        : await trx.updateTable('limit_policies').set(row).where('project_id', '=', projectId).where('version', '=', current.version).executeTakeFirst();
      const count = 'numInsertedOrUpdatedRows' in result ? Number(result.numInsertedOrUpdatedRows ?? 0) : Number(result.numUpdatedRows);
      if (count !== 1) return false;
      const summary = (limits: ProjectLimits) => ({ policy: limits.policy, alerts: shownBudgetAlerts(limits.alerts), stopped: limits.stopped, stopReason: limits.stopReason });
      await this.audit.record({ projectId, actor, action, target: `project:${projectId}`, before: summary(current), after: summary(next) }, trx);
      return true;
    });
    if (!written) {
      const latest = await this.#read(projectId);
      throw new GatewayError('version_conflict', `The limits of this project changed meanwhile: they are at version ${latest.version}, not ${expectedVersion}.`, { param: 'version' });
    }
    // In force on this instance at once; on the others when the notification arrives (or the TTL passes).
    this.#cache.invalidate(projectId);
    await this.notifier.publish({ kind: 'limits', projectId });
    return next;
  }
}
