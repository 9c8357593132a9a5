import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { KeyEncryption } from '../crypto/key-encryption.js';
import { GatewayError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { canonicalBase64, base64DataUrl } from './data-urls.js';
import { DEFAULT_FILE_LIMITS, formatBytes, mediaTypeOf, type FileOwner, type FileStore, type StoredFile } from './file-store.js';
import { fileUrlKeys } from './file-url-keys.js';
import { FileUrlSigner, SIGNED_URL_TTL, type SignedFileUrl } from './file-urls.js';
import { FolderBytes } from './folder-bytes.js';
import { SqlFileStore } from './sql-file-store.js';

/** `createAiGateway({ files })`: where the bytes go, the caps per file and per owner, and the signed URLs. */
export interface FilesOptions {
  /** A folder for the bytes (the metadata stays in the database). Default: the bytes in the database too. */
  directory?: string;
  /** The largest file, in bytes. Default 10 MB. */
  maxFileBytes?: number;
  /** Every file one caller holds, in bytes. Default 100 MB. */
  maxBytesPerOwner?: number;
  /** How long a signed file URL works, in seconds (60 to 604,800). Default one hour. */
  signedUrlTtlSeconds?: number;
  /**
   * The gateway's address as browsers reach it (`https://app.example/ai`), for signed URLs. Default: read from each
   * request (its protocol, `Host` and the gateway's mount path; behind a proxy, set Express's `trust proxy`).
   */
  publicUrl?: string;
  /**
   * How many bytes of file answers may wait in memory for their clients at once, in bytes: a client that reads slowly,
   * or not at all, holds its file's bytes until it has them. Past it a read is a 503 with Retry-After. Default 256 MB.
   */
  maxSendingBytes?: number;
}

/** `FilesOptions.maxSendingBytes` by default: 25 files of the largest size waiting for their clients at once. */
export const DEFAULT_MAX_SENDING_BYTES = 256 * 1024 * 1024;

export const filesOptionsSchema = z
  .object({
    directory: z.string().min(1, 'files.directory names a folder').optional(),
    maxFileBytes: z.number().int().positive().optional(),
    maxBytesPerOwner: z.number().int().positive().optional(),
    signedUrlTtlSeconds: z.number().int().min(SIGNED_URL_TTL.min).max(SIGNED_URL_TTL.max).optional(),
    publicUrl: z.url().optional(),
    maxSendingBytes: z.number().int().positive().optional(),
  })
  .strict();

/**
 * What a stored file becomes in a message: its data URL (or bare base64) as sent, given back byte for byte.
 *
 * @example
 * inlineFile(file, 'url', 'image/png;base64'); // 'data:image/png;base64,iVBORw0…'
 */
export function inlineFile(file: StoredFile & { bytes: Buffer }, form: 'url' | 'base64', header: string | undefined): string {
  const base64 = file.bytes.toString('base64');
  if (header !== undefined) return `data:${header},${base64}`;
  return form === 'base64' ? base64 : `data:${file.mediaType};base64,${base64}`;
}

/**
 * `inlineFile` for one request or one read, within `maxBytes` of files in all (the owner's file cap), each file
 * counted every time it is named: a few bytes of references repeating one file would otherwise make the gateway
 * build gigabytes of base64. A request naming each of its owner's files once always fits. Past it, a 413 naming the
 * part, before anything of that file is built; `remedy` says what the caller can do instead.
 *
 * @example
 * const inline = inlinerWithin(store.limits.maxBytesPerOwner, 'name each file once');
 * slot.set(inline(file, slot.form, undefined, slot.path));
 */
export function inlinerWithin(maxBytes: number, remedy: string): (file: StoredFile & { bytes: Buffer }, form: 'url' | 'base64', header: string | undefined, path: string) => string {
  const count = inlineBytesWithin(maxBytes, remedy);
  return (file, form, header, path) => {
    count(file.bytes.byteLength, path);
    return inlineFile(file, form, header);
  };
}

/**
 * The count behind `inlinerWithin`, for a caller that knows the files' sizes before it reads them: each call adds
 * one naming of a file; past `maxBytes` in all, the same 413 naming the part.
 *
 * @example
 * const count = inlineBytesWithin(store.limits.maxBytesPerOwner, 'read it with ?attachments=reference');
 * for (const { file, path } of named) count(file.size, path);
 */
export function inlineBytesWithin(maxBytes: number, remedy: string): (bytes: number, path: string) => void {
  let inlined = 0;
  return (bytes, path) => {
    inlined += bytes;
    if (inlined > maxBytes) {
      throw new GatewayError('request_too_large', `${path}: the files named here come to more than ${formatBytes(maxBytes)}, the most one caller may hold (a file counts each time it is named); ${remedy}.`, { param: path });
    }
  };
}

/**
 * The bytes a message string carries inline, with what to give it back with; undefined when it carries none.
 *
 * @example
 * inlineBytesOf(audioBase64, 'base64', 'audio/wav'); // { bytes, mediaType: 'audio/wav', header: undefined }
 */
export function inlineBytesOf(value: string, form: 'url' | 'base64', mediaType: string | undefined): { bytes: Buffer; mediaType: string; header: string | undefined } | undefined {
  const dataUrl = base64DataUrl(value);
  if (dataUrl) return { bytes: dataUrl.bytes, mediaType: dataUrl.mediaType, header: dataUrl.header };
  if (form !== 'base64') return undefined;
  const bytes = canonicalBase64(value);
  return bytes ? { bytes, mediaType: (mediaType && mediaTypeOf(mediaType)) ?? 'application/octet-stream', header: undefined } : undefined;
}

/**
 * The owners of a file a URL that names none is checked against: URLs signed before they named their owner, all
 * expired a week after the upgrade. A file's first owners cover what those URLs were made for on a gateway whose files
 * few owners share; checking them all would let a forged URL cost an HMAC per owner.
 */
const UNNAMED_OWNER_LOOKUP = 64;

/**
 * The gateway's files: the store, the signer of their URLs, and where the gateway is reached. Built once the database
 * is open; routes, conversations and the chat's attachment stage share it.
 *
 * @example
 * const files = await openGatewayFiles(database.db, { maxBytesPerOwner: 50e6 }, encryption);
 * files.signedUrl(owner, id, 'https://app.example/ai');
 */
export class GatewayFiles {
  /** Bytes of file answers not yet taken by their clients (`sending`). */
  #sendingBytes = 0;

  constructor(
    readonly store: FileStore,
    readonly signer: FileUrlSigner,
    private readonly publicUrl: string | undefined,
    private readonly maxSendingBytes = DEFAULT_MAX_SENDING_BYTES,
  ) {}

  /**
   * Counts `bytes` of files an answer carries (a file, a conversation's inlined attachments) as waiting for its client
   * until `release` (its response finished or closed). Past `maxSendingBytes` (one answer alone always fits) nothing is
   * counted, and a 503 with Retry-After is thrown.
   */
  startSending(bytes: number): { release(): void } {
    if (this.#sendingBytes > 0 && this.#sendingBytes + bytes > this.maxSendingBytes) {
      throw new GatewayError('service_unavailable', 'The gateway holds as many files waiting for their clients as it takes at once; try again in a moment.', { retryAfterSeconds: 2 });
    }
    this.#sendingBytes += bytes;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#sendingBytes -= bytes;
      },
    };
  }

  /** A URL that serves the file to anyone who has it until it expires; `requestBase` unless `publicUrl` is set. */
  signedUrl(owner: FileOwner, id: string, requestBase: string): string {
    return this.signer.url(this.publicUrl ?? requestBase, owner, id);
  }

  /**
   * The owner a signed URL was made for, when it is valid and unexpired (whether that owner still holds the file is
   * the read's to say). A URL signed before URLs named their owner (they last a week at most) is checked against the
   * file's first `UNNAMED_OWNER_LOOKUP` owners only, so a forged one costs a bounded count of HMACs.
   */
  async signedOwner(signed: SignedFileUrl): Promise<FileOwner | undefined> {
    if (signed.owner !== undefined) {
      const owner = this.signer.ownerOf(signed.owner);
      return owner && this.signer.verify(owner, signed.id, signed) ? owner : undefined;
    }
    const owners = await this.store.owners(signed.id, UNNAMED_OWNER_LOOKUP);
    return owners.find((owner) => this.signer.verify(owner, signed.id, signed));
  }
}

/** Opens the file store on the gateway's database (and folder), with its URL keys. */
export async function openGatewayFiles(db: Kysely<Database>, options: FilesOptions = {}, encryption?: KeyEncryption): Promise<GatewayFiles> {
  const limits = { maxFileBytes: options.maxFileBytes ?? DEFAULT_FILE_LIMITS.maxFileBytes, maxBytesPerOwner: options.maxBytesPerOwner ?? DEFAULT_FILE_LIMITS.maxBytesPerOwner };
  const store = new SqlFileStore(db, { limits, folder: options.directory === undefined ? undefined : new FolderBytes(options.directory) });
  const signer = new FileUrlSigner(await fileUrlKeys(db, encryption), { ttlSeconds: options.signedUrlTtlSeconds });
  return new GatewayFiles(store, signer, options.publicUrl?.replace(/\/+$/, ''), options.maxSendingBytes);
}
