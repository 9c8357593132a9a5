import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ClientKeyVerifier, Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import type { AuditLog } from './audit-log.js';
import type { ChangeNotifier } from './change-notifier.js';
import { NotifiedCache, type StoreCacheOptions } from './notified-cache.js';
import type { Database } from './schema.js';

export interface ClientKeyRecord {
  id: string;
  projectId: string;
  label: string;
  /** The first characters of the key, to tell keys apart; the key itself is never stored. */
  prefix: string;
  role: Identity['role'];
  userId: string | null;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The longest label and end-user id a client key may have (the admin API and the CLI refuse longer ones). */
export const CLIENT_KEY_LIMITS = { labelLength: 200, userIdLength: 256 } as const;

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
/** How often a key's last-used time is written: at most once a minute, so verification stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;
const CACHE_TTL_MS = 5_000;

/** Client API keys: stored as SHA-256 hashes, shown once at creation, revocable, with label and last use. */
export class SqlClientKeyStore implements ClientKeyVerifier {
  /** Identities by key hash (undefined for an unknown or revoked key); a revocation drops them on every instance. */
  readonly #cache: NotifiedCache<string, Identity | undefined>;
  readonly #lastUseWritten = new Map<string, number>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly notifier: ChangeNotifier,
    cache: StoreCacheOptions = {},
  ) {
    this.#cache = new NotifiedCache({
      ttlMs: cache.ttlMs ?? CACHE_TTL_MS,
      // The key's hash is left out of the report: it identifies a secret.
      onStale: (_hash, error) => cache.onStale?.(error),
      load: async (hash: string) => {
        const row = await this.db.selectFrom('client_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
        return row && row.revoked_at === null ? { projectId: row.project_id, role: row.role, clientKeyId: row.id, ...(row.user_id ? { userId: row.user_id } : {}) } : undefined;
      },
    });
    this.#unsubscribe = notifier.subscribe((event) => {
      if (event.kind === 'client_keys') this.#cache.invalidateAll();
    });
  }

  /** Creates a key and returns it once, with its record. */
  async create(projectId: string, input: { label: string; role?: Identity['role']; userId?: string }, actor: string): Promise<{ key: string; record: ClientKeyRecord }> {
    const key = `ik_${randomBytes(24).toString('base64url')}`;
    const row: Database['client_keys'] = {
      id: randomUUID(),
      project_id: projectId,
      label: input.label,
      key_hash: hashKey(key),
      prefix: key.slice(0, 10),
      role: input.role ?? 'user',
      user_id: input.userId ?? null,
      created_at: Date.now(),
      created_by: actor,
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('client_keys').values(row).execute();
      await this.audit.record({ projectId, actor, action: 'client_key.create', target: `client_key:${row.id}`, before: null, after: { label: row.label, prefix: row.prefix, role: row.role, userId: row.user_id } }, trx);
    });
    return { key, record: toRecord(row) };
  }

  async list(projectId: string): Promise<ClientKeyRecord[]> {
    const rows = await this.db.selectFrom('client_keys').selectAll().where('project_id', '=', projectId).orderBy('created_at', 'desc').execute();
    return rows.map(toRecord);
  }

  /** How many keys are not revoked, in every project: whether any client can call a gateway that has no static key. */
  async activeCount(): Promise<number> {
    const row = await this.db.selectFrom('client_keys').select((eb) => eb.fn.countAll<number | string | bigint>().as('count')).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async revoke(projectId: string, id: string, actor: string): Promise<ClientKeyRecord> {
    const row = await this.db.selectFrom('client_keys').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new GatewayError('not_found', `No client key ${id} in this project.`, { param: 'id' });
    if (row.revoked_at === null) {
      const revokedAt = Date.now();
      await this.db.transaction().execute(async (trx) => {
        await trx.updateTable('client_keys').set({ revoked_at: revokedAt }).where('id', '=', id).execute();
        await this.audit.record({ projectId, actor, action: 'client_key.revoke', target: `client_key:${id}`, before: { label: row.label, prefix: row.prefix }, after: { revokedAt } }, trx);
      });
      row.revoked_at = revokedAt;
      this.#cache.invalidateAll();
      await this.notifier.publish({ kind: 'client_keys', projectId });
    }
    return toRecord(row);
  }

  async verify(token: string): Promise<Identity | undefined> {
    const identity = await this.#cache.get(hashKey(token));
    if (identity?.clientKeyId) this.#touch(identity.clientKeyId);
    return identity;
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Records a use off the request path, at most once a minute per key; a failed write only loses a timestamp. */
  #touch(id: string): void {
    const now = Date.now();
    if (now - (this.#lastUseWritten.get(id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.#lastUseWritten.set(id, now);
    void this.db.updateTable('client_keys').set({ last_used_at: now }).where('id', '=', id).execute().catch(() => undefined);
  }
}

function toRecord(row: Database['client_keys']): ClientKeyRecord {
  return {
    id: row.id,
    projectId: row.project_id,
    label: row.label,
    prefix: row.prefix,
    role: row.role,
    userId: row.user_id,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
