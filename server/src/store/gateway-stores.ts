import type { KeyEncryption } from '../crypto/key-encryption.js';
import type { Feature } from '../features/feature.js';
import type { GatewayLogger } from '../logger.js';
import { LimitPolicyStore } from './limit-policy-store.js';
import { AuditLog } from './audit-log.js';
import { ChangeNotifier } from './change-notifier.js';
import { SqlClientKeyStore } from './client-key-store.js';
import { SqlConversationStore, type ConversationLimits } from './conversation-store.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from './database.js';
import { DatabaseClock } from './database-clock.js';
import { ProviderKeyStore } from './provider-key-store.js';
import { SqlFeatureStore } from './sql-feature-store.js';

/** Everything the gateway keeps in its database, opened and migrated together. */
export interface GatewayStores {
  database: OpenDatabase;
  notifier: ChangeNotifier;
  audit: AuditLog;
  features: SqlFeatureStore;
  clientKeys: SqlClientKeyStore;
  providerKeys: ProviderKeyStore;
  conversations: SqlConversationStore;
  limits: LimitPolicyStore;
  /** The database's clock, for the leases instances compare (see `DatabaseClock`). */
  clock: DatabaseClock;
  close(): Promise<void>;
}

export interface StoresOptions {
  /** An open database, or a URL (`postgres://…`, a SQLite path, `:memory:`); default `./.insforge-ai/ai.db`. */
  database?: string | OpenDatabase | undefined;
  defaultProjectId: string;
  /** Created in the default project where no feature of that name exists yet. */
  seedFeatures?: Feature[];
  /** Caps on what one owner may keep in the conversations API. */
  conversationLimits?: Partial<ConversationLimits> | undefined;
  /** The master keys that encrypt stored OpenRouter keys; without them, storing a key is refused. */
  encryption?: KeyEncryption | undefined;
  /**
   * How long an instance may serve cached features, limits and client keys before reading them again (the change
   * notifier drops them sooner on Postgres). Default 2 s for features and limits, 5 s for client keys.
   */
  cacheTtlMs?: number | undefined;
  /** Told when the database cannot be read and the configuration read last is served meanwhile (once per outage). */
  logger?: GatewayLogger | undefined;
}

/**
 * The warning for features stored under a name reserved since (`RESERVED_FEATURE_NAMES`): they keep working, but take
 * the OpenRouter SDK's path of that name over for their project.
 */
function reservedNamesWarning(reserved: Array<{ projectId: string; name: string }>): string {
  const named = reserved.map(({ projectId, name }) => `"${name}" in project "${projectId}"`).join(', ');
  return `features named like the OpenRouter SDK's GET /v1/models/count and GET /v1/models/user (${named}) keep those paths for their projects, so there models.count and models.listForUser answer the feature; rename them (PATCH /api/ai/configurations/{id} with a new "name"), as no feature can be created under these names now`;
}

/** Opens the database, runs pending migrations, listens for other instances' changes and seeds features. */
export async function openGatewayStores(options: StoresOptions): Promise<GatewayStores> {
  const database = typeof options.database === 'object' ? options.database : openDatabase(options.database);
  try {
    await migrateToLatest(database, {
      onNewer: (newer) => options.logger?.warn(`a newer version of @insforge/ai-server migrated this database further (${newer.join(', ')}); this instance serves on the schema it knows: upgrade it`, { migrations: newer }),
    });
    const clock = await DatabaseClock.start(database.db, database.dialect);
    const notifier = new ChangeNotifier(database.pool);
    await notifier.start();
    const audit = new AuditLog(database.db);
    const cache = (what: string) => ({
      ttlMs: options.cacheTtlMs,
      onStale: (error: unknown) => options.logger?.warn(`the database could not be read: serving the ${what} read last until it is back`, { error }),
    });
    const features = new SqlFeatureStore(database.db, audit, notifier, cache('features'));
    const clientKeys = new SqlClientKeyStore(database.db, audit, notifier, cache('client keys'));
    const providerKeys = new ProviderKeyStore(database.db, options.encryption, audit, notifier, { onStale: cache('provider keys').onStale });
    const limits = new LimitPolicyStore(database.db, audit, notifier, cache('limit policies'));
    const now = Date.now();
    await database.db
      .insertInto('projects')
      .values({ id: options.defaultProjectId, name: 'Default project', allow_raw_models: 0, created_at: now, updated_at: now })
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
    if (options.seedFeatures?.length) await features.seed(options.defaultProjectId, options.seedFeatures);
    const reserved = await features.reservedNamed();
    if (reserved.length > 0) options.logger?.warn(reservedNamesWarning(reserved), { features: reserved });
    return {
      database,
      notifier,
      audit,
      features,
      clientKeys,
      providerKeys,
      conversations: new SqlConversationStore(database.db, options.conversationLimits),
      limits,
      clock,
      async close() {
        clock.stop();
        limits.close();
        features.close();
        clientKeys.close();
        providerKeys.close();
        await notifier.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}
