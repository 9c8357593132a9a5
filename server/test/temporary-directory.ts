import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A directory of the test file's own, made before its tests and removed after them (databases, files): answers the
 * path of a name inside it.
 * @example
 * const inDirectory = useTemporaryDirectory('insforge-ai-caps-');
 * const harness = await startHarness({ database: inDirectory('caps.db') });
 */
export function useTemporaryDirectory(prefix: string): (name: string) => string {
  let directory: string | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });
  return (name) => {
    if (directory === undefined) throw new Error('useTemporaryDirectory: the directory is made before the tests run; ask for a path inside a test.');
    return join(directory, name);
  };
}
