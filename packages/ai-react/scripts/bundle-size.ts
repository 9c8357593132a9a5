import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown, type OutputChunk } from 'rolldown';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = '\0size-entry.ts';

/** The budgets, gzipped: what an app pays for `useChat` (the client and the chat controller), and for ChatPanel. */
export const USE_CHAT_CORE_GOAL = 12 * 1024;
export const CHAT_PANEL_GOAL = 35 * 1024;

export interface BundleMeasure {
  /** What loads with the import: the entry chunk and the chunks it imports statically, before anything on demand. */
  minifiedBytes: number;
  gzipBytes: number;
  /** The chunks loaded on demand (dynamic `import()`, e.g. the code highlighter), and what they import, gzipped, summed. */
  lazyGzipBytes: number;
  /** The modules that load with the import, largest first (bytes each, as rendered before minifying). */
  inputs: Array<{ path: string; bytesInOutput: number }>;
}

/**
 * Bundles `code` (imports resolved from this package) as an app's bundler would (Rolldown, Vite's: minified ESM for
 * browsers, react and react-dom external, CSS separate, split where the code imports on demand) and measures it
 * minified and gzipped. What loads with the import counts every chunk the entry imports statically: code it shares
 * with what loads on demand is split into such a chunk, and still loads first. The size script and the benchmark
 * share it.
 * @example
 * const { gzipBytes } = await measureBundle("export { ChatPanel } from './src/index.ts';");
 */
export async function measureBundle(code: string): Promise<BundleMeasure> {
  const bundle = await rolldown({
    input: ENTRY,
    cwd: packageRoot,
    platform: 'browser',
    external: [/^react(-dom)?($|\/)/],
    transform: { jsx: 'react-jsx' },
    logLevel: 'silent',
    plugins: [{ name: 'size-entry', resolveId: (id) => (id === ENTRY ? ENTRY : null), load: (id) => (id === ENTRY ? { code, moduleType: 'ts' } : null) }],
  });
  const { output } = await bundle.generate({ format: 'esm', minify: true });
  await bundle.close();
  const chunks = new Map(output.filter((file): file is OutputChunk => file.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const entry = [...chunks.values()].find((chunk) => chunk.isEntry);
  // What loads first: the entry and its static imports, transitively. What loads on demand: the rest it can reach.
  const initial = new Set<string>();
  const reachable = new Set<string>();
  const visit = (name: string, statically: boolean) => {
    const chunk = chunks.get(name);
    if (!chunk) return;
    for (const imported of chunk.imports) {
      if (!chunks.has(imported) || (statically ? initial : reachable).has(imported)) continue;
      (statically ? initial : reachable).add(imported);
      visit(imported, statically);
    }
    for (const imported of chunk.dynamicImports) {
      if (!chunks.has(imported) || reachable.has(imported)) continue;
      reachable.add(imported);
      visit(imported, false);
    }
  };
  if (entry) {
    initial.add(entry.fileName);
    visit(entry.fileName, true);
  }
  const loadedFirst = [...initial].map((name) => chunks.get(name) as OutputChunk);
  // One gzip of what loads first together, as one download would roughly compress it.
  const first = Buffer.from(loadedFirst.map((chunk) => chunk.code).join('\n'));
  const lazyGzipBytes = [...reachable].filter((name) => !initial.has(name)).reduce((sum, name) => sum + gzipSync((chunks.get(name) as OutputChunk).code, { level: 9 }).byteLength, 0);
  const inputs = loadedFirst
    .flatMap((chunk) => Object.entries(chunk.modules))
    .filter(([path, module]) => path !== ENTRY && module.renderedLength > 0)
    .map(([path, module]) => ({ path: path.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(packageRoot, ''), bytesInOutput: module.renderedLength }))
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
  return { minifiedBytes: first.byteLength, gzipBytes: gzipSync(first, { level: 9 }).byteLength, lazyGzipBytes, inputs };
}
