import type { Kysely, Selectable } from 'kysely';
import { ENCRYPTION_KEY_VARIABLE, KeyDecryptionError, PREVIOUS_ENCRYPTION_KEYS_VARIABLE, type KeyEncryption } from '../crypto/key-encryption.js';
import { GatewayError } from '../errors.js';
import type { KeyFacts } from '../upstream/key-validation.js';
import type { AuditLog } from './audit-log.js';
import type { ChangeNotifier } from './change-notifier.js';
import { NotifiedCache, type StoreCacheOptions } from './notified-cache.js';
import type { Database, ProviderKeyTable } from './schema.js';

/** What may be shown about a stored provider key: never the key, only its masked form and OpenRouter's facts. */
export interface ProviderKeyDescription extends KeyFacts {
  masked: string;
  /** When OpenRouter last confirmed the key (epoch ms). */
  validatedAt: number;
  /** The master key it is encrypted under. */
  keyId: string;
  updatedAt: number;
  updatedBy: string;
}

/** What `rotate` did: projects re-encrypted under the current master key, and rows it could not touch. */
export interface RotationReport {
  reencrypted: string[];
  skipped: Array<{ projectId: string; keyId: string; reason: 'unknown_master_key' | 'authentication_failed' | 'changed_meanwhile' }>;
}

type Row = Selectable<ProviderKeyTable>;

const SECRET_CACHE_MS = 30_000;
const TARGET = 'provider_key:openrouter';

/** `sk-or-…a1b2`: enough to tell keys apart, too little to use. A short key shows only its last 2 characters. */
export function maskProviderKey(key: string): string {
  return key.length >= 20 ? `${key.slice(0, 6)}…${key.slice(-4)}` : `…${key.slice(-2)}`;
}

/** The AAD of a project's key: a ciphertext copied to another project's row does not decrypt. */
const aadOf = (projectId: string) => `provider_key:${projectId}`;

const missingMasterKey = (what: string) =>
  new GatewayError('encryption_key_missing', `${what}: no master key is configured. Set ${ENCRYPTION_KEY_VARIABLE} (e.g. \`openssl rand -base64 32\`) and restart the gateway.`);

/**
 * Each project's OpenRouter key, AES-256-GCM encrypted in `provider_keys`. Refuses to store without a master key,
 * audits every change with masked forms only, and keeps decrypted keys in memory for 30 s at most (dropped at once
 * when any instance announces a `provider_key` change for the project).
 *
 * @example
 * const store = new ProviderKeyStore(db, KeyEncryption.fromEnvironment(process.env), audit, notifier);
 * const key = (await store.secret(projectId)) ?? environmentKey;
 */
export class ProviderKeyStore {
  /**
   * The decrypted key per project (or why it cannot be decrypted). While the database is down, the key known last
   * keeps requests flowing until it is back.
   */
  readonly #cache: NotifiedCache<string, { key: string | undefined } | { failure: unknown }>;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly encryption: KeyEncryption | undefined,
    private readonly audit: AuditLog,
    private readonly notifier: ChangeNotifier,
    cache: StoreCacheOptions = {},
  ) {
    this.#cache = new NotifiedCache({
      ttlMs: cache.ttlMs ?? SECRET_CACHE_MS,
      onStale: (_projectId, error) => cache.onStale?.(error),
      load: async (projectId: string) => {
        const row = await this.db.selectFrom('provider_keys').select(['ciphertext', 'iv', 'tag', 'key_id']).where('project_id', '=', projectId).executeTakeFirst();
        try {
          return { key: row ? this.#decrypt(projectId, row) : undefined };
        } catch (failure) {
          return { failure };
        }
      },
    });
    this.#unsubscribe = notifier.subscribe((event) => {
      if (event.kind === 'provider_key') this.#invalidate(event.projectId);
    });
  }

  /** Throws `encryption_key_missing` (saying how to set one) when no master key is configured, so nothing can be stored. */
  assertCanStore(): KeyEncryption {
    if (!this.encryption) throw missingMasterKey('The OpenRouter key was not stored');
    return this.encryption;
  }

  /** Stores (or replaces) a project's key, already validated with OpenRouter; `encryption_key_missing` without a master key. */
  async set(projectId: string, key: string, facts: KeyFacts, actor: string): Promise<ProviderKeyDescription> {
    const secret = this.assertCanStore().encrypt(key, aadOf(projectId));
    const now = Date.now();
    const row: Row = {
      project_id: projectId,
      ciphertext: secret.ciphertext,
      iv: secret.iv,
      tag: secret.tag,
      key_id: secret.keyId,
      masked: maskProviderKey(key),
      ...factColumns(facts),
      validated_at: now,
      updated_at: now,
      updated_by: actor,
    };
    const { project_id: _projectId, ...changes } = row;
    await this.db.transaction().execute(async (trx) => {
      const previous = await trx.selectFrom('provider_keys').select(['masked', 'label']).where('project_id', '=', projectId).executeTakeFirst();
      await trx.insertInto('provider_keys').values(row).onConflict((conflict) => conflict.column('project_id').doUpdateSet(changes)).execute();
      await this.audit.record(
        { projectId, actor, action: previous ? 'provider_key.replace' : 'provider_key.set', target: TARGET, before: previous ?? null, after: { masked: row.masked, label: row.label } },
        trx,
      );
    });
    await this.#changed(projectId);
    return describeRow(row);
  }

  /** Deletes a project's key; false when there was none. */
  async remove(projectId: string, actor: string): Promise<boolean> {
    const removed = await this.db.transaction().execute(async (trx) => {
      const previous = await trx.selectFrom('provider_keys').select(['masked', 'label']).where('project_id', '=', projectId).executeTakeFirst();
      if (!previous) return false;
      await trx.deleteFrom('provider_keys').where('project_id', '=', projectId).execute();
      await this.audit.record({ projectId, actor, action: 'provider_key.remove', target: TARGET, before: previous, after: null }, trx);
      return true;
    });
    if (removed) await this.#changed(projectId);
    return removed;
  }

  /** The masked key and its facts, or undefined when the project has no stored key. */
  async describe(projectId: string): Promise<ProviderKeyDescription | undefined> {
    const row = await this.db.selectFrom('provider_keys').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row ? describeRow(row) : undefined;
  }

  /** The decrypted key, or undefined when none is stored; `encryption_key_missing` when it cannot be decrypted. */
  async secret(projectId: string): Promise<string | undefined> {
    const read = await this.#cache.get(projectId);
    if ('failure' in read) throw read.failure;
    return read.key;
  }

  /** Records what a fresh `GET /key` said about the stored key; false when the project has none. */
  async updateFacts(projectId: string, facts: KeyFacts, validatedAt = Date.now()): Promise<boolean> {
    const result = await this.db
      .updateTable('provider_keys')
      .set({ ...factColumns(facts), validated_at: validatedAt })
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Re-encrypts every key not under the current master key, when its old key is still configured (as a previous
   * key); rows under an unknown key are reported and left alone.
   */
  async rotate(actor: string): Promise<RotationReport> {
    const encryption = this.encryption;
    if (!encryption) throw missingMasterKey('The stored keys were not re-encrypted');
    const report: RotationReport = { reencrypted: [], skipped: [] };
    const rows = await this.db.selectFrom('provider_keys').selectAll().where('key_id', '!=', encryption.currentKeyId).execute();
    for (const row of rows) {
      const skip = (reason: RotationReport['skipped'][number]['reason']) => report.skipped.push({ projectId: row.project_id, keyId: row.key_id, reason });
      if (!encryption.has(row.key_id)) {
        skip('unknown_master_key');
        continue;
      }
      let key: string;
      try {
        key = encryption.decrypt({ ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, keyId: row.key_id }, aadOf(row.project_id));
      } catch {
        skip('authentication_failed');
        continue;
      }
      const secret = encryption.encrypt(key, aadOf(row.project_id));
      const updated = await this.db.transaction().execute(async (trx) => {
        // Only the row as read: a key set meanwhile is already under the current master key.
        const result = await trx
          .updateTable('provider_keys')
          .set({ ciphertext: secret.ciphertext, iv: secret.iv, tag: secret.tag, key_id: secret.keyId })
          .where('project_id', '=', row.project_id)
          .where('key_id', '=', row.key_id)
          .where('ciphertext', '=', row.ciphertext)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        const masked = { masked: row.masked };
        await this.audit.record({ projectId: row.project_id, actor, action: 'provider_key.reencrypt', target: TARGET, before: { ...masked, keyId: row.key_id }, after: { ...masked, keyId: secret.keyId } }, trx);
        return true;
      });
      if (!updated) {
        skip('changed_meanwhile');
        continue;
      }
      report.reencrypted.push(row.project_id);
      await this.#changed(row.project_id);
    }
    return report;
  }

  /** Stops listening for changes. */
  close(): void {
    this.#unsubscribe();
    this.#cache.invalidateAll();
  }

  #decrypt(projectId: string, row: Pick<Row, 'ciphertext' | 'iv' | 'tag' | 'key_id'>): string {
    const cannotRead = 'The stored OpenRouter key cannot be decrypted';
    if (!this.encryption) throw missingMasterKey(cannotRead);
    try {
      return this.encryption.decrypt({ ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, keyId: row.key_id }, aadOf(projectId));
    } catch (error) {
      if (!(error instanceof KeyDecryptionError)) throw error;
      const hint =
        error.reason === 'unknown_master_key'
          ? `it is under master key "${row.key_id}", which is not configured: add that key to ${PREVIOUS_ENCRYPTION_KEYS_VARIABLE}, or set the OpenRouter key again`
          : `master key "${row.key_id}" does not open it (a different key under the same id, or an altered row): set the OpenRouter key again`;
      throw new GatewayError('encryption_key_missing', `${cannotRead}: ${hint}.`, { cause: error });
    }
  }

  #invalidate(projectId: string): void {
    this.#cache.invalidate(projectId);
  }

  async #changed(projectId: string): Promise<void> {
    this.#invalidate(projectId);
    await this.notifier.publish({ kind: 'provider_key', projectId });
  }
}

function factColumns(facts: KeyFacts): Pick<Row, 'label' | 'limit_usd' | 'limit_remaining_usd' | 'usage_usd' | 'is_free_tier'> {
  return { label: facts.label, limit_usd: facts.limit, limit_remaining_usd: facts.limitRemaining, usage_usd: facts.usage, is_free_tier: facts.isFreeTier ? 1 : 0 };
}

function describeRow(row: Row): ProviderKeyDescription {
  return {
    masked: row.masked,
    label: row.label,
    limit: row.limit_usd,
    limitRemaining: row.limit_remaining_usd,
    usage: row.usage_usd,
    isFreeTier: row.is_free_tier === 1,
    validatedAt: row.validated_at,
    keyId: row.key_id,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
