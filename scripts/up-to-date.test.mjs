import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUpToDate } from './up-to-date.mjs';

describe('isUpToDate (npm start skips a build whose output is newer than its sources)', () => {
  let root;
  /** Writes a file (and its folders) with the modification time `seconds`. */
  const write = (relative, seconds) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, relative);
    utimesSync(file, seconds, seconds);
  };
  const at = (relative, seconds) => utimesSync(path.join(root, relative), seconds, seconds);
  const fresh = () => isUpToDate([path.join(root, 'dist')], [path.join(root, 'src'), path.join(root, 'package.json')]);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'up-to-date-'));
    write('src/a.ts', 100);
    write('src/nested/b.ts', 100);
    write('package.json', 100);
    for (const folder of ['src/nested', 'src']) at(folder, 100);
    write('dist/a.js', 200);
    write('dist/nested/b.js', 201);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('holds when every output file is newer than every input', () => {
    expect(fresh()).toBe(true);
  });

  it('fails when a source changed, a file was added or removed, or the package file changed', () => {
    write('src/nested/b.ts', 300);
    expect(fresh()).toBe(false);
    write('src/nested/b.ts', 100);
    at('src/nested', 300); // what adding or removing a file in it does to a folder
    expect(fresh()).toBe(false);
    at('src/nested', 100);
    at('package.json', 250);
    expect(fresh()).toBe(false);
  });

  it('fails when an output file is older than a source (a build that stopped half way), or the output is missing or empty', () => {
    at('dist/a.js', 50);
    expect(fresh()).toBe(false);
    rmSync(path.join(root, 'dist'), { recursive: true });
    expect(fresh()).toBe(false);
    mkdirSync(path.join(root, 'dist'));
    expect(fresh()).toBe(false);
  });
});
