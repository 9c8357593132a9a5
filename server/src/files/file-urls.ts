import { createHmac, timingSafeEqual } from 'node:crypto';
import { FILE_ID, type FileOwner } from './file-store.js';

/**
 * How a message names a file of the store: `insforge-file:<id>`. A stored message keeps the header of the data URL
 * it replaced after a `#` (`insforge-file:<id>#image/png;base64`), so reading it back gives the very string sent.
 */
export const FILE_REFERENCE_SCHEME = 'insforge-file:';

/** Where the gateway serves a file, relative to its mount. */
export const FILES_PATH = '/api/ai/files';

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

/** A signed file URL's parts, read from any origin: `…/api/ai/files/<id>?expires=<seconds>&signature=<mac>`. */
export interface SignedFileUrl {
  id: string;
  expires: number;
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
  const parts = signedQueryOf({ expires: url.searchParams.get('expires'), signature: url.searchParams.get('signature') });
  return id === undefined || parts === undefined ? undefined : { id, ...parts };
}

/** `expires` (whole seconds) and `signature` from a query, when both are there and well formed. */
export function signedQueryOf(query: { expires?: unknown; signature?: unknown }): { expires: number; signature: string } | undefined {
  const { expires, signature } = query;
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(signature)) return undefined;
  return { expires: Number(expires), signature };
}

/** How long a signed URL works: at least a minute, at most a week. */
export const SIGNED_URL_TTL = { default: 60 * 60, min: 60, max: 7 * 24 * 60 * 60 } as const;
/** Expiries are rounded up to this step, so reading a conversation twice in a few minutes gives the same URLs (cached). */
const EXPIRY_STEP_SECONDS = 300;

/**
 * Signs and checks file URLs: an HMAC-SHA256 over the project, the owner, the file id and the expiry, under keys
 * derived from the gateway's secret material. The first key signs; every key verifies (a rotated master key keeps
 * the URLs it signed working until they expire).
 *
 * @example
 * const signer = new FileUrlSigner(keys);
 * signer.url('https://app.example/ai', owner, id); // 'https://app.example/ai/api/ai/files/<id>?expires=…&signature=…'
 */
export class FileUrlSigner {
  readonly ttlSeconds: number;
  readonly #keys: readonly Buffer[];

  constructor(keys: readonly Buffer[], options: { ttlSeconds?: number | undefined } = {}) {
    if (keys.length === 0) throw new Error('FileUrlSigner needs at least one key.');
    this.#keys = keys;
    this.ttlSeconds = options.ttlSeconds ?? SIGNED_URL_TTL.default;
  }

  #mac(key: Buffer, owner: FileOwner, id: string, expires: number): Buffer {
    // JSON keeps the fields apart whatever characters a project or owner id holds.
    return createHmac('sha256', key).update(JSON.stringify(['file-url/v1', owner.projectId, owner.owner, id, expires])).digest();
  }

  /** A URL that serves the file to whoever has it, without signing in, until it expires. */
  url(base: string, owner: FileOwner, id: string, now = Date.now()): string {
    const expires = Math.ceil((now / 1000 + this.ttlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
    const signature = this.#mac(this.#keys[0] as Buffer, owner, id, expires).toString('base64url');
    return `${base.replace(/\/+$/, '')}${FILES_PATH}/${id}?expires=${expires}&signature=${signature}`;
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
