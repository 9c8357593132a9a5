import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A directory of the test file's own, made before its tests and removed after them (databases, files): answers the
 * path of a name inside it, or of a path of several names (a folder that does not exist yet, a file in it).
 * Call it before the file's own `beforeAll`, so the directory is there when those run and is removed after their
 * `afterAll` (hooks run in order before, in reverse after).
 * @example
 * const inDirectory = useTemporaryDirectory('insforge-ai-caps-');
 * const harness = await startHarness({ database: inDirectory('caps.db') });
 * await runCli(['migrate', '--database', inDirectory('nested', 'ai.db')], {}, io);
 */
export function useTemporaryDirectory(prefix: string): (...names: string[]) => string {
  let directory: string | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });
  return (...names) => {
    if (directory === undefined) throw new Error('useTemporaryDirectory: the directory is made before the tests run; ask for a path inside a test.');
    return join(directory, ...names);
  };
}
