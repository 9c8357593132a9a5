import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = path.dirname(fileURLToPath(import.meta.url));

/** Every non-test TypeScript file under the server's source folder. */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * The top-level folder a file belongs to (`gateway`, `limits`…); a file directly in src is a node of its own (the
 * composition root `create-ai-gateway` imports every folder, while `errors` and `logger` are imported by them).
 */
const folderOf = (file: string) => {
  const relative = path.relative(SOURCE, file).split(path.sep);
  return relative.length > 1 ? relative[0]! : relative[0]!.replace(/\.(js|ts)$/, '');
};

/** The relative modules a source file imports: static, re-exported, side-effect only and dynamic, type-only included. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm)].map((match) => match[1]!);
}

/** Folder → the folders its files import (relative imports only, type-only imports included). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SOURCE)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const target = folderOf(path.resolve(path.dirname(file), specifier));
      if (target !== from) edges.add(target);
    }
  }
  return graph;
}

/** The cycles of a directed graph, each as the path that leaves a folder and comes back to it. */
function cyclesOf(graph: Map<string, Set<string>>): string[] {
  const cycles = new Set<string>();
  const walk = (start: string, at: string, trail: string[]) => {
    for (const next of graph.get(at) ?? []) {
      if (next === start) cycles.add([...trail, next].join(' → '));
      else if (!trail.includes(next) && next > start) walk(start, next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) walk(start, start, [start]);
  return [...cycles].sort();
}

describe('the server folders', () => {
  it('import each other without cycles: no folder reaches back to itself through another', () => {
    const graph = folderGraph();
    expect(graph.size).toBeGreaterThan(8);
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cyclesOf(graph)).toEqual(['a → b → c → a']);
  });

  it('reads every form of import a file can use to reach another folder', () => {
    const source = [
      "import { a } from '../a/a.js';",
      "import type {\n  B,\n} from '../b/b.js';",
      "export { c } from \"../c/c.js\";",
      "import '../d/d.js';",
      "const e = await import('../e/e.js');",
      "import { f } from 'node:f';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['../a/a.js', '../b/b.js', '../c/c.js', '../d/d.js', '../e/e.js']);
  });
});
