import type { Kysely, Transaction } from 'kysely';
import { GatewayError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { DEFAULT_FILE_LIMITS, FILE_ID, fileIdOf, fileTooLarge, formatBytes, mediaTypeOf, type FileLimits, type FileOwner, type FileStore, type NewFile, type StoredFile } from './file-store.js';
import type { FolderBytes } from './folder-bytes.js';

type OwnerRow = Pick<Database['file_owners'], 'file_id' | 'media_type' | 'name' | 'size' | 'created_at'>;

/** Owners a signed URL's file is checked against, at most: far more than any file is shared by. */
const OWNER_LOOKUP_LIMIT = 1_000;
/** File ids one statement of `find` looks up. */
const FIND_BATCH = 500;
/** Tries of a put that raced a release of the same reference (each try sees the other's result). */
const PUT_TRIES = 3;

/**
 * The file store in the gateway's database (SQLite or Postgres), with the bytes in a `bytea` column or, given a
 * `FolderBytes`, in a local folder. Every write is one transaction that locks in one order — the owner's reference,
 * the owner's totals, the blob — so concurrent puts and releases never leave a count wrong or a blob without bytes.
 *
 * @example
 * const files = new SqlFileStore(database.db, { limits: { maxBytesPerOwner: 50 * 1024 * 1024 } });
 * const file = await files.put({ projectId: 'default', owner: 'user:u1' }, { bytes, mediaType: 'image/png' }, UPLOAD_HOLDER);
 */
export class SqlFileStore implements FileStore {
  readonly limits: FileLimits;
  readonly #folder: FolderBytes | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    options: { limits?: Partial<FileLimits> | undefined; folder?: FolderBytes | undefined } = {},
  ) {
    this.limits = { ...DEFAULT_FILE_LIMITS, ...options.limits };
    this.#folder = options.folder;
  }

  async put(owner: FileOwner, file: NewFile, holder: string): Promise<StoredFile> {
    const size = file.bytes.byteLength;
    if (size > this.limits.maxFileBytes) throw fileTooLarge(this.limits, size);
    const mediaType = mediaTypeOf(file.mediaType);
    if (mediaType === undefined) throw new GatewayError('invalid_parameter', `mediaType: "${file.mediaType.slice(0, 80)}" is not a media type (type/subtype, e.g. image/png).`, { param: 'mediaType' });
    const id = fileIdOf(file.bytes);
    const now = Date.now();
    return this.db.transaction().execute(async (trx) => {
      let row: OwnerRow | undefined;
      for (let attempt = 0; attempt < PUT_TRIES && !row; attempt += 1) {
        row = await lockReference(trx, owner, id);
        if (row) break;
        const created: OwnerRow = { file_id: id, media_type: mediaType, name: file.name ?? null, size, created_at: now };
        const inserted = await trx
          .insertInto('file_owners')
          .values({ project_id: owner.projectId, owner: owner.owner, ...created })
          .onConflict((conflict) => conflict.columns(['project_id', 'owner', 'file_id']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) continue;
        await this.#account(trx, owner, 1, size);
        await this.#addBlob(trx, owner.projectId, id, file.bytes, now);
        row = created;
      }
      if (!row) throw new GatewayError('version_conflict', 'The file was being removed while it was stored; send it again.', { param: 'file' });
      await trx.insertInto('file_holds').values({ project_id: owner.projectId, owner: owner.owner, file_id: id, holder }).onConflict((conflict) => conflict.doNothing()).execute();
      return toStoredFile(row);
    });
  }

  async read(owner: FileOwner, id: string): Promise<(StoredFile & { bytes: Buffer }) | undefined> {
    if (!FILE_ID.test(id)) return undefined;
    const row = await this.#heldBlob(owner, id).select('b.bytes').executeTakeFirst();
    if (!row) return undefined;
    const bytes = row.bytes ?? (await this.#folder?.read(owner.projectId, id));
    if (!bytes) return undefined;
    return { ...toStoredFile(row), bytes: Buffer.from(bytes) };
  }

  async findReadable(owner: FileOwner, id: string): Promise<StoredFile | undefined> {
    if (!FILE_ID.test(id)) return undefined;
    // Whether the column holds the bytes, not the bytes: the database answers it without loading them.
    const row = await this.#heldBlob(owner, id)
      .select((eb) => eb('b.bytes', 'is not', null).as('in_database'))
      .executeTakeFirst();
    if (!row) return undefined;
    if (!row.in_database && !(await this.#folder?.has(owner.projectId, id))) return undefined;
    return toStoredFile(row);
  }

  /** The owner's reference to a file joined to its blob, the reference's columns selected. */
  #heldBlob(owner: FileOwner, id: string) {
    return this.db
      .selectFrom('file_owners as o')
      .innerJoin('file_blobs as b', (join) => join.onRef('b.project_id', '=', 'o.project_id').onRef('b.id', '=', 'o.file_id'))
      .select(['o.file_id', 'o.media_type', 'o.name', 'o.size', 'o.created_at'])
      .where('o.project_id', '=', owner.projectId)
      .where('o.owner', '=', owner.owner)
      .where('o.file_id', '=', id);
  }

  async find(owner: FileOwner, ids: readonly string[]): Promise<StoredFile[]> {
    const wanted = [...new Set(ids)].filter((id) => FILE_ID.test(id));
    const found: StoredFile[] = [];
    // A batch at a time: a statement takes a bounded count of parameters (SQLite's is the smaller).
    for (let start = 0; start < wanted.length; start += FIND_BATCH) {
      const rows = await this.db
        .selectFrom('file_owners')
        .select(['file_id', 'media_type', 'name', 'size', 'created_at'])
        .where('project_id', '=', owner.projectId)
        .where('owner', '=', owner.owner)
        .where('file_id', 'in', wanted.slice(start, start + FIND_BATCH))
        .execute();
      found.push(...rows.map(toStoredFile));
    }
    return found;
  }

  async hold(owner: FileOwner, holder: string, ids: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(ids)].filter((id) => FILE_ID.test(id)).sort();
    if (wanted.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const held: string[] = [];
      for (const id of wanted) {
        if (!(await lockReference(trx, owner, id))) continue;
        await trx.insertInto('file_holds').values({ project_id: owner.projectId, owner: owner.owner, file_id: id, holder }).onConflict((conflict) => conflict.doNothing()).execute();
        held.push(id);
      }
      return held;
    });
  }

  async releaseHolder(owner: FileOwner, holder: string, keep: readonly string[] = []): Promise<void> {
    const kept = new Set(keep);
    await this.db.transaction().execute(async (trx) => {
      const holds = await trx.selectFrom('file_holds').select('file_id').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('holder', '=', holder).execute();
      // In id order, so two releases of overlapping files take their locks in the same order.
      const released = holds.map((entry) => entry.file_id).filter((id) => !kept.has(id)).sort();
      for (const id of released) {
        const reference = await lockReference(trx, owner, id);
        await trx.deleteFrom('file_holds').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('file_id', '=', id).where('holder', '=', holder).execute();
        if (!reference) continue;
        const left = await trx.selectFrom('file_holds').select('holder').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('file_id', '=', id).limit(1).executeTakeFirst();
        if (!left) await this.#drop(trx, owner, reference);
      }
    });
  }

  async release(owner: FileOwner, id: string): Promise<boolean> {
    if (!FILE_ID.test(id)) return false;
    return this.db.transaction().execute(async (trx) => {
      const reference = await lockReference(trx, owner, id);
      await trx.deleteFrom('file_holds').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('file_id', '=', id).execute();
      if (!reference) return false;
      await this.#drop(trx, owner, reference);
      return true;
    });
  }

  async usage(owner: FileOwner): Promise<{ files: number; bytes: number }> {
    const totals = await this.db.selectFrom('file_owner_totals').select(['file_count', 'byte_count']).where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).executeTakeFirst();
    return { files: Number(totals?.file_count ?? 0), bytes: Number(totals?.byte_count ?? 0) };
  }

  async owners(id: string, limit = OWNER_LOOKUP_LIMIT): Promise<FileOwner[]> {
    if (!FILE_ID.test(id)) return [];
    const rows = await this.db.selectFrom('file_owners').select(['project_id', 'owner']).where('file_id', '=', id).limit(limit).execute();
    return rows.map((row) => ({ projectId: row.project_id, owner: row.owner }));
  }

  /** One more owner holds the blob: counted, or created with its bytes (and written to the folder if it lost them). */
  async #addBlob(trx: Transaction<Database>, projectId: string, id: string, bytes: Uint8Array, now: number): Promise<void> {
    const updated = await trx
      .updateTable('file_blobs')
      .set((eb) => ({ owner_count: eb('owner_count', '+', 1) }))
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await trx
        .insertInto('file_blobs')
        .values({ project_id: projectId, id, size: bytes.byteLength, bytes: this.#folder ? null : Buffer.from(bytes), owner_count: 1, created_at: now })
        .onConflict((conflict) => conflict.columns(['project_id', 'id']).doUpdateSet((eb) => ({ owner_count: eb('file_blobs.owner_count', '+', 1) })))
        .execute();
    }
    // Inside the transaction that holds the blob's row: a release of the same blob cannot remove the bytes meanwhile.
    if (this.#folder) await this.#folder.write(projectId, id, bytes);
  }

  /** Removes an owner's reference nothing holds any more: their totals go down, and the blob goes with its last owner. */
  async #drop(trx: Transaction<Database>, owner: FileOwner, reference: OwnerRow): Promise<void> {
    await trx.deleteFrom('file_owners').where('project_id', '=', owner.projectId).where('owner', '=', owner.owner).where('file_id', '=', reference.file_id).execute();
    await this.#account(trx, owner, -1, -Number(reference.size));
    const blob = await trx
      .updateTable('file_blobs')
      .set((eb) => ({ owner_count: eb('owner_count', '-', 1) }))
      .where('project_id', '=', owner.projectId)
      .where('id', '=', reference.file_id)
      .returning('owner_count')
      .executeTakeFirst();
    if (!blob || Number(blob.owner_count) > 0) return;
    await trx.deleteFrom('file_blobs').where('project_id', '=', owner.projectId).where('id', '=', reference.file_id).execute();
    // Before the commit, while the row is locked: a put of the same bytes waits, then writes them again.
    await this.#folder?.remove(owner.projectId, reference.file_id);
  }

  /** Moves the owner's totals, in the write's transaction, and refuses (rolling it back) what would pass the cap. */
  async #account(trx: Transaction<Database>, owner: FileOwner, files: number, bytes: number): Promise<void> {
    const totals = await trx
      .insertInto('file_owner_totals')
      .values({ project_id: owner.projectId, owner: owner.owner, file_count: Math.max(0, files), byte_count: Math.max(0, bytes) })
      .onConflict((conflict) =>
        conflict.columns(['project_id', 'owner']).doUpdateSet((eb) => ({
          file_count: eb('file_owner_totals.file_count', '+', files),
          byte_count: eb('file_owner_totals.byte_count', '+', bytes),
        })),
      )
      .returning(['byte_count'])
      .executeTakeFirstOrThrow();
    if (bytes > 0 && Number(totals.byte_count) > this.limits.maxBytesPerOwner) {
      throw new GatewayError(
        'request_too_large',
        `Your stored files would hold ${formatBytes(Number(totals.byte_count))}; the most allowed is ${formatBytes(this.limits.maxBytesPerOwner)}. Delete files or conversations that hold them first.`,
        { param: 'file' },
      );
    }
  }
}

/**
 * The owner's reference to a file, locked for the rest of the transaction on Postgres (a no-op update takes the row
 * lock; SQLite runs one transaction at a time); undefined when the owner holds no such file.
 */
async function lockReference(trx: Transaction<Database>, owner: FileOwner, id: string): Promise<OwnerRow | undefined> {
  return trx
    .updateTable('file_owners')
    .set((eb) => ({ size: eb.ref('size') }))
    .where('project_id', '=', owner.projectId)
    .where('owner', '=', owner.owner)
    .where('file_id', '=', id)
    .returning(['file_id', 'media_type', 'name', 'size', 'created_at'])
    .executeTakeFirst();
}

const toStoredFile = (row: OwnerRow): StoredFile => ({ id: row.file_id, mediaType: row.media_type, size: Number(row.size), name: row.name, createdAt: Number(row.created_at) });
