import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { FILE_ID, type FileOwner } from './file-store.js';

/**
 * How a message names a file of the store: `insforge-file:<id>`. A stored message keeps the header of the data URL
 * it replaced after a `#` (`insforge-file:<id>#image/png;base64`), so reading it back gives the very string sent.
 */
export const FILE_REFERENCE_SCHEME = 'insforge-file:';

/** Where the gateway serves a file, relative to its mount. */
export const FILES_PATH = '/api/ai/files';

/** Whether a request (its path relative to the mount) uploads a file: the one route whose body is any type. */
export const isFileUpload = (req: { method?: string | undefined; url?: string | undefined }): boolean =>
  req.method === 'POST' && req.url !== undefined && (req.url === FILES_PATH || req.url.startsWith(`${FILES_PATH}?`));

/** The longest data URL header a reference keeps (`image/png;name=…;base64`). */
const MAX_HEADER_LENGTH = 256;

const REFERENCE = /^insforge-file:([0-9a-f]{64})(?:#([^\s]{1,256}))?$/;
const SIGNED_PATH = /\/api\/ai\/files\/([0-9a-f]{64})$/;

/**
 * The reference that stands for a file in a message; with `header`, the data URL header to give it back with.
 *
 * @example
 * fileReference(id); // 'insforge-file:3b1f…'
 */
export function fileReference(id: string, header?: string): string {
  return header === undefined ? `${FILE_REFERENCE_SCHEME}${id}` : `${FILE_REFERENCE_SCHEME}${id}#${header}`;
}

/**
 * The file a reference names and the header it keeps, or undefined for any other string.
 *
 * @example
 * parseFileReference(`insforge-file:${id}#image/png;base64`); // { id, header: 'image/png;base64' }
 */
export function parseFileReference(value: string): { id: string; header: string | undefined } | undefined {
  if (!value.startsWith(FILE_REFERENCE_SCHEME) || value.length > FILE_REFERENCE_SCHEME.length + 65 + MAX_HEADER_LENGTH) return undefined;
  const match = REFERENCE.exec(value);
  return match?.[1] === undefined ? undefined : { id: match[1], header: match[2] };
}

/**
 * A signed file URL's parts, read from any origin: `…/api/ai/files/<id>?expires=<seconds>&owner=<sealed>&signature=<mac>`
 * (URLs signed before they named their owner have no `owner`).
 */
export interface SignedFileUrl {
  id: string;
  expires: number;
  /** The owner it was signed for, sealed (`FileUrlSigner.ownerOf` opens it). */
  owner?: string | undefined;
  signature: string;
}

/**
 * The parts of a URL that has the shape of the gateway's signed file URLs, or undefined.
 *
 * @example
 * parseSignedFileUrl(`https://app.example/ai/api/ai/files/${id}?expires=1900000000&signature=${mac}`); // { id, expires: 1900000000, signature: mac }
 */
export function parseSignedFileUrl(value: string): SignedFileUrl | undefined {
  if (value.length > 4_096 || !value.includes(`${FILES_PATH}/`) || !value.includes('signature=')) return undefined;
  let url: URL;
  try {
    url = new URL(value, 'http://gateway.invalid');
  } catch {
    return undefined;
  }
  const id = SIGNED_PATH.exec(url.pathname)?.[1];
  const parts = signedQueryOf({ expires: url.searchParams.get('expires'), owner: url.searchParams.get('owner') ?? undefined, signature: url.searchParams.get('signature') });
  return id === undefined || parts === undefined ? undefined : { id, ...parts };
}

/** A sealed owner: base64url of a 12-byte nonce, the sealed project and owner ids (at most 256 each) and a 16-byte tag. */
const SEALED_OWNER = /^[A-Za-z0-9_-]{40,1400}$/;

/**
 * `expires` (whole seconds), `signature` and, when there, `owner` from a query, when all are well formed (an `owner`
 * given but malformed refuses the whole).
 */
export function signedQueryOf(query: { expires?: unknown; owner?: unknown; signature?: unknown }): Omit<SignedFileUrl, 'id'> | undefined {
  const { expires, owner, signature } = query;
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return undefined;
  if (owner === undefined) return { expires: Number(expires), signature };
  return typeof owner === 'string' && SEALED_OWNER.test(owner) ? { expires: Number(expires), owner, signature } : undefined;
}

/** How long a signed URL works: at least a minute, at most a week. */
export const SIGNED_URL_TTL = { default: 60 * 60, min: 60, max: 7 * 24 * 60 * 60 } as const;
/** Expiries are rounded up to this step, so reading a conversation twice in a few minutes gives the same URLs (cached). */
const EXPIRY_STEP_SECONDS = 300;

/**
 * Signs and checks file URLs: an HMAC-SHA256 over the project, the owner, the file id and the expiry, under keys
 * derived from the gateway's secret material. The first key signs; every key verifies (a rotated master key keeps
 * the URLs it signed working until they expire). A URL names the owner it was signed for, sealed (AES-256-GCM under a
 * key derived from the signing key, with a nonce derived from the owner, so the same owner's URLs stay the same and
 * cache): a check opens it and computes one HMAC, however many owners hold the file, and the URL shows no user id.
 *
 * @example
 * const signer = new FileUrlSigner(keys);
 * signer.url('https://app.example/ai', owner, id); // 'https://app.example/ai/api/ai/files/<id>?expires=…&signature=…'
 */
export class FileUrlSigner {
  readonly ttlSeconds: number;
  readonly #keys: readonly Buffer[];
  /** The keys that seal owners, one per signing key, in the same order. */
  readonly #sealKeys: readonly Buffer[];

  constructor(keys: readonly Buffer[], options: { ttlSeconds?: number | undefined } = {}) {
    if (keys.length === 0) throw new Error('FileUrlSigner needs at least one key.');
    this.#keys = keys;
    this.#sealKeys = keys.map((key) => createHmac('sha256', key).update('file-url-owner/v1').digest());
    this.ttlSeconds = options.ttlSeconds ?? SIGNED_URL_TTL.default;
  }

  #seal(owner: FileOwner): string {
    const key = this.#sealKeys[0] as Buffer;
    const plain = Buffer.from(JSON.stringify([owner.projectId, owner.owner]));
    const nonce = createHmac('sha256', key).update(plain).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64url');
  }

  /** The owner a URL's `owner` parameter seals, or undefined when no key of this gateway sealed it. */
  ownerOf(sealed: string): FileOwner | undefined {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 12 + 16 + 2) return undefined;
    for (const key of this.#sealKeys) {
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
      } catch {
        continue;
      }
      const parsed: unknown = JSON.parse(plain.toString('utf8'));
      if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return { projectId: parsed[0], owner: parsed[1] };
    }
    return undefined;
  }

  #mac(key: Buffer, owner: FileOwner, id: string, expires: number): Buffer {
    // JSON keeps the fields apart whatever characters a project or owner id holds.
    return createHmac('sha256', key).update(JSON.stringify(['file-url/v1', owner.projectId, owner.owner, id, expires])).digest();
  }

  /** A URL that serves the file to whoever has it, without signing in, until it expires. */
  url(base: string, owner: FileOwner, id: string, now = Date.now()): string {
    const expires = Math.ceil((now / 1000 + this.ttlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
    const signature = this.#mac(this.#keys[0] as Buffer, owner, id, expires).toString('base64url');
    return `${base.replace(/\/+$/, '')}${FILES_PATH}/${id}?expires=${expires}&owner=${this.#seal(owner)}&signature=${signature}`;
  }

  /** Whether the signature is this owner's for this file; an expired one is refused unless `ignoreExpiry`. */
  verify(owner: FileOwner, id: string, signed: { expires: number; signature: string }, options: { now?: number; ignoreExpiry?: boolean } = {}): boolean {
    if (!FILE_ID.test(id)) return false;
    if (!options.ignoreExpiry && signed.expires * 1000 <= (options.now ?? Date.now())) return false;
    const given = Buffer.from(signed.signature, 'base64url');
    if (given.length !== 32) return false;
    return this.#keys.some((key) => timingSafeEqual(this.#mac(key, owner, id, signed.expires), given));
  }
}
