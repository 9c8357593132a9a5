import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyDecryptionError, KeyEncryption } from './key-encryption.js';

const SECRET = 'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const AAD = 'provider_key:project-1';

const masterKey = (id: string) => ({ id, key: randomBytes(32) });

describe('KeyEncryption', () => {
  it('round-trips a secret under the current key, with a fresh 12-byte IV each time', () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const first = encryption.encrypt(SECRET, AAD);
    const second = encryption.encrypt(SECRET, AAD);
    expect(first.keyId).toBe('k1');
    expect(Buffer.from(first.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(first.tag, 'base64')).toHaveLength(16);
    expect(first.iv).not.toBe(second.iv);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(JSON.stringify(first)).not.toContain(SECRET);
    expect(encryption.decrypt(first, AAD)).toBe(SECRET);
    expect(encryption.decrypt(second, AAD)).toBe(SECRET);
  });

  it('refuses a secret whose tag, ciphertext or IV was altered', () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const secret = encryption.encrypt(SECRET, AAD);
    const flip = (base64: string) => {
      const bytes = Buffer.from(base64, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64');
    };
    for (const altered of [{ ...secret, tag: flip(secret.tag) }, { ...secret, ciphertext: flip(secret.ciphertext) }, { ...secret, iv: flip(secret.iv) }]) {
      expect(() => encryption.decrypt(altered, AAD)).toThrow(KeyDecryptionError);
    }
    // A truncated tag must not be accepted as a shorter (weaker) GCM tag.
    expect(() => encryption.decrypt({ ...secret, tag: Buffer.from(secret.tag, 'base64').subarray(0, 8).toString('base64') }, AAD)).toThrow(KeyDecryptionError);
  });

  it('binds a ciphertext to its AAD: another project cannot decrypt it', () => {
    const encryption = new KeyEncryption([masterKey('k1')]);
    const secret = encryption.encrypt(SECRET, AAD);
    expect(() => encryption.decrypt(secret, 'provider_key:project-2')).toThrow(expect.objectContaining({ reason: 'authentication_failed' }));
  });

  it('decrypts with a previous key after rotation and encrypts under the new one', () => {
    const old = masterKey('old');
    const before = new KeyEncryption([old]).encrypt(SECRET, AAD);
    const rotated = new KeyEncryption([masterKey('new'), old]);
    expect(rotated.currentKeyId).toBe('new');
    expect(rotated.has('old')).toBe(true);
    expect(rotated.decrypt(before, AAD)).toBe(SECRET);
    const after = rotated.encrypt(SECRET, AAD);
    expect(after.keyId).toBe('new');
    expect(new KeyEncryption([masterKey('unrelated')]).has('old')).toBe(false);
    expect(() => new KeyEncryption([masterKey('new')]).decrypt(before, AAD)).toThrow(expect.objectContaining({ reason: 'unknown_master_key' }));
  });

  it('rejects keys of the wrong size and two different keys under one id', () => {
    expect(() => new KeyEncryption([])).toThrow(/at least one/);
    expect(() => new KeyEncryption([{ id: 'k1', key: randomBytes(16) }])).toThrow(/32/);
    expect(() => new KeyEncryption([masterKey('k1'), masterKey('k1')])).toThrow(/same id|the id "k1"/);
  });
});

describe('KeyEncryption.fromEnvironment', () => {
  it('is undefined when no master key is set', () => {
    expect(KeyEncryption.fromEnvironment({})).toBeUndefined();
    expect(KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: '  ' })).toBeUndefined();
  });

  it('reads a base64 or hex key, naming a bare key by the first 8 hex characters of its SHA-256', () => {
    const key = randomBytes(32);
    const id = createHash('sha256').update(key).digest('hex').slice(0, 8);
    const fromBase64 = KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: key.toString('base64') })!;
    const fromHex = KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: key.toString('hex') })!;
    expect(fromBase64.currentKeyId).toBe(id);
    expect(fromHex.currentKeyId).toBe(id);
    expect(fromHex.decrypt(fromBase64.encrypt(SECRET, AAD), AAD)).toBe(SECRET);
    expect(KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: `2026-08:${key.toString('base64')}` })!.currentKeyId).toBe('2026-08');
  });

  it('keeps previous keys, with ids or bare, for rotation', () => {
    const [current, previousA, previousB] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const oldA = new KeyEncryption([{ id: 'a', key: previousA }]).encrypt(SECRET, AAD);
    const previousBEnv = KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: previousB.toString('hex') })!;
    const oldB = previousBEnv.encrypt(SECRET, AAD);
    const encryption = KeyEncryption.fromEnvironment({
      INSFORGE_AI_ENCRYPTION_KEY: `c:${current.toString('base64')}`,
      INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS: ` a:${previousA.toString('base64')} , ${previousB.toString('hex')},`,
    })!;
    expect(encryption.currentKeyId).toBe('c');
    expect(encryption.has('a')).toBe(true);
    expect(encryption.has(previousBEnv.currentKeyId)).toBe(true);
    expect(encryption.decrypt(oldA, AAD)).toBe(SECRET);
    expect(encryption.decrypt(oldB, AAD)).toBe(SECRET);
  });

  it('explains how to make a key when a value is malformed, without echoing the value', () => {
    const malformed = [
      { INSFORGE_AI_ENCRYPTION_KEY: 'correct-horse-battery-staple' },
      { INSFORGE_AI_ENCRYPTION_KEY: randomBytes(16).toString('base64') },
      { INSFORGE_AI_ENCRYPTION_KEY: randomBytes(31).toString('hex') },
      { INSFORGE_AI_ENCRYPTION_KEY: `bad id!:${randomBytes(32).toString('base64')}` },
      { INSFORGE_AI_ENCRYPTION_KEY: randomBytes(32).toString('base64'), INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS: 'old:not-a-key-at-all' },
      { INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS: randomBytes(32).toString('base64') },
    ];
    for (const env of malformed) {
      let message = '';
      try {
        KeyEncryption.fromEnvironment(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('openssl rand -base64 32');
      for (const value of Object.values(env)) {
        const material = value.slice(value.lastIndexOf(':') + 1);
        expect(message).not.toContain(material);
      }
    }
    expect(() => KeyEncryption.fromEnvironment({ INSFORGE_AI_ENCRYPTION_KEY: randomBytes(32).toString('base64'), INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS: 'x' })).toThrow(/INSFORGE_AI_PREVIOUS_ENCRYPTION_KEYS \(entry 1\)/);
  });
});
