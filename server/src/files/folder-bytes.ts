import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FILE_ID } from './file-store.js';

/**
 * The bytes of the file store in a local folder (the metadata stays in the database): `<folder>/<project>/<aa>/<id>`,
 * where `<project>` is a hash of the project id and `<id>` the SHA-256 of the bytes, so no name a client or a host
 * chooses ever becomes part of a path. Writes go to a temporary file renamed into place: a file that exists is whole.
 *
 * @example
 * const bytes = new FolderBytes('./.insforge-ai/files');
 * await bytes.write('default', id, buffer);
 */
export class FolderBytes {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  #pathOf(projectId: string, id: string): string {
    // The id is checked by every caller; checked again here because it becomes a file name.
    if (!FILE_ID.test(id)) throw new Error('not a file id');
    const project = createHash('sha256').update(projectId).digest('hex').slice(0, 32);
    return path.join(this.directory, project, id.slice(0, 2), id);
  }

  /** Writes the bytes unless they are there already. */
  async write(projectId: string, id: string, bytes: Uint8Array): Promise<void> {
    const file = this.#pathOf(projectId, id);
    if (await exists(file)) return;
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temporary, bytes, { mode: 0o600 });
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
  }

  /** The bytes, or undefined when the folder lost them. */
  async read(projectId: string, id: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#pathOf(projectId, id));
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Whether the bytes are there, asked of the file system without reading them. */
  async has(projectId: string, id: string): Promise<boolean> {
    try {
      await stat(this.#pathOf(projectId, id));
      return true;
    } catch (error) {
      // As `read`: only a missing file is no bytes; any other failure is the folder's, and says so.
      if ((error as { code?: unknown } | null)?.code === 'ENOENT') return false;
      throw error;
    }
  }

  async remove(projectId: string, id: string): Promise<void> {
    await rm(this.#pathOf(projectId, id), { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
