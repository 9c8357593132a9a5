import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

export interface BundleMeasure {
  minifiedBytes: number;
  gzipBytes: number;
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
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: packageRoot,
  });
  const output = result.outputFiles[0]?.contents ?? new Uint8Array();
  const outputs = Object.values(result.metafile.outputs);
  const inputs = Object.entries(outputs[0]?.inputs ?? {})
    .map(([path, { bytesInOutput }]) => ({ path: path.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ''), bytesInOutput }))
    .filter((input) => input.bytesInOutput > 0)
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
  return { minifiedBytes: output.byteLength, gzipBytes: gzipSync(output, { level: 9 }).byteLength, inputs };
}
