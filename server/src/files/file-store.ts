import { createHash } from 'node:crypto';
import type { Owner } from '../auth/owner.js';
import { GatewayError } from '../errors.js';

/** Whose files: a project's caller by kind, exactly as for conversations (`user:<id>`, `key:<id>`, `anonymous`). */
export type FileOwner = Owner;

/** A file as one owner holds it. */
export interface StoredFile {
  /** The SHA-256 of the bytes, 64 lowercase hex digits: the same bytes have the same id for everyone. */
  id: string;
  /** What the owner said it is (`image/png`…), without parameters. */
  mediaType: string;
  size: number;
  name: string | null;
  createdAt: number;
}

/** A file to store: its bytes and what the sender says it is. */
export interface NewFile {
  bytes: Uint8Array;
  mediaType: string;
  name?: string | undefined;
}

/** What one owner may keep; `createAiGateway({ files })` changes them. */
export interface FileLimits {
  /** One file, in bytes. */
  maxFileBytes: number;
  /** Every file one owner holds, in bytes (a file counts once however many messages name it). */
  maxBytesPerOwner: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxBytesPerOwner: 100 * 1024 * 1024,
};

/** What holds a reference that an owner uploaded (or the gateway stored for them: a generated image). */
export const UPLOAD_HOLDER = 'upload';

/** The holder a saved conversation's references are kept under. */
export const conversationHolder = (conversationId: string) => `conversation:${conversationId}`;

/**
 * The gateway's file store: content-addressed by SHA-256, so a blob is stored once per project however many owners
 * or messages hold it. Each owner's reference is kept alive by holders (an upload, a saved conversation); a file
 * is read back only by an owner that holds it, and the blob goes when nobody does.
 */
export interface FileStore {
  readonly limits: FileLimits;
  /** Stores the bytes (once) and records that `holder` keeps the owner's reference; 413 past a cap. */
  put(owner: FileOwner, file: NewFile, holder: string): Promise<StoredFile>;
  /** The file with its bytes, when the owner holds it. */
  read(owner: FileOwner, id: string): Promise<(StoredFile & { bytes: Buffer }) | undefined>;
  /**
   * The file as `read` would find it, without reading its bytes: undefined when the owner holds none or its bytes are
   * gone, so an answer decided from its details (a HEAD, a 304) agrees with one that reads it.
   */
  findReadable(owner: FileOwner, id: string): Promise<StoredFile | undefined>;
  /** The owner's files among `ids`, without their bytes: what reading them would cost, known before it does. */
  find(owner: FileOwner, ids: readonly string[]): Promise<StoredFile[]>;
  /** Adds `holder` to files the owner already holds; answers the ids it now holds (others are ignored). */
  hold(owner: FileOwner, holder: string, ids: readonly string[]): Promise<string[]>;
  /** Lets `holder` go of every file but those in `keep`; a reference nothing holds any more is removed. */
  releaseHolder(owner: FileOwner, holder: string, keep?: readonly string[]): Promise<void>;
  /** Removes the owner's reference, whatever holds it; false when there was none. */
  release(owner: FileOwner, id: string): Promise<boolean>;
  /** The files and bytes the owner holds. */
  usage(owner: FileOwner): Promise<{ files: number; bytes: number }>;
  /** Who holds a file (at most `limit`), to check a signed URL that names only the file. */
  owners(id: string, limit?: number): Promise<FileOwner[]>;
}

/** A file id: the SHA-256 of its bytes as 64 lowercase hex digits. Anything else names no file. */
export const FILE_ID = /^[0-9a-f]{64}$/;

/**
 * The id the store gives these bytes.
 *
 * @example
 * fileIdOf(Buffer.from('abc')); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export const fileIdOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// RFC 6838's restricted names: no spaces, quotes, semicolons or slashes beyond the one separator.
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * A media type as the store keeps it: lowercased, without parameters; undefined when it is not a valid
 * `type/subtype`.
 *
 * @example
 * mediaTypeOf('Image/PNG; charset=binary'); // 'image/png'
 */
export function mediaTypeOf(value: string): string | undefined {
  const essence = (value.split(';')[0] ?? '').trim().toLowerCase();
  return MEDIA_TYPE.test(essence) ? essence : undefined;
}

/**
 * A size as a person reads it.
 *
 * @example
 * formatBytes(12_800); // '12.5 KB'
 */
export function formatBytes(bytes: number): string {
  const [value, unit] = bytes < 1024 ? [bytes, 'bytes'] : bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/** The 413 for one file past `maxFileBytes`, naming where it was. */
export function fileTooLarge(limits: FileLimits, size: number, param = 'file'): GatewayError {
  return new GatewayError('request_too_large', `${param}: a file is at most ${formatBytes(limits.maxFileBytes)}; this one is ${formatBytes(size)}.`, { param });
}
