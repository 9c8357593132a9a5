import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { KeyEncryption } from '../crypto/key-encryption.js';
import type { Database } from '../store/schema.js';

const PURPOSE = 'insforge-ai/file-urls';

/**
 * The keys that sign file URLs: derived from the master keys (`INSFORGE_AI_ENCRYPTION_KEY` and the previous ones)
 * when the gateway has them; otherwise a random secret the first instance makes and keeps in the database, so every
 * instance and every restart signs alike.
 *
 * @example
 * const signer = new FileUrlSigner(await fileUrlKeys(database.db, encryption));
 */
export async function fileUrlKeys(db: Kysely<Database>, encryption: KeyEncryption | undefined): Promise<Buffer[]> {
  if (encryption) return encryption.deriveKeys(PURPOSE);
  await db
    .insertInto('gateway_secrets')
    .values({ name: PURPOSE, value: randomBytes(32).toString('base64'), created_at: Date.now() })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const stored = await db.selectFrom('gateway_secrets').select('value').where('name', '=', PURPOSE).executeTakeFirstOrThrow();
  return [Buffer.from(stored.value, 'base64')];
}
