import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** A 32-byte AES-256 master key and the id stored beside everything encrypted under it. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** An AES-256-GCM ciphertext with what decrypting it needs besides the master key (all base64). */
export interface EncryptedSecret {
  ciphertext: string;
  iv: string;
  tag: string;
  /** The id of the master key it was encrypted under. */
  keyId: string;
}

/** Why a secret could not be decrypted: its master key is not configured, or the data or AAD do not match. */
export class KeyDecryptionError extends Error {
  constructor(
    readonly reason: 'unknown_master_key' | 'authentication_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeyDecryptionError';
  }
}

export const ENCRYPTION_KEY_VARIABLE = 'INSFORGE_AI_ENCRYPTION_KEY';
export const PREVIOUS_ENCRYPTION_KEYS_VARIABLE = 'INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const HOW_TO_MAKE_A_KEY = 'It must be 32 bytes as base64 or as 64 hex characters, optionally prefixed with an id and a colon (`id:key`). Make one with `openssl rand -base64 32`.';

/**
 * AES-256-GCM under a list of master keys: the first encrypts, every one decrypts what carries its id, so the
 * master key can be rotated (new key current, old ones kept as previous until every row is re-encrypted).
 *
 * @example
 * const encryption = KeyEncryption.fromEnvironment(process.env);
 * const secret = encryption?.encrypt('sk-or-v1-…', `provider_key:${projectId}`);
 */
export class KeyEncryption {
  readonly #keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(keys: MasterKey[]) {
    const current = keys[0];
    if (!current) throw new Error('KeyEncryption needs at least one master key.');
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error('A master key id must be 1 to 64 letters, digits, dots, dashes or underscores.');
      if (key.length !== KEY_BYTES) throw new Error(`Master key "${id}" is ${key.length} bytes long; AES-256 needs ${KEY_BYTES}.`);
      const known = this.#keys.get(id);
      if (known && !known.equals(key)) throw new Error(`Two different master keys have the id "${id}"; give each key its own id.`);
      this.#keys.set(id, Buffer.from(key));
    }
    this.currentKeyId = current.id;
  }

  /**
   * Reads `INSFORGE_AI_ENCRYPTION_KEY` (the current key) and `INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS` (comma-separated,
   * for rotation); undefined when no key is set. A malformed value throws without echoing it.
   */
  static fromEnvironment(env: Record<string, string | undefined>): KeyEncryption | undefined {
    const current = env[ENCRYPTION_KEY_VARIABLE]?.trim();
    const previous = (env[PREVIOUS_ENCRYPTION_KEYS_VARIABLE] ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (!current) {
      if (previous.length > 0) throw new Error(`${PREVIOUS_ENCRYPTION_KEYS_VARIABLE} is set but ${ENCRYPTION_KEY_VARIABLE} is not: set the current master key too. ${HOW_TO_MAKE_A_KEY}`);
      return undefined;
    }
    const keys = [parseMasterKey(current, ENCRYPTION_KEY_VARIABLE)];
    previous.forEach((entry, index) => keys.push(parseMasterKey(entry, `${PREVIOUS_ENCRYPTION_KEYS_VARIABLE} (entry ${index + 1})`)));
    return new KeyEncryption(keys);
  }

  /** Whether a master key with this id is configured. */
  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /**
   * 32-byte keys for another purpose (signing file URLs…), one per master key, derived with HKDF-SHA256 so they
   * reveal nothing of the master keys; the current key's first.
   *
   * @example
   * const [signingKey] = encryption.deriveKeys('insforge-ai/file-urls');
   */
  deriveKeys(purpose: string): Buffer[] {
    const ordered = [this.currentKeyId, ...[...this.#keys.keys()].filter((id) => id !== this.currentKeyId)];
    return ordered.map((id) => Buffer.from(hkdfSync('sha256', this.#keys.get(id) as Buffer, Buffer.alloc(0), purpose, KEY_BYTES)));
  }

  /** Encrypts under the current key with a fresh 12-byte IV; `aad` binds the result to its owner (a project id). */
  encrypt(plaintext: string, aad: string): EncryptedSecret {
    const key = this.#keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: ciphertext.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), keyId: this.currentKeyId };
  }

  /** Decrypts with the key the secret names; throws `KeyDecryptionError` if that key is missing or anything was altered. */
  decrypt(secret: EncryptedSecret, aad: string): string {
    const key = this.#keys.get(secret.keyId);
    if (!key) throw new KeyDecryptionError('unknown_master_key', `The secret was encrypted under master key "${secret.keyId}", which is not configured.`);
    const iv = Buffer.from(secret.iv, 'base64');
    const tag = Buffer.from(secret.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new KeyDecryptionError('authentication_failed', `The secret under master key "${secret.keyId}" is malformed.`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(secret.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new KeyDecryptionError('authentication_failed', `The secret under master key "${secret.keyId}" could not be decrypted: the master key is wrong, or the data or its owner changed.`, { cause: error });
    }
  }
}

/** `id:key` or a bare key (base64 or hex); a bare key's id is the first 8 hex characters of its SHA-256. */
function parseMasterKey(value: string, source: string): MasterKey {
  // Neither base64 nor hex contains a colon, so the last one separates the id.
  const colon = value.lastIndexOf(':');
  const id = colon === -1 ? undefined : value.slice(0, colon).trim();
  const key = decodeKey(value.slice(colon + 1).trim());
  if (!key) throw new Error(`${source} is not a valid encryption key. ${HOW_TO_MAKE_A_KEY}`);
  if (id !== undefined && !KEY_ID.test(id)) throw new Error(`${source} has an invalid key id: use 1 to 64 letters, digits, dots, dashes or underscores before the colon. ${HOW_TO_MAKE_A_KEY}`);
  return { id: id ?? createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}
