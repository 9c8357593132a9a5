import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

export interface BundleMeasure {
  /** The initial chunk: what the import costs before anything is loaded on demand. */
  minifiedBytes: number;
  gzipBytes: number;
  /** The chunks loaded on demand (dynamic `import()`, e.g. the code highlighter), gzipped, summed. */
  lazyGzipBytes: number;
  /** The inputs that made the bundle, largest first (minified bytes each). */
  inputs: Array<{ path: string; bytesInOutput: number }>;
}

/**
 * Bundles `code` (imports resolved from this package) as an app would: minified ESM for browsers, react and
 * react-dom external, CSS separate; and measures it minified and gzipped. The size script and the benchmark share it.
 * @example
 * const { gzipBytes } = await measureBundle("export { ChatPanel } from './src/index.ts';");
 */
export async function measureBundle(code: string): Promise<BundleMeasure> {
  const result = await build({
    stdin: { contents: code, resolveDir: packageRoot, sourcefile: 'size-entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['react', 'react-dom', 'react/*', 'react-dom/*'],
    // Split as an app's bundler would: what is imported on demand stays out of the initial chunk.
    splitting: true,
    outdir: 'size-out',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: packageRoot,
  });
  const entryPath = Object.entries(result.metafile.outputs).find(([, meta]) => meta.entryPoint !== undefined)?.[0];
  const files = result.outputFiles.filter((file) => file.path.endsWith('.js'));
  const entryFile = files.find((file) => entryPath !== undefined && file.path.endsWith(entryPath));
  const output = entryFile?.contents ?? new Uint8Array();
  // Only chunks the entry can reach: esbuild also emits chunks for dynamic imports of modules tree-shaken away.
  const reachable = new Set<string>();
  const visit = (path: string) => {
    for (const { path: imported } of result.metafile.outputs[path]?.imports ?? []) {
      if (!reachable.has(imported) && result.metafile.outputs[imported]) {
        reachable.add(imported);
        visit(imported);
      }
    }
  };
  if (entryPath !== undefined) visit(entryPath);
  const lazyGzipBytes = files.filter((file) => file !== entryFile && [...reachable].some((path) => file.path.endsWith(path))).reduce((sum, file) => sum + gzipSync(file.contents, { level: 9 }).byteLength, 0);
  const inputs = Object.entries((entryPath === undefined ? undefined : result.metafile.outputs[entryPath])?.inputs ?? {})
    .map(([path, { bytesInOutput }]) => ({ path: path.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ''), bytesInOutput }))
    .filter((input) => input.bytesInOutput > 0)
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
  return { minifiedBytes: output.byteLength, gzipBytes: gzipSync(output, { level: 9 }).byteLength, lazyGzipBytes, inputs };
}
