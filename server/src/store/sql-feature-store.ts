import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { GatewayError } from '../errors.js';
import { parseFeature, parseStoredFeature, RESERVED_FEATURE_NAMES, reservedFeatureNameProblem, type Feature } from '../features/feature.js';
import type { FeatureStore } from '../features/feature-store.js';
import type { AuditLog } from './audit-log.js';
import type { ChangeNotifier } from './change-notifier.js';
import { NotifiedCache, type StoreCacheOptions } from './notified-cache.js';
import type { Database, FeatureVersionTable } from './schema.js';

/** A stored feature with its bookkeeping. */
export interface FeatureRecord {
  id: string;
  projectId: string;
  feature: Feature;
  version: number;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}

export interface FeatureVersion {
  version: number;
  feature: Feature;
  action: FeatureVersionTable['action'];
  changedBy: string;
  changedAt: number;
}

type Row = Database['features'];

/** A feature given to a save, checked: an invalid one is the caller's 400 naming the field, never a 500. */
function checkedFeature(input: unknown): Feature {
  try {
    return parseFeature(input);
  } catch (error) {
    throw new GatewayError('invalid_parameter', error instanceof Error ? error.message : 'invalid feature', { cause: error });
  }
}

/** A 400 when a save would give a feature a reserved name (see `RESERVED_FEATURE_NAMES`). */
function refuseReservedName(name: string): void {
  const problem = reservedFeatureNameProblem(name);
  if (problem !== undefined) throw new GatewayError('invalid_parameter', `name: ${problem}`, { param: 'name' });
}

const toRecord = (row: Row): FeatureRecord => ({
  id: row.id,
  projectId: row.project_id,
  feature: parseStoredFeature(JSON.parse(row.config)),
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

/**
 * Features in SQLite or Postgres, with a version per save and the history of every version. Reads come from a
 * per-project cache that a local save drops at once, another instance's save drops through the change notifier,
 * and that expires after its TTL in any case, so every instance serves a change within seconds.
 */
export class SqlFeatureStore implements FeatureStore {
  // The database is down: the features read last keep requests flowing until it is back (the cache serves them).
  readonly #cache: NotifiedCache<string, Map<string, Feature>>;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly notifier: ChangeNotifier,
    cache: StoreCacheOptions = {},
  ) {
    this.#cache = new NotifiedCache({
      ttlMs: cache.ttlMs ?? 2_000,
      onStale: (_projectId, error) => cache.onStale?.(error),
      load: async (projectId: string) => new Map((await this.records(projectId)).map((record) => [record.feature.name, record.feature])),
    });
    this.#unsubscribe = notifier.subscribe((event) => {
      if (event.kind === 'features') this.#cache.invalidate(event.projectId);
    });
  }

  async get(projectId: string, name: string): Promise<Feature | undefined> {
    return (await this.#project(projectId)).get(name);
  }

  async list(projectId: string): Promise<Feature[]> {
    return [...(await this.#project(projectId)).values()];
  }

  /** Creates or replaces by name, whatever the version (the `FeatureStore` contract, used for seeding and the CLI). */
  async put(projectId: string, feature: Feature, actor = 'system'): Promise<Feature> {
    const existing = await this.record(projectId, feature.name);
    if (!existing) return (await this.create(projectId, feature, actor)).feature;
    return (await this.update(projectId, existing.id, feature, existing.version, actor)).feature;
  }

  async records(projectId: string): Promise<FeatureRecord[]> {
    const rows = await this.db.selectFrom('features').selectAll().where('project_id', '=', projectId).orderBy('name').execute();
    return rows.map(toRecord);
  }

  /** A feature by id or by name. */
  async record(projectId: string, idOrName: string): Promise<FeatureRecord | undefined> {
    const row = await this.db
      .selectFrom('features')
      .selectAll()
      .where('project_id', '=', projectId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** Creates a feature; its configuration becomes the defaults that `reset` restores. 409 if the name is taken. */
  async create(projectId: string, input: Feature, actor: string, action: 'create' | 'seed' = 'create'): Promise<FeatureRecord> {
    // A seed was read as the gateway reads features given at start (`parseSeedFeature`), like a stored one.
    const feature = action === 'seed' ? parseStoredFeature(input) : checkedFeature(input);
    if (action !== 'seed') refuseReservedName(feature.name);
    const now = Date.now();
    const row: Row = { id: randomUUID(), project_id: projectId, name: feature.name, version: 1, config: JSON.stringify(feature), defaults: JSON.stringify(feature), created_at: now, updated_at: now, updated_by: actor };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('features').values(row).execute();
        await this.#addVersion(trx, row, action, actor);
        await this.audit.record({ projectId, actor, action: `feature.${action}`, target: `feature:${feature.name}`, before: null, after: feature }, trx);
      });
    } catch (error) {
      await this.#refuseTakenName(projectId, feature.name);
      throw error;
    }
    await this.#changed(projectId);
    return toRecord(row);
  }

  /** Saves a new configuration if `expectedVersion` is still current; 409 with the current version otherwise. */
  async update(projectId: string, idOrName: string, input: Feature, expectedVersion: number, actor: string, action: 'update' | 'restore' | 'reset' = 'update'): Promise<FeatureRecord> {
    const feature = checkedFeature(input);
    const current = await this.#require(projectId, idOrName);
    const renamed = feature.name !== current.feature.name;
    // A feature stored under a name since reserved keeps it through its saves; none is given one.
    if (renamed) refuseReservedName(feature.name);
    if (renamed) await this.#refuseTakenName(projectId, feature.name);
    const now = Date.now();
    const updated = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('features')
        .set({ name: feature.name, config: JSON.stringify(feature), version: expectedVersion + 1, updated_at: now, updated_by: actor })
        .where('id', '=', current.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return undefined;
      const row = await trx.selectFrom('features').selectAll().where('id', '=', current.id).executeTakeFirstOrThrow();
      await this.#addVersion(trx, row, action, actor);
      await this.audit.record({ projectId, actor, action: `feature.${action}`, target: `feature:${feature.name}`, before: current.feature, after: feature }, trx);
      return row;
    }).catch(async (error: unknown) => {
      // Another save took the name between the check above and this one (the names' unique constraint refused it).
      if (renamed) await this.#refuseTakenName(projectId, feature.name);
      throw error;
    });
    if (!updated) {
      const latest = await this.#require(projectId, current.id);
      throw new GatewayError('version_conflict', `The feature "${latest.feature.name}" was changed by someone else: it is at version ${latest.version}, not ${expectedVersion}. Reload and apply your changes again.`, {
        param: 'version',
        headers: { 'x-current-version': String(latest.version) },
      });
    }
    await this.#changed(projectId);
    return toRecord(updated);
  }

  async remove(projectId: string, idOrName: string, actor: string): Promise<void> {
    const current = await this.#require(projectId, idOrName);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('features').where('id', '=', current.id).execute();
      await this.audit.record({ projectId, actor, action: 'feature.delete', target: `feature:${current.feature.name}`, before: current.feature, after: null }, trx);
    });
    await this.#changed(projectId);
  }

  /** The features of every project stored under a reserved name (see `RESERVED_FEATURE_NAMES`), in any case. */
  async reservedNamed(): Promise<Array<{ projectId: string; name: string }>> {
    const rows = await this.db
      .selectFrom('features')
      .select(['project_id', 'name'])
      .where((eb) => eb(eb.fn<string>('lower', ['name']), 'in', [...RESERVED_FEATURE_NAMES]))
      .orderBy('project_id')
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ projectId: row.project_id, name: row.name }));
  }

  /** Every saved version, newest first. */
  async history(projectId: string, idOrName: string): Promise<FeatureVersion[]> {
    const current = await this.#require(projectId, idOrName);
    const rows = await this.db.selectFrom('feature_versions').selectAll().where('feature_id', '=', current.id).orderBy('version', 'desc').execute();
    return rows.map((row) => ({ version: row.version, feature: parseStoredFeature(JSON.parse(row.config)), action: row.action, changedBy: row.changed_by, changedAt: row.changed_at }));
  }

  /** Saves an earlier version's configuration as the newest version. */
  async restore(projectId: string, idOrName: string, version: number, expectedVersion: number, actor: string): Promise<FeatureRecord> {
    const current = await this.#require(projectId, idOrName);
    const old = await this.db.selectFrom('feature_versions').select('config').where('feature_id', '=', current.id).where('version', '=', version).executeTakeFirst();
    if (!old) throw new GatewayError('not_found', `The feature "${current.feature.name}" has no version ${version}.`, { param: 'version' });
    return this.update(projectId, current.id, checkedFeature(JSON.parse(old.config)), expectedVersion, actor, 'restore');
  }

  /** Saves the configuration the feature was created or seeded with as the newest version. */
  async reset(projectId: string, idOrName: string, expectedVersion: number, actor: string): Promise<FeatureRecord> {
    const current = await this.#require(projectId, idOrName);
    const row = await this.db.selectFrom('features').select('defaults').where('id', '=', current.id).executeTakeFirstOrThrow();
    return this.update(projectId, current.id, checkedFeature(JSON.parse(row.defaults)), expectedVersion, actor, 'reset');
  }

  /** Creates the given features where none of that name exists yet; returns the names created. */
  async seed(projectId: string, features: Feature[], actor = 'seed'): Promise<string[]> {
    const created: string[] = [];
    for (const feature of features) {
      if (await this.record(projectId, feature.name)) continue;
      try {
        await this.create(projectId, feature, actor, 'seed');
        created.push(feature.name);
      } catch (error) {
        // Another instance seeding at the same moment created it first: that is the outcome we wanted.
        if (!(error instanceof GatewayError && error.code === 'version_conflict')) throw error;
      }
    }
    return created;
  }

  close(): void {
    this.#unsubscribe();
  }

  async #project(projectId: string): Promise<Map<string, Feature>> {
    return this.#cache.get(projectId);
  }

  async #require(projectId: string, idOrName: string): Promise<FeatureRecord> {
    const record = await this.record(projectId, idOrName);
    if (!record) throw new GatewayError('not_found', `No feature "${idOrName}" in this project.`, { param: 'id' });
    return record;
  }

  /** A 409 naming `name` when a feature of the project already has it. */
  async #refuseTakenName(projectId: string, name: string): Promise<void> {
    if (await this.record(projectId, name)) throw new GatewayError('version_conflict', `A feature named "${name}" already exists.`, { param: 'name' });
  }

  async #addVersion(trx: Transaction<Database>, row: Row, action: FeatureVersionTable['action'], actor: string): Promise<void> {
    await trx
      .insertInto('feature_versions')
      .values({ id: randomUUID(), feature_id: row.id, project_id: row.project_id, name: row.name, version: row.version, config: row.config, action, changed_by: actor, changed_at: row.updated_at })
      .execute();
  }

  async #changed(projectId: string): Promise<void> {
    this.#cache.invalidate(projectId);
    await this.notifier.publish({ kind: 'features', projectId });
  }
}
