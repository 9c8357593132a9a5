import type { Kysely } from 'kysely';
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { AuditLog } from '../store/audit-log.js';
import type { ChangeNotifier } from '../store/change-notifier.js';
import type { Database } from '../store/schema.js';
import { EMPTY_POLICY, type LimitPolicy } from './types.js';

const positive = z.number().positive();
const settingsSchema = z
  .object({
    requestsPerMinute: positive.int().optional(),
    tokensPerMinute: positive.int().optional(),
    concurrentRequests: positive.int().optional(),
    tokensPerDay: positive.int().optional(),
    spendPerDayUsd: positive.optional(),
    spendPerMonthUsd: positive.optional(),
  })
  .strict();

export const limitPolicySchema = z
  .object({
    project: settingsSchema.default({}),
    features: z.record(z.string(), settingsSchema).default({}),
    users: z.object({ default: settingsSchema.default({}), overrides: z.record(z.string(), settingsSchema).default({}) }).strict().default({ default: {}, overrides: {} }),
  })
  .strict();

/** Budget alerts: fired once per period when the project's spend passes each threshold of a spend cap. */
export const budgetAlertsSchema = z
  .object({
    /** Fractions of a spend cap, e.g. [0.8, 1]. */
    thresholds: z.array(z.number().gt(0).max(1)).max(10).default([0.8, 1]),
    /** POSTed a JSON alert; http(s) only. */
    webhookUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  })
  .strict();
export type BudgetAlerts = z.infer<typeof budgetAlertsSchema>;

export interface ProjectLimits {
  policy: LimitPolicy;
  alerts: BudgetAlerts;
  stopped: boolean;
  stopReason: string | null;
  version: number;
  updatedAt: number | null;
  updatedBy: string | null;
}

const DEFAULTS: ProjectLimits = { policy: EMPTY_POLICY, alerts: { thresholds: [0.8, 1], webhookUrl: null }, stopped: false, stopReason: null, version: 0, updatedAt: null, updatedBy: null };
const CACHE_TTL_MS = 2_000;

/**
 * Each project's limits, alert settings and emergency stop, read on every request through a cache that a change on
 * any instance drops (the change notifier), so a stop takes effect at once everywhere.
 */
export class LimitPolicyStore {
  readonly #cache = new Map<string, { at: number; limits: ProjectLimits }>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly notifier: ChangeNotifier,
  ) {
    this.#unsubscribe = notifier.subscribe((event) => {
      if (event.kind === 'limits') this.#cache.delete(event.projectId);
    });
  }

  async get(projectId: string): Promise<ProjectLimits> {
    const cached = this.#cache.get(projectId);
    if (cached && Date.now() - cached.at < CACHE_TTL_MS) return cached.limits;
    let row: Database['limit_policies'] | undefined;
    try {
      row = await this.db.selectFrom('limit_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    } catch (error) {
      // The database is down: the limits read last stay in force until it is back.
      if (cached) return cached.limits;
      throw error;
    }
    const limits: ProjectLimits = row
      ? {
          policy: limitPolicySchema.parse(JSON.parse(row.policy)),
          alerts: budgetAlertsSchema.parse(JSON.parse(row.alerts)),
          stopped: row.stopped === 1,
          stopReason: row.stop_reason,
          version: row.version,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : DEFAULTS;
    this.#cache.set(projectId, { at: Date.now(), limits });
    return limits;
  }

  /** Saves limits and alert settings if `expectedVersion` is current (0 for a project never configured); 409 otherwise. */
  async save(projectId: string, change: { policy?: LimitPolicy; alerts?: BudgetAlerts }, expectedVersion: number, actor: string): Promise<ProjectLimits> {
    return this.#write(projectId, expectedVersion, actor, 'limits.update', (current) => ({ ...current, ...change }));
  }

  /** Stops (or restarts) all AI traffic of a project at once. */
  async setStopped(projectId: string, stopped: boolean, reason: string | null, actor: string): Promise<ProjectLimits> {
    const current = await this.#read(projectId);
    return this.#write(projectId, current.version, actor, stopped ? 'emergency_stop.on' : 'emergency_stop.off', (limits) => ({ ...limits, stopped, stopReason: stopped ? reason : null }));
  }

  close(): void {
    this.#unsubscribe();
  }

  async #read(projectId: string): Promise<ProjectLimits> {
    this.#cache.delete(projectId);
    return this.get(projectId);
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
      const summary = (limits: ProjectLimits) => ({ policy: limits.policy, alerts: limits.alerts, stopped: limits.stopped, stopReason: limits.stopReason });
      await this.audit.record({ projectId, actor, action, target: `project:${projectId}`, before: summary(current), after: summary(next) }, trx);
      return true;
    });
    if (!written) {
      const latest = await this.#read(projectId);
      throw new GatewayError('version_conflict', `The limits of this project changed meanwhile: they are at version ${latest.version}, not ${expectedVersion}.`, { param: 'version' });
    }
    this.#cache.delete(projectId);
    await this.notifier.publish({ kind: 'limits', projectId });
    return next;
  }
}
