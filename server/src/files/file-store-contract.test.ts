import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/databases.js';
import { conversationHolder, fileIdOf, UPLOAD_HOLDER, type FileLimits, type FileOwner } from './file-store.js';
import { FolderBytes } from './folder-bytes.js';
import { SqlFileStore } from './sql-file-store.js';

// One contract, every implementation: the bytes in SQLite, in Postgres, and in a folder beside either.
const IMPLEMENTATIONS = DIALECTS.flatMap((dialect) => [
  { name: `${dialect} (bytes in the database)`, dialect, folder: false },
  { name: `${dialect} (bytes in a folder)`, dialect, folder: true },
]);

const alice: FileOwner = { projectId: 'p1', owner: 'user:alice' };
const bob: FileOwner = { projectId: 'p1', owner: 'user:bob' };
const png = (size: number) => ({ bytes: randomBytes(size), mediaType: 'image/png' });

/** Every file under a folder, recursively. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe.each(IMPLEMENTATIONS)('the file store on $name', ({ dialect, folder }) => {
  let directory: string;
  const opened: TestDatabase[] = [];
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'insforge-files-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((database) => database.drop()));
    await rm(directory, { recursive: true, force: true });
  });

  /** A store on a fresh database (and folder), so counts start at zero. */
  async function freshStore(limits: Partial<FileLimits> = {}): Promise<{ store: SqlFileStore; database: TestDatabase; folder: string }> {
    const database = await createTestDatabase(dialect);
    opened.push(database);
    const own = await mkdtemp(path.join(directory, 'store-'));
    return { store: new SqlFileStore(database.database.db, { limits, ...(folder ? { folder: new FolderBytes(own) } : {}) }), database, folder: own };
  }

  it('stores a blob once per project however many owners and holders hold it, and counts it once per owner', async () => {
    const { store, database, folder: own } = await freshStore();
    const file = png(2_000);
    const first = await store.put(alice, file, UPLOAD_HOLDER);
    const again = await store.put(alice, file, conversationHolder('trip'));
    const other = await store.put(bob, { ...file, mediaType: 'application/octet-stream' }, UPLOAD_HOLDER);
    expect(first).toEqual({ id: fileIdOf(file.bytes), mediaType: 'image/png', size: 2_000, name: null, createdAt: expect.any(Number) as number });
    expect(again).toEqual(first);
    // Each owner keeps the type they gave.
    expect(other.mediaType).toBe('application/octet-stream');
    const blobs = await database.database.db.selectFrom('file_blobs').select(['id', 'owner_count']).execute();
    expect(blobs).toEqual([{ id: first.id, owner_count: 2 }]);
    expect(await store.usage(alice)).toEqual({ files: 1, bytes: 2_000 });
    expect(await store.usage(bob)).toEqual({ files: 1, bytes: 2_000 });
    expect(await filesUnder(own)).toHaveLength(folder ? 1 : 0);
    // Another project stores its own copy.
    await store.put({ projectId: 'p2', owner: 'user:alice' }, file, UPLOAD_HOLDER);
    expect(await database.database.db.selectFrom('file_blobs').select('project_id').orderBy('project_id').execute()).toEqual([{ project_id: 'p1' }, { project_id: 'p2' }]);
  });

  it('reads a file back only for an owner that holds it', async () => {
    const file = png(300);
    const { store } = await freshStore();
    const stored = await store.put(alice, { ...file, name: 'photo.png' }, UPLOAD_HOLDER);
    const read = await store.read(alice, stored.id);
    expect(read?.bytes.equals(file.bytes)).toBe(true);
    expect(read).toMatchObject({ id: stored.id, mediaType: 'image/png', size: 300, name: 'photo.png' });
    expect(await store.read(bob, stored.id)).toBeUndefined();
    expect(await store.read({ projectId: 'p2', owner: alice.owner }, stored.id)).toBeUndefined();
    for (const id of ['', 'x', `${stored.id}0`, '../../etc/passwd', stored.id.toUpperCase()]) expect(await store.read(alice, id)).toBeUndefined();
    expect(await store.owners(stored.id)).toEqual([alice]);
  });

  it('finds the owner\'s files among ids without their bytes, each once, and none of another owner', async () => {
    const { store } = await freshStore();
    const first = await store.put(alice, { ...png(300), name: 'one.png' }, UPLOAD_HOLDER);
    const second = await store.put(alice, png(500), UPLOAD_HOLDER);
    const bobs = await store.put(bob, png(700), UPLOAD_HOLDER);
    const found = await store.find(alice, [second.id, first.id, first.id, bobs.id, 'x', fileIdOf(randomBytes(8))]);
    expect(found.sort((a, b) => a.size - b.size)).toEqual([first, second]);
    expect(found.some((file) => 'bytes' in file)).toBe(false);
    // Past one statement's batch of ids.
    expect(await store.find(alice, [...Array.from({ length: 1_200 }, (_, index) => fileIdOf(Buffer.from(String(index)))), first.id])).toEqual([first]);
    expect(await store.find(bob, [first.id])).toEqual([]);
  });

  it('finds one file as reading it would, without its bytes: not another owner\'s, and not one whose bytes are gone', async () => {
    const { store, folder: own } = await freshStore();
    const stored = await store.put(alice, { ...png(300), name: 'photo.png' }, UPLOAD_HOLDER);
    const found = await store.findReadable(alice, stored.id);
    expect(found).toEqual(stored);
    expect(found && 'bytes' in found).toBe(false);
    expect(await store.findReadable(bob, stored.id)).toBeUndefined();
    for (const id of ['', 'x', `${stored.id}0`, '../../etc/passwd', stored.id.toUpperCase()]) expect(await store.findReadable(alice, id)).toBeUndefined();
    if (!folder) return;
    // The folder lost the bytes (a disk restored from an older backup, a file removed by hand): neither finds it.
    for (const file of await filesUnder(own)) await rm(file);
    expect([await store.findReadable(alice, stored.id), await store.read(alice, stored.id)]).toEqual([undefined, undefined]);
  });

  it('keeps a reference while anything holds it, and removes the blob (and its bytes) with its last owner', async () => {
    const { store, database, folder: own } = await freshStore();
    const file = png(1_000);
    const { id } = await store.put(alice, file, conversationHolder('a'));
    await store.put(bob, file, UPLOAD_HOLDER);
    // A holder takes only files the owner holds already.
    expect(await store.hold(alice, conversationHolder('b'), [id, fileIdOf(randomBytes(8)), 'not-an-id'])).toEqual([id]);
    await store.releaseHolder(alice, conversationHolder('a'));
    expect(await store.read(alice, id)).toBeDefined();
    await store.releaseHolder(alice, conversationHolder('b'), [id]);
    expect(await store.read(alice, id)).toBeDefined();
    await store.releaseHolder(alice, conversationHolder('b'));
    expect(await store.read(alice, id)).toBeUndefined();
    expect(await store.usage(alice)).toEqual({ files: 0, bytes: 0 });
    expect(await store.read(bob, id)).toBeDefined();
    expect(await store.release(bob, id)).toBe(true);
    expect(await store.release(bob, id)).toBe(false);
    expect(await store.release(bob, '../x')).toBe(false);
    expect(await database.database.db.selectFrom('file_blobs').selectAll().execute()).toEqual([]);
    expect(await database.database.db.selectFrom('file_holds').selectAll().execute()).toEqual([]);
    expect(await filesUnder(own)).toEqual([]);
  });

  it('refuses a file past maxFileBytes and an owner past maxBytesPerOwner with a 413, leaving nothing behind', async () => {
    const { store, database, folder: own } = await freshStore({ maxFileBytes: 1_000, maxBytesPerOwner: 2_500 });
    await expect(store.put(alice, png(1_001), UPLOAD_HOLDER)).rejects.toMatchObject({ code: 'request_too_large', status: 413, message: expect.stringContaining('at most 1000 bytes; this one is 1001 bytes') as string });
    const kept = png(1_000);
    await store.put(alice, kept, UPLOAD_HOLDER);
    await store.put(alice, png(1_000), UPLOAD_HOLDER);
    await expect(store.put(alice, png(600), UPLOAD_HOLDER)).rejects.toMatchObject({ code: 'request_too_large', message: expect.stringMatching(/would hold 2\.5 KB; the most allowed is 2\.4 KB/) as string });
    // A file the owner holds already costs nothing more; another owner has room of their own.
    await store.put(alice, kept, conversationHolder('c'));
    await store.put(bob, png(600), UPLOAD_HOLDER);
    expect(await store.usage(alice)).toEqual({ files: 2, bytes: 2_000 });
    expect(await database.database.db.selectFrom('file_blobs').select('id').execute()).toHaveLength(3);
    expect(await filesUnder(own)).toHaveLength(folder ? 3 : 0);
  });

  it('refuses a media type that is not type/subtype, and keeps the essence of one that is', async () => {
    const { store } = await freshStore();
    await expect(store.put(alice, { bytes: randomBytes(4), mediaType: 'text/html"><script>' }, UPLOAD_HOLDER)).rejects.toMatchObject({ code: 'invalid_parameter', status: 400 });
    expect((await store.put(alice, { bytes: randomBytes(4), mediaType: 'Text/Plain; charset=UTF-8' }, UPLOAD_HOLDER)).mediaType).toBe('text/plain');
  });

  it('keeps every count right through concurrent puts, holds and releases of the same bytes', async () => {
    const { store, database, folder: own } = await freshStore();
    const file = png(500);
    const owners = Array.from({ length: 6 }, (_, index): FileOwner => ({ projectId: 'p1', owner: `user:${index}` }));
    await Promise.all(owners.flatMap((owner) => [store.put(owner, file, UPLOAD_HOLDER), store.put(owner, file, conversationHolder('x'))]));
    await Promise.all(owners.slice(0, 4).flatMap((owner) => [store.release(owner, fileIdOf(file.bytes)), store.put(owner, file, conversationHolder('y')), store.releaseHolder(owner, conversationHolder('x'))]));
    const db = database.database.db;
    const references = await db.selectFrom('file_owners').select(['owner', 'size']).execute();
    const blob = await db.selectFrom('file_blobs').select('owner_count').executeTakeFirst();
    expect(Number(blob?.owner_count ?? 0)).toBe(references.length);
    for (const owner of owners) {
      const holds = await db.selectFrom('file_holds').select('holder').where('owner', '=', owner.owner).execute();
      const held = references.some((reference) => reference.owner === owner.owner);
      // A reference exists exactly while something holds it, and the owner's totals say so.
      expect(held).toBe(holds.length > 0);
      expect(await store.usage(owner)).toEqual(held ? { files: 1, bytes: 500 } : { files: 0, bytes: 0 });
    }
    expect(await filesUnder(own)).toHaveLength(folder && references.length > 0 ? 1 : 0);
  });
});
